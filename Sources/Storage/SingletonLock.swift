import Model
import Postgres

/// Advisory-lock keys that elect one holder of a periodic job among the processes of one deployment.
///
/// Advisory locks are database-wide, while deployments (and tests) share a database by schema; the
/// key therefore includes the connection's schema, so a sweeper in one schema never stops the
/// sweeper of another.
public enum SingletonLock {
    public static func key(_ job: String, on db: PostgresConnection) throws -> Int64 {
        let schema = try db.query("SELECT current_schema() AS schema", name: "currentSchema")
            .first?.decodeIfPresent(String.self, "schema") ?? "public"
        return Int64(bitPattern: StableHash.fnv1a64("singleton:\(job):\(schema)".utf8))
    }

    /// The one leader election of the deployment's periodic jobs: runs `body` while holding the
    /// job's session advisory lock, or returns nil at once when another process holds it (it is
    /// doing the job). The lock is released when `body` ends, or with the connection if that breaks.
    public static func ifElected<T>(_ job: String, on db: PostgresConnection,
                                    _ body: (PostgresConnection) throws -> T) throws -> T? {
        let key = try key(job, on: db)
        guard try db.tryAdvisoryLock(key) else { return nil }
        defer { _ = try? db.advisoryUnlock(key) }
        return try body(db)
    }
}
