/// Every failure of the Redis wrapper.
///
/// The description names the call and the server's message, never the arguments of a command,
/// so it is safe to log and to show.
public struct RedisError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The server could not be reached or refused the handshake (AUTH, SELECT).
        case connectionFailed
        /// The connection broke during a call; the wrapper reconnects on the next call.
        case connectionLost
        /// The server did not answer within the timeout.
        case timeout
        /// The server answered with an error reply.
        case serverError
        /// The reply did not have the shape the call expects.
        case unexpectedReply
        /// The configuration (URL) is not usable.
        case invalidConfiguration
    }

    public let code: Code
    /// What was being done: the command name or wrapper call, never its arguments.
    public let call: String
    public let message: String

    public init(_ code: Code, call: String, message: String) {
        self.code = code
        self.call = call
        self.message = message
    }

    /// The first word of a server error (`NOSCRIPT`, `BUSYGROUP`, `WRONGTYPE` …).
    public var serverErrorPrefix: String? {
        guard code == .serverError else { return nil }
        return message.split(separator: " ").first.map(String.init)
    }

    public var description: String { "redis \(code.rawValue) in \(call): \(message)" }
}
