import Foundation

/// Where and how to reach a Redis server, from a `redis://[[user]:password@]host:port[/db]` URL.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil,
                password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL; the password never appears in `description`.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "redis",
              let host = components.host, !host.isEmpty
        else {
            throw RedisError(.invalidConfiguration, call: "RedisEndpoint(url:)",
                             message: "expected redis://[:password@]host:port[/db]")
        }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw RedisError(.invalidConfiguration, call: "RedisEndpoint(url:)",
                                 message: "the database after the port must be a number")
            }
            database = number
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        self.init(host: host, port: components.port ?? 6379, username: user,
                  password: components.password?.removingPercentEncoding, database: database)
    }

    public var description: String {
        "redis://\(password == nil ? "" : "***@")\(host):\(port)/\(database)"
    }
}
