/// A value that can stand as one argument of a Redis command, bound as bytes (never spliced).
public protocol RedisArgument: Sendable {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument {
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Substring: RedisArgument {
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Int: RedisArgument {
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}

extension Double: RedisArgument {
    public var redisBytes: [UInt8] {
        if self == .infinity { return Array("+inf".utf8) }
        if self == -.infinity { return Array("-inf".utf8) }
        return Array(String(self).utf8)
    }
}

extension Array: RedisArgument where Element == UInt8 {
    public var redisBytes: [UInt8] { self }
}
