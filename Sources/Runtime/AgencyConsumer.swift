import Foundation
import Logging
import Queue
import Redis
import ServiceLifecycle
import Services

/// Consumes one agency's stream with a fixed number of slots; each slot takes a message only when
/// it is free, blocks on the stream while idle, and acknowledges a message only after its outcome
/// has committed. Messages another consumer held longer than the visibility timeout are reclaimed.
public struct AgencyConsumer: Service {
    public let redis: RedisClient
    public let keys: AgencyKeys
    public let runner: TaskRunner
    public let consumerName: String
    public let slots: Int
    public let block: Duration
    public let visibilityTimeout: Duration
    public let logger: Logger
    public let inFlight: InFlightTasks?

    public init(redis: RedisClient, keys: AgencyKeys, runner: TaskRunner, consumerName: String, slots: Int,
                block: Duration = .seconds(1), visibilityTimeout: Duration = .seconds(60), logger: Logger,
                inFlight: InFlightTasks? = nil) {
        self.inFlight = inFlight
        self.redis = redis
        self.keys = keys
        self.runner = runner
        self.consumerName = consumerName
        self.slots = slots
        self.block = block
        self.visibilityTimeout = visibilityTimeout
        self.logger = logger
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for _ in 0..<slots {
                group.addTask { await slotLoop() }
            }
        }
    }

    private var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func slotLoop() async {
        var groupReady = false
        while !stopping {
            do {
                if !groupReady {
                    try await redis.withConnection { [keys] in _ = try $0.xgroupCreate(keys.stream, group: keys.group) }
                    groupReady = true
                }
                if let message = try await next() {
                    try await handle(message)
                }
            } catch {
                if stopping { break }
                groupReady = false
                logger.warning("consumer slot error; retrying", metadata: ["agency": "\(keys.agency)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// One new message, or one reclaimed from a consumer that stopped answering.
    private func next() async throws -> StreamMessage? {
        let (keys, consumer, block, visibility) = (keys, consumerName, block, visibilityTimeout)
        return try await redis.withConnection { connection in
            if let fresh = try connection.xreadgroup(group: keys.group, consumer: consumer, streams: [keys.stream],
                                                     count: 1, block: block).first {
                return fresh
            }
            return try connection.xautoclaim(keys.stream, group: keys.group, consumer: consumer,
                                             minIdle: visibility, count: 1).messages.first
        }
    }

    private func handle(_ message: StreamMessage) async throws {
        if let id = message.string("task").flatMap(UUID.init(uuidString:)),
           let attempt = message.string("attempt").flatMap(Int.init) {
            let key = id.uuidString.lowercased()
            inFlight?.begin(key)
            defer { inFlight?.end(key) }
            _ = try await runner.run(taskID: id, attempt: attempt)
        } else {
            logger.error("malformed message dropped", metadata: ["agency": "\(keys.agency)", "id": "\(message.id)"])
        }
        let keys = keys
        try await redis.withConnection { _ = try $0.xack(keys.stream, group: keys.group, ids: [message.id]) }
    }
}

/// Moves due delayed tasks (retries, payment days, re-checks) to their streams, every `interval`.
public struct DelayedPromoter: Service {
    public let redis: RedisClient
    public let keys: [AgencyKeys]
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(redis: RedisClient, keys: [AgencyKeys], interval: Duration = .milliseconds(200), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.redis = redis
        self.keys = keys
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// One pass over every agency; returns how many tasks moved.
    @discardableResult
    public func runOnce() async throws -> Int {
        let (keys, instant) = (keys, now())
        return try await redis.withConnection { connection in
            try keys.reduce(0) { $0 + (try DelayedTasks(keys: $1).promoteDue(now: instant, on: connection)) }
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runOnce()
            } catch {
                logger.warning("delayed tasks not promoted; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
