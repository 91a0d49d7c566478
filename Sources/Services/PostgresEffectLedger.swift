import Agencies
import Foundation
import Model
import Postgres
import Storage

/// The simulator's ledger in PostgreSQL, shared by every worker process, so "once" can be proven.
public struct PostgresEffectLedger: EffectLedger {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    public func apply(batch effects: [(idempotencyKey: String, item: Item)], at: Date) async throws -> Set<String> {
        let (keys, items) = (effects.map(\.idempotencyKey), effects.map(\.item.rawValue))
        return try await postgres.withConnection { try LedgerStore.apply(keys: keys, items: items, at: at, on: $0) }
    }
}
