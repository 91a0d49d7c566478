import Foundation
import Redis

/// What one agency's stream holds for its consumer group: how far the group has read, what is still
/// unread, and what is delivered but not yet acknowledged. The reconciler and the stream janitor read
/// it; it costs two or three small commands per agency.
public struct StreamBacklog: Sendable, Equatable {
    /// Entries not yet delivered to any consumer (nil when Redis cannot say).
    public var lag: Int?
    /// Entries delivered and not acknowledged.
    public var pending: Int
    /// The id of the last entry delivered to the group (`0-0` before the first).
    public var lastDeliveredID: String
    /// The smallest id still pending, when any is.
    public var oldestPendingID: String?
    /// When Redis took the oldest entry not yet delivered, when there is one.
    public var oldestUndeliveredAt: Date?

    /// Whether the stream does not exist: nothing was ever published, or Redis lost it.
    public var isMissing: Bool
    /// Whether the consumer group exists (no worker may have joined yet: then everything is unread).
    public var hasGroup: Bool

    /// The smallest id that must stay in the stream: everything below it has been delivered and
    /// acknowledged. Nil when nothing may be trimmed (nothing delivered yet).
    public var trimBelowID: String? {
        if let oldestPendingID { return oldestPendingID }
        guard lastDeliveredID != "0-0", let next = Self.successor(of: lastDeliveredID) else { return nil }
        return next
    }

    /// Reads the backlog of one agency's stream.
    public static func read(_ keys: AgencyKeys, on connection: RedisConnection) throws -> StreamBacklog {
        let groups: [StreamGroupInfo]
        do {
            groups = try connection.xinfoGroups(keys.stream)
        } catch let error as RedisError where error.code == .serverError {
            // ERR no such key: the stream is gone (never made, flushed, lost in a failover).
            return StreamBacklog(lag: 0, pending: 0, lastDeliveredID: "0-0", isMissing: true, hasGroup: false)
        }
        guard let group = groups.first(where: { $0.name == keys.group }) else {
            // No worker has joined: every entry is unread, the first one the oldest.
            let first = try connection.command("XRANGE", keys.stream, "-", "+", "COUNT", 1).array?.first?.array?.first?.string
            return StreamBacklog(lag: try connection.xlen(keys.stream), pending: 0, lastDeliveredID: "0-0",
                                 oldestUndeliveredAt: first.flatMap(Self.time(of:)), isMissing: false, hasGroup: false)
        }
        var backlog = StreamBacklog(lag: group.lag, pending: group.pending, lastDeliveredID: group.lastDeliveredID,
                                    isMissing: false, hasGroup: true)
        let replies = try connection.pipeline([
            ["XPENDING", keys.stream, keys.group],
            ["XRANGE", keys.stream, "(" + group.lastDeliveredID, "+", "COUNT", 1],
        ])
        if group.pending > 0, let summary = replies[0].array, summary.count >= 2 {
            backlog.oldestPendingID = summary[1].string
        }
        if let id = replies[1].array?.first?.array?.first?.string {
            backlog.oldestUndeliveredAt = Self.time(of: id)
        }
        return backlog
    }

    /// The time in a stream entry id (`<ms>-<seq>`).
    public static func time(of id: String) -> Date? {
        guard let millis = id.split(separator: "-").first.flatMap({ Int($0) }) else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// The id right after `id` (`5-7` → `5-8`).
    static func successor(of id: String) -> String? {
        let parts = id.split(separator: "-")
        guard parts.count == 2, let millis = Int(parts[0]), let sequence = Int(parts[1]) else { return nil }
        return "\(millis)-\(sequence + 1)"
    }
}
