import Foundation
import Logging
import Queue
import Redis
import ServiceLifecycle

/// Every `interval`, for each agency this worker serves: trims the acknowledged entries of the
/// stream and removes the consumers of workers gone for good (``StreamJanitor``). Every worker runs
/// it; the passes are safe to overlap.
public struct StreamJanitorService: Service {
    public let redis: RedisClient
    public let keys: [AgencyKeys]
    public let consumerName: String
    public let interval: Duration
    public let idleLimit: Duration
    public let logger: Logger

    public init(redis: RedisClient, keys: [AgencyKeys], consumerName: String, interval: Duration = .seconds(10),
                idleLimit: Duration = .seconds(600), logger: Logger) {
        self.redis = redis
        self.keys = keys
        self.consumerName = consumerName
        self.interval = interval
        self.idleLimit = idleLimit
        self.logger = logger
    }

    /// One pass over every agency; returns the entries trimmed and the consumers removed.
    @discardableResult
    public func runOnce() async throws -> StreamJanitor.Swept {
        let (keys, idleLimit, own) = (keys, idleLimit, consumerName)
        return try await redis.withConnection { connection in
            var total = StreamJanitor.Swept()
            for agency in keys {
                let swept = try StreamJanitor(keys: agency, idleLimit: idleLimit).sweep(keeping: [own], on: connection)
                total.trimmed += swept.trimmed
                total.consumersRemoved += swept.consumersRemoved
            }
            return total
        }
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "stream janitor", logger: logger) {
            let swept = try await runOnce()
            if !swept.consumersRemoved.isEmpty {
                logger.info("consumers of stopped workers removed from the groups",
                            metadata: ["consumers": "\(swept.consumersRemoved)"])
            }
        }
    }
}
