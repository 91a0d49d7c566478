import Foundation
import Model
import Postgres

/// The cases of one transaction, locked and loaded as ``CaseAggregate``s: the rules apply there,
/// in memory; this type loads them and writes what changed in a few set-based statements at the end.
/// Several outcomes therefore share one transaction without giving up any per-task check.
struct CaseTasks {
    private(set) var cases: [UUID: CaseAggregate]

    /// Locks the cases (NO KEY UPDATE, in id order) and reads all their tasks.
    ///
    /// Every change of a task's state takes its case's lock first — except a claim, which only turns
    /// a claimable task into a running one. So under the case lock the tasks are read without row
    /// locks (eight per case would each write a WAL record), and the final UPDATE checks that every
    /// task it changes still has the state it was read in; if a claim slipped in, the write throws
    /// ``StorageError/concurrentChange`` and the transaction is run again. A claim changes nothing the
    /// case status depends on. NO KEY UPDATE serialises a case's completions yet does not block the
    /// key-share locks that inserting an event (a foreign key to the case) takes.
    static func lock(_ caseIDs: [UUID], on db: PostgresConnection) throws -> CaseTasks {
        var heads: [UUID: (status: CaseStatus, pending: Bool)] = [:]
        for row in try db.query(Self.lockCases, [caseIDs]) {
            let pending = try row.decode(Bool.self, "real_name_required")
                && row.decodeIfPresent(Date.self, "real_name_done_at") == nil
            heads[try row.decode(UUID.self, "id")] = (try row.decodeEnum(CaseStatus.self, "status"), pending)
        }
        var tasks: [UUID: [CaseAggregate.Task]] = [:]
        for row in try db.query(Self.lockTasks, [caseIDs]) {
            tasks[try row.decode(UUID.self, "case_id"), default: []].append(CaseAggregate.Task(
                id: try row.decode(UUID.self, "id"), item: try row.decodeEnum(Item.self, "item"),
                snapshot: try TaskStore.snapshot(row),
                leaseExpiresAt: try row.decodeIfPresent(Date.self, "lease_expires_at")))
        }
        return CaseTasks(cases: Dictionary(uniqueKeysWithValues: heads.map { id, head in
            (id, CaseAggregate(id: id, status: head.status, realNameCheckPending: head.pending, tasks: tasks[id] ?? []))
        }))
    }

    private init(cases: [UUID: CaseAggregate]) {
        self.cases = cases
    }

    subscript(caseID: UUID) -> CaseAggregate? {
        get { cases[caseID] }
        _modify { yield &cases[caseID] }
    }

    /// Applies an event to one task of a loaded case and what it releases, all or nothing.
    @discardableResult
    mutating func apply(_ event: TaskEvent, to item: Item, caseID: UUID, at context: CaseAggregate.Context,
                        jitter: Double = 0) throws(TransitionError) -> TaskStatus {
        guard let status = try cases[caseID]?.apply(event, to: item, at: context, jitter: jitter) else {
            throw .noTask(item: item)
        }
        return status
    }

    /// What the written changes asked of the queue, and the time limits they found breached.
    struct Flushed {
        var dispatch = Dispatch()
        var breaches: [(id: UUID, item: Item)] = []
    }

    /// Derives the status of every changed case and writes every change: task rows, events, case statuses.
    mutating func flush(now: Date, on db: PostgresConnection) throws -> Flushed {
        var writes = Writes()
        var flushed = Flushed()
        for caseID in cases.keys.sorted(by: { $0.uuidString < $1.uuidString }) where !(cases[caseID]?.changes.isEmpty ?? true) {
            cases[caseID]?.settleStatus()
            guard let changes = cases[caseID]?.changes else { continue }
            writes.add(changes, caseID: caseID)
            flushed.dispatch.append(changes.dispatch)
            flushed.breaches += changes.breaches
        }
        try writes.flush(now: now, on: db)
        return flushed
    }

    private static let lockCases = PreparedStatement(name: "lockCases", sql: """
        SELECT id, status, real_name_required, real_name_done_at FROM cases
        WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE
        """)

    private static let lockTasks = PreparedStatement(name: "lockCaseTasks", sql: """
        SELECT id, case_id, item, status, attempt, transient_failures, next_attempt_at, last_error, lease_expires_at,
               due_by, failing_since, result
        FROM tasks WHERE case_id = ANY($1)
        """)
}

extension CaseTasks {
    /// The changes of several cases, written with one statement per table.
    struct Writes {
        private var updates: [CaseChanges.TaskUpdate] = []
        private var events = Columns()
        private var caseStatuses: [(UUID, CaseStatus)] = []

        mutating func add(_ changes: CaseChanges, caseID: UUID) {
            updates += changes.updates
            for event in changes.events {
                events.append(caseID: event.caseID, taskID: event.taskID, item: event.item.rawValue, at: event.at,
                              from: event.from?.rawValue, to: event.to.rawValue, attempt: event.attempt,
                              actor: event.actor, detail: event.detail)
            }
            if let status = changes.status { caseStatuses.append((caseID, status)) }
        }

        func flush(now: Date, on db: PostgresConnection) throws {
            if !updates.isEmpty {
                let rows = updates
                let changed = try db.query(Self.updateTasks, [
                    rows.map(\.id), rows.map(\.to.status.rawValue), rows.map(\.to.attempt),
                    rows.map(\.to.transientFailures), rows.map(\.to.nextAttemptAt),
                    rows.map(\.to.lastError), rows.map(\.readyAt), rows.map(\.to.dueBy), now,
                    rows.map(\.from.status.rawValue), rows.map(\.from.attempt),
                    rows.map(\.to.failingSince), rows.map { $0.to.result.flatMap { JSONB($0).postgresText } },
                ]).rows.count
                // A claim changed a task after the case was loaded: the caller runs the transaction again.
                guard changed == rows.count else { throw StorageError.concurrentChange }
            }
            try events.insert(on: db)
            if !caseStatuses.isEmpty {
                try db.query(Self.updateCases, [caseStatuses.map(\.0), caseStatuses.map(\.1.rawValue), now])
            }
        }

        private static let updateTasks = PreparedStatement(name: "updateTasks", sql: """
            UPDATE tasks t SET status = u.status, attempt = u.attempt, transient_failures = u.transient_failures,
                next_attempt_at = u.next_attempt_at, last_error = u.last_error,
                ready_at = COALESCE(u.ready_at, t.ready_at), due_by = u.due_by, failing_since = u.failing_since,
                result = u.result::jsonb, lease_owner = NULL, lease_expires_at = NULL, updated_at = $9
            FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[], $5::timestamptz[], $6::text[],
                        $7::timestamptz[], $8::timestamptz[], $10::text[], $11::int8[], $12::timestamptz[], $13::text[])
                AS u(id, status, attempt, transient_failures, next_attempt_at, last_error, ready_at, due_by,
                     from_status, from_attempt, failing_since, result)
            WHERE t.id = u.id AND t.status = u.from_status AND t.attempt = u.from_attempt
            RETURNING t.id
            """)

        private static let updateCases = PreparedStatement(name: "updateCaseStatuses", sql: """
            UPDATE cases c SET status = u.status, updated_at = $3
            FROM unnest($1::uuid[], $2::text[]) AS u(id, status) WHERE c.id = u.id AND c.status <> u.status
            """)
    }

    /// Event rows as columns, inserted with one `unnest`.
    struct Columns {
        private var caseIDs: [UUID] = [], taskIDs: [UUID] = [], items: [String] = [], ats: [Date] = []
        private var froms: [String?] = [], tos: [String] = [], attempts: [Int] = [], actors: [String] = []
        private var details: [String?] = []

        var count: Int { caseIDs.count }

        mutating func append(caseID: UUID, taskID: UUID, item: String, at: Date, from: String?, to: String,
                             attempt: Int, actor: String, detail: String?) {
            caseIDs.append(caseID); taskIDs.append(taskID); items.append(item); ats.append(at); froms.append(from)
            tos.append(to); attempts.append(attempt); actors.append(actor); details.append(detail)
        }

        func insert(on db: PostgresConnection) throws {
            guard count > 0 else { return }
            try db.query(Self.insertEvents, [caseIDs, taskIDs, items, ats, froms, tos, attempts, actors, details])
        }

        private static let insertEvents = PreparedStatement(name: "insertTaskEvents", sql: """
            INSERT INTO events (case_id, task_id, item, at, from_status, to_status, attempt, actor, detail)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
                                 $7::int8[], $8::text[], $9::text[])
            """)
    }
}
