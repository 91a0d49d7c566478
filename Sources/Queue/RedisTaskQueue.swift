import Foundation
import Model
import Redis

/// The engine's ``TaskQueue`` on Redis: a stream per agency read by the consumer group `workers`
/// (XREADGROUP, XAUTOCLAIM for what a stopped consumer held, XACK) and a sorted set of delayed tasks
/// per agency moved to the stream by a Lua script when due (``DelayedTasks``). The key layout is
/// ``AgencyKeys``; a message is the fields `task` and `attempt`.
public struct RedisTaskQueue: TaskQueue {
    /// Connections for publishing, acknowledging and promoting.
    public let redis: RedisClient
    /// Connections for the blocking reads: one is held while a reader waits for messages.
    public let reads: RedisClient
    public let prefix: String

    public init(redis: RedisClient, reads: RedisClient? = nil, prefix: String) {
        self.redis = redis
        self.reads = reads ?? redis
        self.prefix = prefix
    }

    public func keys(_ agency: Agency) -> AgencyKeys {
        AgencyKeys(agency: agency.rawValue, prefix: prefix)
    }

    public func prepare(_ agency: Agency) async throws {
        let keys = keys(agency)
        try await reads.withConnection { _ = try $0.xgroupCreate(keys.stream, group: keys.group) }
    }

    public func read(_ agency: Agency, consumer: String, count: Int, block: Duration,
                     reclaimAfter: Duration) async throws -> [QueueMessage] {
        let keys = keys(agency)
        let messages = try await reads.withConnection { connection in
            let fresh = try connection.xreadgroup(group: keys.group, consumer: consumer, streams: [keys.stream],
                                                  count: count, block: block)
            if !fresh.isEmpty { return fresh }
            return try connection.xautoclaim(keys.stream, group: keys.group, consumer: consumer,
                                             minIdle: reclaimAfter, count: count).messages
        }
        return messages.map { message in
            QueueMessage(id: message.id, taskID: message.string("task").flatMap(UUID.init(uuidString:)),
                         attempt: message.string("attempt").flatMap(Int.init))
        }
    }

    public func settle(_ dispatch: Dispatch, acknowledging ids: [String], of agency: Agency?) async throws {
        try await TaskPublisher(redis: redis, prefix: prefix).settle(
            acknowledging: ids, on: agency.map(keys),
            publish: dispatch.publish.map { ($0.id, $0.agency.rawValue, $0.attempt) },
            schedule: dispatch.schedule.map { ($0.id, $0.agency.rawValue, $0.attempt, $0.at) })
    }

    public func promoteDue(_ agencies: [Agency], now: Date) async throws -> Int {
        let keys = agencies.map(keys)
        return try await redis.withConnection { connection in
            try keys.reduce(0) { $0 + (try DelayedTasks(keys: $1).promoteDue(now: now, on: connection)) }
        }
    }
}
