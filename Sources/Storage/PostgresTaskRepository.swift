import Foundation
import Model
import Postgres

/// The engine's ``TaskRepository`` on PostgreSQL: each call takes a pooled connection and runs the
/// task store's statements in one transaction (run again when a claim changed a case meanwhile).
public struct PostgresTaskRepository: TaskRepository {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    public func claim(_ messages: [(id: UUID, attempt: Int)], owner: String, lease: Duration, now: Date,
                      calendar: WorkingDayCalendar) async throws -> [ClaimedTask] {
        guard !messages.isEmpty else { return [] }
        return try await postgres.withConnection {
            try TaskStore.claim(messages, owner: owner, lease: lease, now: now, calendar: calendar, on: $0)
        }
    }

    public func complete(_ completions: [Completion], now: Date, calendar: WorkingDayCalendar,
                         paymentDay: PensionPaymentDay, actor: String) async throws -> CompletionResult {
        guard !completions.isEmpty else { return CompletionResult() }
        return try await postgres.withConnection {
            try TaskStore.complete(completions, now: now, calendar: calendar, paymentDay: paymentDay, actor: actor, on: $0)
        }
    }

    public func expireLeases(now: Date, limit: Int, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                             backoffScale: Double) async throws -> Dispatch {
        try await postgres.withConnection {
            try TaskStore.expireLeases(now: now, limit: limit, calendar: calendar, paymentDay: paymentDay,
                                       backoffScale: backoffScale, on: $0)
        }
    }
}
