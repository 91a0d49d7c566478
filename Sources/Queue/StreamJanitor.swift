import Foundation
import Redis

/// Keeps an agency's stream bounded: acknowledged entries are trimmed (`XTRIM MINID` to the oldest
/// entry still pending, or just past the last delivered one: never an unread or unacknowledged
/// entry), and consumers of workers gone for good — nothing pending, idle longer than `idleLimit` —
/// leave the group.
///
/// Safe to run from every worker at once: the group only moves forward, so a trim computed from a
/// slightly old view trims less, never more.
public struct StreamJanitor: Sendable {
    /// Checks and removes in one step, so a consumer cannot take an entry between the look and the
    /// removal (DELCONSUMER would drop it from the pending list).
    static let removeIdleConsumers = RedisScript("""
        local keep = {}
        for i = 3, #ARGV do keep[ARGV[i]] = true end
        local removed = {}
        for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
          local info = {}
          for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
          if not keep[info['name']] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(ARGV[2]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
            table.insert(removed, info['name'])
          end
        end
        return removed
        """)

    public let keys: AgencyKeys
    /// How long a consumer with nothing pending may stay idle before it is removed.
    public let idleLimit: Duration

    public init(keys: AgencyKeys, idleLimit: Duration = .seconds(600)) {
        self.keys = keys
        self.idleLimit = idleLimit
    }

    /// What one pass did.
    public struct Swept: Sendable, Equatable {
        public var trimmed = 0
        public var consumersRemoved: [String] = []
        public init() {}
    }

    /// One pass; `keeping` names consumers never to remove (this process's own).
    @discardableResult
    public func sweep(keeping: Set<String> = [], on connection: RedisConnection) throws -> Swept {
        var swept = Swept()
        let backlog = try StreamBacklog.read(keys, on: connection)
        guard !backlog.isMissing, backlog.hasGroup else { return swept }
        if let below = backlog.trimBelowID {
            swept.trimmed = try connection.command("XTRIM", keys.stream, "MINID", below).int ?? 0
        }
        let removed = try connection.evaluate(Self.removeIdleConsumers, keys: [keys.stream],
                                              arguments: [keys.group, RedisConnection.milliseconds(idleLimit)]
                                                  + keeping.sorted().map { $0 as any RedisArgument })
        swept.consumersRemoved = (removed.array ?? []).compactMap(\.string)
        return swept
    }
}
