import Foundation
import Model
import Postgres

/// Finds work that PostgreSQL says is ready but that no worker has claimed within a bound:
/// Redis lost it (flush, restart without persistence, failover) or it was never published.
public enum Reconciliation {
    /// The tasks to hand to Redis again, and marks them dispatched now.
    ///
    /// Runs under a transaction-level advisory lock, so of any number of workers exactly one
    /// reconciles at a time; the others get nothing.
    ///
    /// - Parameter before: per agency, the latest dispatch time that may be republished: tasks handed
    ///   to Redis after it are taken to be still in the stream, unread (healthy backlog). An agency
    ///   missing here uses `now - bound`.
    public static func overdue(now: Date, bound: Duration, before: [Agency: Date] = [:], limit: Int,
                               on db: PostgresConnection) throws -> [(id: UUID, agency: Agency, attempt: Int, dueAt: Date?)] {
        try db.transaction { db in
            let locked = try db.query("SELECT pg_try_advisory_xact_lock($1) AS locked",
                                      [try SingletonLock.key("reconciler", on: db)],
                                      name: "reconcilerLock").first?.decode(Bool.self, "locked") ?? false
            guard locked else { return [] }
            let cutoff = now.addingTimeInterval(-Double(bound.components.seconds))
            let agencies = Agency.allCases
            let rows = try db.query(Self.select, [cutoff, limit, agencies.map(\.rawValue),
                                                  agencies.map { min(cutoff, before[$0] ?? cutoff) }])
            let found = try rows.map { row in
                (id: try row.decode(UUID.self, "id"), agency: try row.decodeEnum(Agency.self, "agency"),
                 attempt: try row.decode(Int.self, "attempt"), dueAt: try row.decodeIfPresent(Date.self, "next_attempt_at"))
            }
            if !found.isEmpty {
                try db.query("UPDATE tasks SET dispatched_at = $2 WHERE id = ANY($1)", [found.map(\.id), now],
                             name: "markDispatched")
            }
            return found
        }
    }

    /// Queued work not dispatched since the cutoff, and delayed work whose time passed before it:
    /// two index walks (`tasks_waiting_dispatch`, `tasks_delayed_due`), so a million tasks waiting
    /// for a later day cost nothing here.
    private static let select = PreparedStatement(name: "overdueTasks", sql: """
        SELECT id, agency, attempt, next_attempt_at FROM (
            (SELECT t.id, t.agency, t.attempt, t.next_attempt_at, t.updated_at
             FROM tasks t JOIN unnest($3::text[], $4::timestamptz[]) AS a(agency, before) ON a.agency = t.agency
             WHERE t.status = 'queued' AND COALESCE(t.dispatched_at, t.ready_at, t.updated_at) < a.before
             ORDER BY t.updated_at LIMIT $2)
            UNION ALL
            (SELECT id, agency, attempt, next_attempt_at, updated_at FROM tasks
             WHERE status IN ('retrying', 'scheduled', 'awaitingConditions') AND next_attempt_at < $1
               AND COALESCE(dispatched_at, updated_at) < $1
             ORDER BY updated_at LIMIT $2)
        ) due ORDER BY updated_at LIMIT $2
        """)
}
