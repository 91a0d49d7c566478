import Foundation
import Logging
import Postgres
import Queue
import ServiceLifecycle
import Storage

/// Republishes every task that PostgreSQL says is ready but nobody claimed within `bound`, so a
/// flushed or restarted Redis loses nothing. Elected per pass by an advisory lock: run any number.
public struct Reconciler: Service {
    public let postgres: PostgresPool
    public let publisher: TaskPublisher
    public let bound: Duration
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(postgres: PostgresPool, publisher: TaskPublisher, bound: Duration = .seconds(60),
                interval: Duration = .seconds(10), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.publisher = publisher
        self.bound = bound
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// One pass; returns how many tasks were republished.
    @discardableResult
    public func runOnce() async throws -> Int {
        let (instant, bound) = (now(), bound)
        let overdue = try await postgres.withConnection {
            try Reconciliation.overdue(now: instant, bound: bound, limit: 1000, on: $0)
        }
        // Delayed work that is already due goes straight to the stream.
        try await publisher.publish(overdue.map { ($0.id, $0.agency.rawValue, $0.attempt) })
        return overdue.count
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let count = try await runOnce()
                if count > 0 { logger.notice("republished tasks Redis did not have", metadata: ["tasks": "\(count)"]) }
            } catch {
                logger.warning("reconciliation failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
