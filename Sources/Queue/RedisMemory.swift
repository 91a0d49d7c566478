import Redis

/// Redis's memory use and limit (`INFO memory`), for `/metrics`: with `noeviction` a full Redis
/// refuses writes, so its use is worth an alert long before that.
public struct RedisMemory: Sendable, Equatable {
    public var usedBytes: Int
    /// 0 when no limit is set.
    public var maxBytes: Int

    /// On a cluster, the sum over its primaries.
    public static func read(on connection: RedisConnection) throws -> RedisMemory {
        var total = RedisMemory(usedBytes: 0, maxBytes: 0)
        for reply in try connection.commandOnEveryPrimary(["INFO", "memory"]) {
            var fields: [Substring: Int] = [:]
            for line in (reply.string ?? "").split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) { fields[parts[0]] = value }
            }
            total.usedBytes += fields["used_memory"] ?? 0
            total.maxBytes += fields["maxmemory"] ?? 0
        }
        return total
    }
}
