import Foundation
import Logging
import Queue
import Redis
import ServiceLifecycle

/// Writes this worker's heartbeat every `interval`, valid for `ttl`.
///
/// A failed write (Redis down) is logged and tried again on the next tick; it never stops the worker.
public struct HeartbeatService: Service {
    public let redis: RedisClient
    public let prefix: String
    public let interval: Duration
    public let ttl: Duration
    public let snapshot: @Sendable () -> WorkerHeartbeat
    public let logger: Logger

    public init(redis: RedisClient, prefix: String, interval: Duration = .seconds(2), ttl: Duration = .seconds(10),
                logger: Logger, snapshot: @escaping @Sendable () -> WorkerHeartbeat) {
        self.redis = redis
        self.prefix = prefix
        self.interval = interval
        self.ttl = ttl
        self.logger = logger
        self.snapshot = snapshot
    }

    /// Writes one heartbeat.
    public func runOnce() async throws {
        let beat = snapshot()
        try await redis.withConnection { [prefix, ttl] in try beat.write(on: $0, prefix: prefix, ttl: ttl) }
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "heartbeat", logger: logger) { try await runOnce() }
        // Leave no ghost behind on a clean stop.
        let workerID = snapshot().workerID
        _ = try? await redis.withConnection { [prefix] in
            try WorkerHeartbeat.remove(on: $0, prefix: prefix, workerID: workerID)
        }
    }
}
