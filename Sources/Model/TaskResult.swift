import Foundation

/// What an agency reported when it did an item's work (API.md: `result`), kept with the task and
/// shown to the filer and the retiree: `{"deemedMonths": 24}`, `{"monthlyPension": "3120.50", …}`.
///
/// A flat JSON object of at most ``maxFields`` scalar members. It comes from outside, so it is
/// bounded and its text redacted (``init(validating:)``) before anything stores or shows it.
public struct TaskResult: Sendable, Hashable, Codable {
    /// One member's value: text (amounts travel as decimal strings), a whole number, a number, or true/false.
    public enum Value: Sendable, Hashable, Codable {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)

        public init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let value = try? single.decode(Bool.self) { self = .bool(value) }
            else if let value = try? single.decode(Int.self) { self = .integer(value) }
            else if let value = try? single.decode(Double.self) { self = .number(value) }
            else { self = .string(try single.decode(String.self)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var single = encoder.singleValueContainer()
            switch self {
            case .string(let value): try single.encode(value)
            case .integer(let value): try single.encode(value)
            case .number(let value): try single.encode(value)
            case .bool(let value): try single.encode(value)
            }
        }
    }

    /// The most members a result may have; the longest key and text.
    public static let maxFields = 20, maxKeyLength = 40, maxTextLength = 200

    /// The members, by name.
    public private(set) var fields: [String: Value]

    /// A result from trusted code (the simulator), redacted like any other.
    public init(_ fields: [String: Value]) {
        self.fields = fields.mapValues(Self.redacted)
    }

    /// A result as an agency sent it; nil when it breaks the bounds (too many members, a key or text
    /// too long, a number that is not finite).
    public init?(validating fields: [String: Value]) {
        guard fields.count <= Self.maxFields else { return nil }
        for (key, value) in fields {
            guard !key.isEmpty, key.count <= Self.maxKeyLength else { return nil }
            switch value {
            case .string(let text) where text.count > Self.maxTextLength: return nil
            case .number(let number) where !number.isFinite: return nil
            default: break
            }
        }
        self.init(fields)
    }

    public init(from decoder: any Decoder) throws {
        let raw = try [String: Value](from: decoder)
        guard let valid = TaskResult(validating: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "result out of bounds"))
        }
        self = valid
    }

    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
    }

    /// One member.
    public subscript(key: String) -> Value? { fields[key] }

    /// Text with every run of 12 or more digits cut to its last four (`************3445`): an agency
    /// that echoes an account or ID number whole must not make us show or store it.
    static func redacted(_ value: Value) -> Value {
        guard case .string(let text) = value else { return value }
        return .string(Redaction.maskNumbers(text, keepingFirst: 0))
    }
}
