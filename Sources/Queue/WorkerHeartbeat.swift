import Foundation
import Redis

/// What a worker process says about itself every few seconds, kept under a key with a TTL so a
/// dead worker disappears by itself.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    public var workerID: String
    public var host: String
    public var pid: Int32
    public var agencies: [String]
    public var slotsInUse: Int
    public var slots: Int
    public var currentTasks: [String]
    public var startedAt: Date
    public var beatAt: Date

    public init(workerID: String, host: String, pid: Int32, agencies: [String], slotsInUse: Int,
                slots: Int, currentTasks: [String], startedAt: Date, beatAt: Date) {
        self.workerID = workerID
        self.host = host
        self.pid = pid
        self.agencies = agencies
        self.slotsInUse = slotsInUse
        self.slots = slots
        self.currentTasks = currentTasks
        self.startedAt = startedAt
        self.beatAt = beatAt
    }

    /// The hash of every worker's last heartbeat (worker id → JSON) and the sorted set of when
    /// each one expires. Both carry the hash tag `{workers}`, so on a Redis Cluster they live on one
    /// node and the list is read without scanning every node's keys.
    public static func keys(prefix: String) -> (beats: String, expiries: String) {
        ("\(prefix):{workers}:beats", "\(prefix):{workers}:expiries")
    }

    /// Writes the heartbeat, valid for `ttl` by the Redis server's clock, and drops expired ones.
    public func write(on connection: RedisConnection, prefix: String, ttl: Duration) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(self)
        let keys = Self.keys(prefix: prefix)
        try connection.evaluate(Self.writeScript, keys: [keys.beats, keys.expiries],
                                arguments: [workerID, Array(body), RedisConnection.milliseconds(ttl)])
    }

    /// Removes this worker's heartbeat (a clean stop leaves no ghost).
    public static func remove(on connection: RedisConnection, prefix: String, workerID: String) throws {
        let keys = Self.keys(prefix: prefix)
        _ = try connection.pipeline([["HDEL", keys.beats, workerID], ["ZREM", keys.expiries, workerID]])
    }

    /// Every live worker's heartbeat.
    public static func all(on connection: RedisConnection, prefix: String) throws -> [WorkerHeartbeat] {
        let keys = Self.keys(prefix: prefix)
        let bodies = try connection.evaluate(liveScript, keys: [keys.beats, keys.expiries]).array ?? []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try bodies.compactMap { reply in
            try reply.bytes.map { try decoder.decode(WorkerHeartbeat.self, from: Data($0)) }
        }
    }

    /// KEYS: beats, expiries. ARGV: worker id, body, ttl in ms. Both keys expire when no worker
    /// has written for a whole TTL, when every heartbeat in them has expired anyway.
    static let writeScript = RedisScript("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local ttl = tonumber(ARGV[3])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
        if #expired > 0 then
            redis.call('HDEL', KEYS[1], unpack(expired))
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        end
        local keep = ttl * 3
        redis.call('PEXPIRE', KEYS[1], keep)
        redis.call('PEXPIRE', KEYS[2], keep)
        return 1
        """)

    /// KEYS: beats, expiries. The bodies of the heartbeats that have not expired.
    static let liveScript = RedisScript("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
        if #live == 0 then return {} end
        return redis.call('HMGET', KEYS[1], unpack(live))
        """)
}
