/// The rows of a result, copied out of libpq before its result is freed.
public struct PostgresRows: Sendable, Sequence {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows changed by INSERT, UPDATE or DELETE (0 for other statements).
    public let affectedRows: Int

    public var count: Int { rows.count }
    public var first: PostgresRow? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }

    public func makeIterator() -> IndexingIterator<[PostgresRow]> { rows.makeIterator() }
}

/// The column names of a result, shared by its rows.
final class ColumnIndex: Sendable {
    let names: [String]
    let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil {
            positions[name] = index
        }
        self.positions = positions
    }
}

/// One row: each column's text form, or nil for NULL.
public struct PostgresRow: Sendable {
    let index: ColumnIndex
    let values: [String?]

    /// The raw text of a column (nil for NULL).
    public func text(_ column: String) throws -> String? {
        values[try position(column)]
    }

    /// A column's value; NULL is an error.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T {
        guard let text = values[try position(column)] else {
            throw PostgresError(.decodingFailed, call: "decode", message: "column \(column) is NULL")
        }
        return try T(postgresText: text)
    }

    /// A column's value, or nil for NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T? {
        guard let text = values[try position(column)] else { return nil }
        return try T(postgresText: text)
    }

    /// A column holding a string enum's raw value; NULL or an unknown value is a decoding error (so
    /// one bad row fails its query with a typed error instead of trapping the process).
    public func decodeEnum<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try decode(String.self, column)) else {
            throw PostgresError(.decodingFailed, call: "decode", message: "column \(column) is not a valid \(T.self)")
        }
        return value
    }

    /// A value by position, for results without useful names (`SELECT count(*)`).
    public func decode<T: PostgresDecodable>(_ type: T.Type, at position: Int) throws -> T {
        guard position < values.count, let text = values[position] else {
            throw PostgresError(.decodingFailed, call: "decode", message: "column \(position) is NULL or missing")
        }
        return try T(postgresText: text)
    }

    private func position(_ column: String) throws -> Int {
        guard let position = index.positions[column] else {
            throw PostgresError(.decodingFailed, call: "decode", message: "no column named \(column)")
        }
        return position
    }
}
