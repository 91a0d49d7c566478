import Model
import Postgres

extension LocalDate: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .date }
    public var postgresText: String? { iso8601 }
    public init(postgresText text: String) throws {
        guard let date = LocalDate(text) else {
            throw PostgresError(.decodingFailed, call: "decode", message: "the column is not a valid date")
        }
        self = date
    }
}
