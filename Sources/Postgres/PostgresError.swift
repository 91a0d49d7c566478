/// Every failure of the PostgreSQL wrapper, with the SQLSTATE when the server gave one.
///
/// The description names the call or statement and the server's primary message — never the
/// bound values. Messages of data exceptions (SQLSTATE class 22), which can quote a value, are
/// kept out of the description and available only in `serverMessage`.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case connectionFailed
        case connectionLost
        case queryFailed
        case decodingFailed
        case invalidConfiguration
        case poolClosed
    }

    public let code: Code
    /// The statement name or call; never the values bound to it.
    public let call: String
    public let sqlState: String?
    public let constraint: String?
    /// The server's primary message. May quote values for data exceptions: do not log it.
    public let serverMessage: String

    public init(_ code: Code, call: String, message: String, sqlState: String? = nil, constraint: String? = nil) {
        self.code = code
        self.call = call
        self.serverMessage = message
        self.sqlState = sqlState
        self.constraint = constraint
    }

    /// 23505: a unique constraint was violated.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// 40001 / 40P01: the transaction may succeed when run again.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// The connection broke or could not be made; another attempt may succeed.
    public var isConnectionError: Bool { code == .connectionLost || code == .connectionFailed }

    public var description: String {
        var text = "postgres \(code.rawValue)"
        if let sqlState { text += " [\(sqlState)]" }
        text += " in \(call)"
        if let constraint { text += " (constraint \(constraint))" }
        if sqlState?.hasPrefix("22") == true {
            text += ": data exception"
        } else if !serverMessage.isEmpty {
            text += ": \(serverMessage)"
        }
        return text
    }
}
