import Foundation

/// PostgreSQL type OIDs the wrapper binds and decodes.
public enum PostgresType: UInt32, Sendable {
    case bool = 16, bytea = 17, int8 = 20, int2 = 21, int4 = 23, text = 25, json = 114
    case float4 = 700, float8 = 701, varchar = 1043, date = 1082, timestamp = 1114
    case timestamptz = 1184, uuid = 2950, jsonb = 3802
    case boolArray = 1000, textArray = 1009, int8Array = 1016, timestamptzArray = 1185, uuidArray = 2951
    /// Let the server infer the type from the statement.
    case unspecified = 0
}

/// A value bound to a `$n` parameter, sent in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The text form, or nil for SQL NULL.
    var postgresText: String? { get }
    static var postgresType: PostgresType { get }
}

/// A value read from a column's text form.
public protocol PostgresDecodable {
    init(postgresText text: String) throws
}

func decodingError(_ type: Any.Type) -> PostgresError {
    PostgresError(.decodingFailed, call: "decode", message: "the column is not a valid \(type)")
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public static var postgresType: PostgresType { .text }
    public init(postgresText text: String) { self = text }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int8 }
    public init(postgresText text: String) throws {
        guard let value = Int(text) else { throw decodingError(Int.self) }
        self = value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int4 }
    public init(postgresText text: String) throws {
        guard let value = Int32(text) else { throw decodingError(Int32.self) }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int8 }
    public init(postgresText text: String) throws {
        guard let value = Int64(text) else { throw decodingError(Int64.self) }
        self = value
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .float8 }
    public init(postgresText text: String) throws {
        guard let value = Double(text) else { throw decodingError(Double.self) }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "true" : "false" }
    public static var postgresType: PostgresType { .bool }
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(Bool.self)
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public static var postgresType: PostgresType { .uuid }
    public init(postgresText text: String) throws {
        guard let value = UUID(uuidString: text) else { throw decodingError(UUID.self) }
        self = value
    }
}

/// Bytes bound and read as `bytea` (hex format).
public struct PostgresBytes: PostgresEncodable, PostgresDecodable, Equatable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public static var postgresType: PostgresType { .bytea }
    public var postgresText: String? {
        "\\x" + bytes.map { String(format: "%02x", $0) }.joined()
    }
    public init(postgresText text: String) throws {
        guard text.hasPrefix("\\x"), text.count % 2 == 0 else { throw decodingError(PostgresBytes.self) }
        var bytes: [UInt8] = []
        var index = text.index(text.startIndex, offsetBy: 2)
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw decodingError(PostgresBytes.self) }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }
}

/// A Codable value stored as `jsonb`.
public struct JSONB<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    public static var postgresType: PostgresType { .jsonb }
    public var postgresText: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
    public init(postgresText text: String) throws {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw decodingError(Value.self)
        }
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
    public static var postgresType: PostgresType { Wrapped.postgresType }
}

/// An element type of a bound array (`= ANY($1)`).
public protocol PostgresArrayElement: PostgresEncodable {
    static var postgresArrayType: PostgresType { get }
}

extension String: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .textArray }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .int8Array }
}

extension UUID: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .uuidArray }
}

extension Bool: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .boolArray }
}

extension Date: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .timestamptzArray }
}

/// A nil element is an SQL NULL inside the array (for columns bound with `unnest`).
extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { Wrapped.postgresArrayType }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }
    /// `{"a","b\\"c",NULL}`: every element quoted, backslashes and quotes escaped, nil as NULL.
    public var postgresText: String? {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(count * 40 + 2)
        for (index, element) in enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let text = element.postgresText else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
