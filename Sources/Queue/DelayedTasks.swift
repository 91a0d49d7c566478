import Foundation
import Redis

/// The per-agency sorted set of delayed work (retries, payment days, re-checks), scored by due
/// time in milliseconds, and the script that moves what is due to the stream atomically.
public struct DelayedTasks: Sendable {
    public let keys: AgencyKeys

    public init(keys: AgencyKeys) {
        self.keys = keys
    }

    /// Both keys share the agency's hash tag, so the script stays in one Redis Cluster slot.
    static let promote = RedisScript("""
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, member in ipairs(due) do
          local sep = string.find(member, ':', 1, true)
          redis.call('XADD', KEYS[2], '*', 'task', string.sub(member, 1, sep - 1), 'attempt', string.sub(member, sep + 1))
          redis.call('ZREM', KEYS[1], member)
        end
        return #due
        """)

    /// Adds a task attempt, due at `at`.
    /// The ZADD that puts a task attempt in the delayed set, due at `at` (score: milliseconds), for a pipeline.
    public func scheduleCommand(_ taskID: UUID, attempt: Int, at: Date) -> [any RedisArgument] {
        ["ZADD", keys.delayed, Int((at.timeIntervalSince1970 * 1000).rounded(.down)), Self.member(taskID, attempt)]
    }

    /// Moves up to `limit` due entries to the stream; returns how many moved.
    @discardableResult
    public func promoteDue(now: Date, limit: Int = 500, on connection: RedisConnection) throws -> Int {
        try connection.evaluate(Self.promote, keys: [keys.delayed, keys.stream],
                                arguments: [Int(now.timeIntervalSince1970 * 1000), limit]).int ?? 0
    }

    static func member(_ taskID: UUID, _ attempt: Int) -> String { "\(taskID.uuidString.lowercased()):\(attempt)" }
}
