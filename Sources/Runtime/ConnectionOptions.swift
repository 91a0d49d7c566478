import ArgumentParser
import Foundation
import Logging
import Postgres

/// The options both executables take: where PostgreSQL and Redis are, and how much to log.
///
/// Each flag falls back to its environment variable, then to the embedded default that
/// `scripts/services` starts (private servers on loopback ports 55432 and 56379).
public struct ConnectionOptions: ParsableArguments, Sendable {
    public static let defaultDatabaseURL = "postgres://onething@127.0.0.1:55432/onething"
    public static let defaultRedisURL = "redis://127.0.0.1:56379/0"

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env DATABASE_URL).")
    public var databaseURLFlag: String?

    @Option(name: .customLong("redis-url"), help: "Redis URL (env REDIS_URL).")
    public var redisURLFlag: String?

    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (env LOG_LEVEL).")
    public var logLevelFlag: String?

    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key, to share a server (env REDIS_KEY_PREFIX).")
    public var keyPrefixFlag: String?

    @Option(name: .customLong("database-schema"), help: "PostgreSQL schema to use instead of public (env DATABASE_SCHEMA).")
    public var databaseSchemaFlag: String?

    public init() {}

    public var databaseSchema: String? {
        databaseSchemaFlag ?? Environment.value("DATABASE_SCHEMA")
    }

    public var databaseURL: String {
        databaseURLFlag ?? Environment.value("DATABASE_URL") ?? Self.defaultDatabaseURL
    }

    public var redisURL: String {
        redisURLFlag ?? Environment.value("REDIS_URL") ?? Self.defaultRedisURL
    }

    public var keyPrefix: String {
        keyPrefixFlag ?? Environment.value("REDIS_KEY_PREFIX") ?? "rot"
    }

    /// A replica for the dashboard's read-only pages (env DATABASE_READ_URL); nil reads from the primary.
    public var databaseReadURL: String? {
        Environment.value("DATABASE_READ_URL")
    }

    /// How far behind the replica may be before reads go to the primary (env DATABASE_READ_MAX_LAG_SECONDS, 10).
    public var databaseReadMaxLagSeconds: Double {
        get throws {
            guard let text = Environment.value("DATABASE_READ_MAX_LAG_SECONDS") else { return 10 }
            guard let seconds = Double(text), seconds.isFinite, seconds > 0 else {
                throw ValidationError("DATABASE_READ_MAX_LAG_SECONDS must be a number of seconds above 0")
            }
            return seconds
        }
    }

    /// The session's time limits and keepalives, from the environment (see `session(environment:)`).
    public var databaseSession: PostgresSession {
        get throws { try Self.session(environment: ProcessInfo.processInfo.environment) }
    }

    /// Reads `DATABASE_STATEMENT_TIMEOUT_MS`, `DATABASE_LOCK_TIMEOUT_MS`,
    /// `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS` (0 turns each off), `DATABASE_KEEPALIVES_IDLE_SECONDS`,
    /// `DATABASE_KEEPALIVES_INTERVAL_SECONDS` and `DATABASE_KEEPALIVES_COUNT`; an unset or empty one
    /// keeps its default. A value that is not a whole number in range is refused, naming the variable.
    public static func session(environment: [String: String]) throws -> PostgresSession {
        var session = PostgresSession.default
        let fields: [(String, WritableKeyPath<PostgresSession, Int>, ClosedRange<Int>)] = [
            ("DATABASE_STATEMENT_TIMEOUT_MS", \.statementTimeoutMilliseconds, 0...Int(Int32.max)),
            ("DATABASE_LOCK_TIMEOUT_MS", \.lockTimeoutMilliseconds, 0...Int(Int32.max)),
            ("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", \.idleInTransactionTimeoutMilliseconds, 0...Int(Int32.max)),
            ("DATABASE_KEEPALIVES_IDLE_SECONDS", \.keepalivesIdleSeconds, 1...86_400),
            ("DATABASE_KEEPALIVES_INTERVAL_SECONDS", \.keepalivesIntervalSeconds, 1...86_400),
            ("DATABASE_KEEPALIVES_COUNT", \.keepalivesCount, 1...100),
        ]
        for (name, field, range) in fields {
            guard let text = environment[name], !text.isEmpty else { continue }
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            session[keyPath: field] = value
        }
        return session
    }

    public var logLevel: Logger.Level {
        get throws {
            let text = logLevelFlag ?? Environment.value("LOG_LEVEL") ?? "info"
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ValidationError("log level must be one of trace, debug, info, notice, warning, error, critical")
            }
            return level
        }
    }
}

/// Reads environment variables; an empty value counts as unset.
public enum Environment {
    public static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer variable, with a clear error when it is not one.
    public static func integer(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else { throw ValidationError("\(name) must be a whole number") }
        return number
    }
}
