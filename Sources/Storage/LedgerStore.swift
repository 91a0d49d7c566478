import Foundation
import Postgres

/// The simulator's effect ledger.
public enum LedgerStore {
    /// Records several calls with distinct keys in one statement; returns the keys applied now.
    public static func apply(keys: [String], items: [String], at: Date, on db: PostgresConnection) throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        // In key order, so two batches sharing keys wait on each other instead of deadlocking.
        let sorted = zip(keys, items).sorted { $0.0 < $1.0 }
        let (keys, items) = (sorted.map(\.0), sorted.map(\.1))
        var applied: Set<String> = []
        for row in try db.query(Self.upsertBatch, [keys, items, at]) where try row.decode(Bool.self, "first") {
            applied.insert(try row.decode(String.self, "idempotency_key"))
        }
        return applied
    }

    /// Every effect: key → calls.
    public static func entries(on db: PostgresConnection) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try db.query("SELECT idempotency_key, calls FROM simulator_ledger", name: "ledgerEntries") {
            result[try row.decode(String.self, "idempotency_key")] = try row.decode(Int.self, "calls")
        }
        return result
    }

    private static let upsertBatch = PreparedStatement(name: "ledgerApplyBatch", sql: """
        INSERT INTO simulator_ledger (idempotency_key, item, applied_at)
        SELECT key, item, $3 FROM unnest($1::text[], $2::text[]) AS u(key, item)
        ON CONFLICT (idempotency_key) DO UPDATE SET calls = simulator_ledger.calls + 1
        RETURNING idempotency_key, (xmax = 0) AS first
        """)
}
