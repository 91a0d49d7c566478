import Foundation
import Logging
import Model
import Postgres
import ServiceLifecycle
import Storage

/// Every `interval`, on one worker at a time (an advisory lock elects it): purges the bank account
/// numbers of ended extractions, deletes the events of cases ended more than `eventRetention` ago and
/// the per-minute samples older than `sampleRetention` (``Retention``), in batches until none is left.
public struct RetentionSweeper: Service {
    public let postgres: PostgresPool
    /// How long a case's events are kept after it ended; nil keeps them.
    public let eventRetention: Duration?
    public let sampleRetention: Duration
    public let interval: Duration
    public let batch: Int
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(postgres: PostgresPool, eventRetention: Duration?, sampleRetention: Duration,
                interval: Duration = .seconds(3600), batch: Int = 5_000, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.eventRetention = eventRetention
        self.sampleRetention = sampleRetention
        self.interval = interval
        self.batch = max(1, batch)
        self.logger = logger
        self.now = now
    }

    /// What one pass did.
    public struct Swept: Sendable, Equatable {
        public var accountsPurged = 0
        public var eventsDeleted = 0
        public var samplesDeleted = 0
        public init() {}
    }

    /// One pass; nil when another worker holds the sweep.
    @discardableResult
    public func runOnce() async throws -> Swept? {
        let instant = now()
        let eventsBefore = eventRetention.map { instant.adding(.zero - $0) }
        let samplesBefore = instant.adding(.zero - sampleRetention)
        let batch = batch
        return try await postgres.withConnection { try SingletonLock.ifElected("retention", on: $0) { db in
            var swept = Swept()
            func drain(_ step: () throws -> Int) throws -> Int {
                var total = 0
                while true {
                    let done = try step()
                    total += done
                    if done < batch { return total }
                }
            }
            swept.accountsPurged = try drain { try Retention.purgeBankAccounts(limit: batch, on: db) }
            if let eventsBefore {
                swept.eventsDeleted = try drain { try Retention.deleteEvents(endedBefore: eventsBefore, limit: batch, on: db) }
            }
            swept.samplesDeleted = try drain { try Retention.deleteSamples(before: samplesBefore, limit: batch, on: db) }
            return swept
        } }
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "retention sweep", logger: logger) {
            if let swept = try await runOnce(), swept != Swept() {
                logger.info("retention: purged and deleted", metadata: [
                    "bankAccounts": "\(swept.accountsPurged)", "events": "\(swept.eventsDeleted)",
                    "samples": "\(swept.samplesDeleted)",
                ])
            }
        }
    }
}
