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
}
