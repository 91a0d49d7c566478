/// A RESP2 reply decoded into Swift values; the C reply is freed once it is copied.
public enum RedisReply: Sendable, Equatable {
    /// A bulk string: binary-safe bytes.
    case bulk([UInt8])
    /// A simple status such as `OK` or `QUEUED`.
    case status(String)
    case integer(Int)
    case array([RedisReply])
    case null
    /// An error reply; at the top level of a single command the wrapper throws it instead.
    case error(String)

    /// The text of a bulk string or status, decoded as UTF-8.
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { return bytes }
        return nil
    }

    /// An integer reply, or a bulk string holding a decimal integer (as `ZSCORE`, `HGET` give).
    public var int: Int? {
        switch self {
        case .integer(let value): return value
        case .bulk: return string.flatMap { Int($0) }
        default: return nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// A flat `[name, value, name, value …]` array (as XINFO and HGETALL give) as a dictionary.
    public var pairs: [String: RedisReply]? {
        guard let elements = array, elements.count % 2 == 0 else { return nil }
        var result: [String: RedisReply] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let key = elements[index].string else { return nil }
            result[key] = elements[index + 1]
        }
        return result
    }
}
