import Foundation
import Model
import Postgres

/// The simulator's effect ledger: one row per effect, keyed by the idempotency key, with what the
/// success reported (replayed to every later call) and how many calls it took.
public enum LedgerStore {
    /// A recorded success.
    public struct Entry: Sendable, Equatable {
        public var result: TaskResult?
        /// Whether this call inserted it (false: an earlier call had).
        public var appliedNow: Bool
    }

    /// Records the successes (new keys are applied; known ones count a call and give back their
    /// recorded result) and counts a call for every key in `others` that has a recorded success —
    /// in one statement. Keys must be distinct. Returns an entry for every key with a recorded success.
    public static func record(successes: [(key: String, item: String, result: TaskResult?)], others: [String], at: Date,
                              on db: PostgresConnection) throws -> [String: Entry] {
        guard !successes.isEmpty || !others.isEmpty else { return [:] }
        // In key order, so two batches sharing keys wait on each other instead of deadlocking.
        let sorted = successes.sorted { $0.key < $1.key }
        var entries: [String: Entry] = [:]
        for row in try db.query(Self.recordBatch, [
            sorted.map(\.key), sorted.map(\.item), sorted.map { $0.result.flatMap { JSONB($0).postgresText } }, at,
            others.sorted(),
        ]) {
            entries[try row.decode(String.self, "idempotency_key")] = Entry(
                result: try row.decodeIfPresent(JSONB<TaskResult>.self, "result")?.value,
                appliedNow: try row.decode(Bool.self, "first"))
        }
        return entries
    }

    /// Every effect: key → calls.
    public static func entries(on db: PostgresConnection) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try db.query("SELECT idempotency_key, calls FROM simulator_ledger", name: "ledgerEntries") {
            result[try row.decode(String.self, "idempotency_key")] = try row.decode(Int.self, "calls")
        }
        return result
    }

    private static let recordBatch = PreparedStatement(name: "ledgerRecordBatch", sql: """
        WITH applied AS (
            INSERT INTO simulator_ledger (idempotency_key, item, applied_at, result)
            SELECT key, item, $4, result::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS u(key, item, result)
            ON CONFLICT (idempotency_key) DO UPDATE SET calls = simulator_ledger.calls + 1
            RETURNING idempotency_key, result, (xmax = 0) AS first
        ), replayed AS (
            UPDATE simulator_ledger SET calls = calls + 1 WHERE idempotency_key = ANY($5::text[])
            RETURNING idempotency_key, result, false AS first
        )
        SELECT * FROM applied UNION ALL SELECT * FROM replayed
        """)
}
