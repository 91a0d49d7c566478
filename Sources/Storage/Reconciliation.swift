import Foundation
import Model
import Postgres

/// Finds work that PostgreSQL says is ready but that no worker has claimed within a bound:
/// Redis lost it (flush, restart without persistence, failover) or it was never published.
public enum Reconciliation {
    /// Where a pass has got to among due delayed work, so its next page starts after it.
    public struct Cursor: Sendable, Equatable {
        public var dueAt: Date
        public var id: UUID
    }

    /// One page of tasks to hand to Redis again, marked dispatched; the cursor for the next page of
    /// the same pass; and whether the page was full (there may be more).
    ///
    /// Lost ready work comes first: republishing a task moves it past the range its agency's index
    /// walk reads, so each page starts where the last ended without a cursor. Then due delayed
    /// work, after `cursor` (a pass starts with nil).
    ///
    /// Runs under the reconciler's advisory lock (``SingletonLock/ifElected(_:on:_:)``), so of any number of workers exactly one
    /// reconciles a page at a time; the others get nil (another worker is reconciling: leave the
    /// rest of the pass to it), which is not the empty page that means nothing is left.
    ///
    /// - Parameter markedAt: when the page is handed to Redis (its `dispatched_at`); `now` when nil.
    ///   A pass keeps one `now` for its cutoff, but each page is stamped with its own time, so a task
    ///   republished late in a long pass does not look older than its stream entry.
    /// - Parameter before: per agency, the latest dispatch time that may be republished: tasks handed
    ///   to Redis after it are taken to be still in the stream, unread (healthy backlog). An agency
    ///   missing here uses `now - bound`.
    public static func overdue(now: Date, bound: Duration, before: [Agency: Date] = [:], limit: Int,
                               after cursor: Cursor? = nil, markedAt: Date? = nil, on db: PostgresConnection)
        throws -> (tasks: [(id: UUID, agency: Agency, attempt: Int, dueAt: Date?)], next: Cursor?, more: Bool)? {
        try SingletonLock.ifElected("reconciler", on: db) { db in try db.transaction { db in
            let cutoff = now.adding(.zero - bound)
            let agencies = Agency.allCases
            var found: [(id: UUID, agency: Agency, attempt: Int, dueAt: Date?)] = []
            var next = cursor
            if cursor == nil {
                let rows = try db.query(Self.queued, [limit, agencies.map(\.rawValue),
                                                      agencies.map { min(cutoff, before[$0] ?? cutoff) }])
                found = try rows.map { row in
                    (id: try row.decode(UUID.self, "id"), agency: try row.decodeEnum(Agency.self, "agency"),
                     attempt: try row.decode(Int.self, "attempt"), dueAt: nil)
                }
            }
            if found.count < limit {
                let start = cursor ?? Cursor(dueAt: Date(timeIntervalSince1970: 0), id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                let rows = try db.query(Self.delayed, [cutoff, limit - found.count, start.dueAt, start.id])
                for row in rows {
                    let dueAt = try row.decode(Date.self, "next_attempt_at")
                    let id = try row.decode(UUID.self, "id")
                    found.append((id: id, agency: try row.decodeEnum(Agency.self, "agency"),
                                  attempt: try row.decode(Int.self, "attempt"), dueAt: dueAt))
                    next = Cursor(dueAt: dueAt, id: id)
                }
                // From here on the queued work is done for this pass: page the delayed work only.
                if next == nil { next = start }
            }
            // A full page: there may be more (what a worker held is not counted as the end).
            let more = found.count >= limit
            if !found.isEmpty {
                // Rows locked in id order, as the workers lock them (no deadlock with a claim); a row a
                // worker holds right now is being claimed or completed, so it is not lost: skipped.
                let marked = try db.query(Self.mark, [found.map(\.id), markedAt ?? now]).map { try $0.decode(UUID.self, "id") }
                let kept = Set(marked)
                found = found.filter { kept.contains($0.id) }
            }
            return (found, next, more)
        } }
    }

    private static let mark = PreparedStatement(name: "markDispatched", sql: """
        UPDATE tasks t SET dispatched_at = $2
        FROM (SELECT id FROM tasks WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) l
        WHERE t.id = l.id
        RETURNING t.id
        """)

    /// Queued work not handed to Redis since its agency's bound: one walk of `tasks_handed_over`
    /// per agency, in the order of the hand-over.
    private static let queued = PreparedStatement(name: "overdueQueued", sql: """
        SELECT l.id, l.agency, l.attempt FROM unnest($2::text[], $3::timestamptz[]) AS a(agency, before)
        CROSS JOIN LATERAL (
            SELECT t.id, t.agency, t.attempt, COALESCE(t.dispatched_at, t.ready_at, t.updated_at) AS since
            FROM tasks t
            WHERE t.status = 'queued' AND t.agency = a.agency
              AND COALESCE(t.dispatched_at, t.ready_at, t.updated_at) < a.before
            ORDER BY COALESCE(t.dispatched_at, t.ready_at, t.updated_at) LIMIT $1) l
        ORDER BY l.since LIMIT $1
        """)

    /// Delayed work whose time passed before the cutoff and that was not handed over since, after
    /// the cursor: a walk of `tasks_delayed_due`.
    private static let delayed = PreparedStatement(name: "overdueDelayed", sql: """
        SELECT id, agency, attempt, next_attempt_at FROM tasks
        WHERE status IN ('retrying', 'scheduled', 'awaitingConditions') AND next_attempt_at < $1
          AND COALESCE(dispatched_at, updated_at) < $1 AND (next_attempt_at, id) > ($3, $4)
        ORDER BY next_attempt_at, id LIMIT $2
        """)
}
