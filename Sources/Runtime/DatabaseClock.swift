import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// The process's clock, set to PostgreSQL's: leases, due times and deadlines are compared across
/// hosts, so each host counts with the database's time, not its own.
///
/// A host clock 50 s behind would otherwise have its tasks' leases taken over mid-call by a host
/// that is right, and would claim retries before they are due. The offset is measured from
/// `clock_timestamp()` against the middle of the round trip (so it is right to within half a round
/// trip) at start-up and every `interval` after; a skew over a second is logged, and exported as
/// `onething_clock_skew_seconds` (database minus host).
public final class DatabaseClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    /// The database's time as this host reckons it.
    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// The last measured skew: the database's clock minus this host's, in seconds.
    public var skew: TimeInterval { offset.withLock { $0 } }

    /// Measures the offset once; a sample whose round trip took over a second is not trusted and
    /// leaves the offset as it was. Returns the skew.
    @discardableResult
    public func measure(_ postgres: PostgresPool) async throws -> TimeInterval {
        let (database, sent, received) = try await postgres.withConnection { db in
            let sent = Date()
            let value = try db.query("SELECT extract(epoch FROM clock_timestamp())::float8 AS t", name: "clockTimestamp")
                .first?.decode(Double.self, "t") ?? sent.timeIntervalSince1970
            return (value, sent, Date())
        }
        let roundTrip = received.timeIntervalSince(sent)
        guard roundTrip < 1 else { return skew }
        let measured = database - (sent.timeIntervalSince1970 + roundTrip / 2)
        offset.withLock { $0 = measured }
        return measured
    }
}

/// Keeps a ``DatabaseClock`` measured while the process runs.
public struct DatabaseClockService: Service {
    public let clock: DatabaseClock
    public let postgres: PostgresPool
    public let interval: Duration
    public let logger: Logger
    public let factory: any MetricsFactory

    public init(clock: DatabaseClock, postgres: PostgresPool, interval: Duration = .seconds(30), logger: Logger,
                factory: any MetricsFactory = MetricsSystem.factory) {
        self.clock = clock
        self.postgres = postgres
        self.interval = interval
        self.logger = logger
        self.factory = factory
    }

    /// One measurement, logged when the host is more than a second off.
    public func runOnce() async throws {
        let skew = try await clock.measure(postgres)
        Gauge(label: "onething_clock_skew_seconds", factory: factory).record(skew)
        if abs(skew) > 1 {
            logger.warning("this host's clock differs from PostgreSQL's; counting with PostgreSQL's",
                           metadata: ["skewSeconds": "\(String(format: "%.3f", skew))"])
        }
    }

    /// A failed reading keeps the last offset.
    public func run() async throws {
        await Periodic.run(every: interval, name: "reading PostgreSQL's clock", logger: logger) { try await runOnce() }
    }
}
