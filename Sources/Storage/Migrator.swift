import Logging
import Model
import Postgres

/// Applies numbered migrations in order, each once, under an advisory lock.
///
/// Any number of processes may start at once: they queue on the lock, and each applies only what
/// the table `schema_migrations` does not yet record. Each migration and its record commit together.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "migrations")) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is missing on this connection's schema; returns the versions applied now.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        let schema = try connection.query("SELECT current_schema() AS schema", name: "currentSchema")
            .first?.decodeIfPresent(String.self, "schema") ?? "public"
        // A migration may rewrite a big table, and a process may wait behind another's migrations:
        // neither the session's statement timeout nor its lock timeout applies here. RESET returns
        // to the session's own defaults (the startup options), not to the server's.
        try connection.query("SET statement_timeout = 0", name: "migrationTimeouts")
        try connection.query("SET lock_timeout = 0", name: "migrationTimeouts")
        defer {
            _ = try? connection.query("RESET statement_timeout", name: "migrationTimeouts")
            _ = try? connection.query("RESET lock_timeout", name: "migrationTimeouts")
        }
        return try connection.withAdvisoryLock(Self.lockKey(schema: schema)) { connection in
            try connection.execute(script: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, name: "createMigrationsTable")
            let applied = Set(try connection.query("SELECT version FROM schema_migrations", name: "appliedMigrations")
                .map { try $0.decode(Int.self, "version") })
            var appliedNow: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                try connection.transaction { connection in
                    try connection.execute(script: migration.sql, name: "migration \(migration.version)")
                    try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                         [migration.version, migration.name], name: "recordMigration")
                }
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                appliedNow.append(migration.version)
            }
            return appliedNow
        }
    }

    /// A stable lock key per schema (FNV-1a), so tests in separate schemas do not wait on each other.
    static func lockKey(schema: String) -> Int64 {
        Int64(bitPattern: StableHash.fnv1a64("migrations:\(schema)".utf8))
    }
}
