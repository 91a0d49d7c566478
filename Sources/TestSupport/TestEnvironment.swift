import Foundation
import Postgres
import Redis

/// Where the test command's servers are (`scripts/test` exports DATABASE_URL and REDIS_URL).
public enum TestEnvironment {
    public static var databaseURL: String {
        ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://onething@127.0.0.1:55432/onething"
    }

    public static var redisURL: String {
        ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:56379/0"
    }

    public static var redisEndpoint: RedisEndpoint {
        get throws { try RedisEndpoint(url: redisURL) }
    }

    /// A name no other test uses, for a schema or a key prefix.
    public static func uniqueName(_ stem: String) -> String {
        "\(stem)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// A schema of its own for one test, so tests run in parallel without sharing rows.
public final class TestSchema: Sendable {
    public let name: String
    public let url: String

    /// Creates the schema on the test command's server, or on the server at `url` (a scratch one).
    public init(_ stem: String = "t", url: String = TestEnvironment.databaseURL) throws {
        name = TestEnvironment.uniqueName(stem)
        self.url = url
        let admin = try PostgresConnection(url: url)
        try admin.execute(script: "CREATE SCHEMA \(try admin.quoteIdentifier(name))", name: "createSchema")
    }

    /// Session settings that put a connection in this schema.
    public var settings: [String: String] { ["search_path": name] }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(url: url, settings: settings)
    }

    public func pool(size: Int = 4) -> PostgresPool {
        PostgresPool(url: url, size: size, settings: settings)
    }

    /// Drops the schema and everything in it.
    public func drop() throws {
        let admin = try PostgresConnection(url: url)
        try admin.execute(script: "DROP SCHEMA IF EXISTS \(try admin.quoteIdentifier(name)) CASCADE", name: "dropSchema")
    }
}

/// Waits for `condition` to hold, checking every few milliseconds, until `timeout` passes.
///
/// Synchronises on the condition itself, never on a guessed delay.
public func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
