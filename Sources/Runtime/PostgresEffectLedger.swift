import Agencies
import Foundation
import Model
import Postgres
import Storage

/// The simulator's ledger in PostgreSQL, shared by every worker process, so "once" can be proven.
/// Losing PostgreSQL is ``EffectLedgerUnavailable``: whether the effect was recorded is unknown.
public struct PostgresEffectLedger: EffectLedger {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    public func record(successes: [LedgerEffect], others: [String], at: Date) async throws -> [String: LedgerEntry] {
        let rows = successes.map { (key: $0.idempotencyKey, item: $0.item.rawValue, result: $0.result) }
        do {
            return try await postgres.withConnection { db in
                try LedgerStore.record(successes: rows, others: others, at: at, on: db)
                    .mapValues { LedgerEntry(result: $0.result, appliedNow: $0.appliedNow) }
            }
        } catch let error as PostgresError where error.isConnectionError {
            throw EffectLedgerUnavailable(reason: error.description)
        }
    }
}
