/// Where a command goes on a Redis Cluster: the key it names, and the slot of that key.
enum RedisCommandKey {
    /// The number of hash slots of a Redis Cluster.
    static let slotCount = 16_384

    /// The slot of `key`: CRC16 (XMODEM) of the key, or of its hash tag — the part between the
    /// first `{` and the next `}`, when that part is not empty — modulo 16,384.
    static func slot(_ key: [UInt8]) -> Int {
        var hashed = key[...]
        if let open = key.firstIndex(of: UInt8(ascii: "{")),
           let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            hashed = key[(open + 1)..<close]
        }
        var crc: UInt16 = 0
        for byte in hashed {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return Int(crc) % slotCount
    }

    static func slot(_ key: String) -> Int { slot(Array(key.utf8)) }

    /// The first key a command names, or nil for a command without keys (PING, INFO, SCRIPT …).
    ///
    /// Covers the commands this product sends; for any other the first argument is taken as the key,
    /// as it is for most Redis commands.
    static func key(of arguments: [any RedisArgument]) -> [UInt8]? {
        guard let first = arguments.first else { return nil }
        let name = String(decoding: first.redisBytes, as: UTF8.self).uppercased()
        func argument(_ index: Int) -> [UInt8]? {
            index < arguments.count ? arguments[index].redisBytes : nil
        }
        switch name {
        case "PING", "INFO", "SCRIPT", "CLUSTER", "FLUSHALL", "FLUSHDB", "DBSIZE", "ROLE", "TIME", "CLIENT",
             "CONFIG", "AUTH", "SELECT", "ASKING", "READONLY", "READWRITE", "SENTINEL", "ECHO", "HELLO",
             "SAVE", "BGSAVE", "BGREWRITEAOF", "LASTSAVE", "SHUTDOWN", "SLOWLOG", "WAIT", "COMMAND", "SCAN",
             "KEYS", "RANDOMKEY":
            return nil
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard let count = argument(2).flatMap({ Int(String(decoding: $0, as: UTF8.self)) }), count > 0 else {
                return nil
            }
            return argument(3)
        case "XREAD", "XREADGROUP":
            guard let index = arguments.firstIndex(where: {
                String(decoding: $0.redisBytes, as: UTF8.self).uppercased() == "STREAMS"
            }) else { return nil }
            return argument(index + 1)
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            return argument(2)
        default:
            return argument(1)
        }
    }

    /// Whether running the command twice leaves the same state as running it once, so that a
    /// call whose reply was lost may be sent again.
    static func isIdempotent(_ arguments: [any RedisArgument]) -> Bool {
        guard let first = arguments.first else { return false }
        let name = String(decoding: first.redisBytes, as: UTF8.self).uppercased()
        switch name {
        case "PING", "INFO", "GET", "MGET", "EXISTS", "TTL", "PTTL", "TYPE", "STRLEN", "HGET", "HMGET", "HGETALL",
             "HLEN", "HEXISTS", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZCARD", "ZCOUNT", "ZSCORE", "ZMSCORE",
             "XLEN", "XRANGE", "XREVRANGE", "XPENDING", "XINFO", "CLUSTER", "ROLE", "TIME", "DBSIZE",
             "SCARD", "SMEMBERS", "SISMEMBER", "LLEN", "LRANGE", "MEMORY", "OBJECT", "ECHO",
             "DEL", "UNLINK", "HDEL", "ZREM", "XACK", "SREM", "SADD", "HSET", "HMSET", "PEXPIRE", "EXPIRE",
             "PERSIST", "SCRIPT":
            return true
        case "SET":
            // A plain SET writes the same value again; with NX, XX or GET the second answer differs.
            return !arguments.dropFirst(3).contains {
                ["NX", "XX", "GET"].contains(String(decoding: $0.redisBytes, as: UTF8.self).uppercased())
            }
        case "ZADD":
            return !arguments.contains {
                String(decoding: $0.redisBytes, as: UTF8.self).uppercased() == "INCR"
            }
        default:
            return false
        }
    }
}
