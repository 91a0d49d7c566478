import Foundation
import Postgres

/// The simulator's effect ledger.
public enum LedgerStore {
    /// Records a call; true when it applied the effect (the first call for this key).
    public static func apply(key: String, item: String, at: Date, on db: PostgresConnection) throws -> Bool {
        try db.query(Self.upsert, [key, item, at]).first?.decode(Bool.self, "first") ?? false
    }

    /// Every effect: key → calls.
    public static func entries(on db: PostgresConnection) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try db.query("SELECT idempotency_key, calls FROM simulator_ledger", name: "ledgerEntries") {
            result[try row.decode(String.self, "idempotency_key")] = try row.decode(Int.self, "calls")
        }
        return result
    }

    private static let upsert = PreparedStatement(name: "ledgerApply", sql: """
        INSERT INTO simulator_ledger (idempotency_key, item, applied_at) VALUES ($1, $2, $3)
        ON CONFLICT (idempotency_key) DO UPDATE SET calls = simulator_ledger.calls + 1
        RETURNING (xmax = 0) AS first
        """)
}
