import Foundation
import Logging
import Model
import Postgres
import Queue
import ServiceLifecycle
import Storage

/// Republishes every task that PostgreSQL says is ready but nobody claimed within `bound`, so a
/// flushed or restarted Redis loses nothing. Elected per pass by an advisory lock: run any number.
///
/// A task whose message is still unread in its stream is healthy backlog, not lost: a pass reads
/// each stream's oldest undelivered entry and republishes only what was handed to Redis before it
/// (everything, when the stream is gone). A pass pages through everything that is lost, `pageSize`
/// at a time, so a failover that loses a million ready tasks is recovered in one pass.
public struct Reconciler: Service {
    public let postgres: PostgresPool
    public let publisher: TaskPublisher
    public let bound: Duration
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger
    public let pageSize: Int

    public init(postgres: PostgresPool, publisher: TaskPublisher, bound: Duration = .seconds(60),
                interval: Duration = .seconds(10), pageSize: Int = 5_000, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.publisher = publisher
        self.bound = bound
        self.interval = interval
        self.pageSize = max(1, pageSize)
        self.logger = logger
        self.now = now
    }

    /// One pass; returns how many tasks were republished.
    @discardableResult
    public func runOnce() async throws -> Int {
        let (instant, bound, pageSize, prefix) = (now(), bound, pageSize, publisher.prefix)
        let backlog = try await publisher.redis.withConnection { connection in
            try Dictionary(uniqueKeysWithValues: Agency.allCases.map { agency in
                (agency, try StreamBacklog.read(AgencyKeys(agency: agency.rawValue, prefix: prefix), on: connection))
            })
        }
        // A task is handed to Redis just after its commit, and Redis stamps the entry with its own
        // clock: `margin` keeps the entry that is the oldest unread from counting as lost.
        let margin = Self.margin
        let before = backlog.compactMapValues { $0.oldestUndeliveredAt?.addingTimeInterval(-margin) }
        var total = 0
        var cursor: Reconciliation.Cursor?
        while true {
            let found = try await postgres.withConnection { [cursor] in
                try Reconciliation.overdue(now: instant, bound: bound, before: before, limit: pageSize,
                                           after: cursor, markedAt: self.now(), on: $0)
            }
            // Another worker holds the lock: it is reconciling, and goes on until nothing is left.
            guard let (page, next, more) = found else { return total }
            // Delayed work that is already due goes straight to the stream.
            try await publisher.publish(page.map { ($0.id, $0.agency.rawValue, $0.attempt) })
            total += page.count
            cursor = next
            if !more || Task.isCancelled { return total }
        }
    }

    /// How much earlier than the oldest unread entry a dispatch must be to count as lost, in seconds.
    static let margin: TimeInterval = 5

    public func run() async throws {
        await Periodic.run(every: interval, name: "reconciliation", logger: logger) {
            let count = try await runOnce()
            if count > 0 { logger.notice("republished tasks Redis did not have", metadata: ["tasks": "\(count)"]) }
        }
    }
}
