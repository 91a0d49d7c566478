import Foundation
import Model
import Postgres

/// The tasks of a set of cases, locked and held in memory for one transaction: transitions apply
/// here through `TaskTransition`, collect their writes, and go to PostgreSQL in a few set-based
/// statements at the end. Several outcomes therefore share one transaction without giving up any
/// per-task check.
struct CaseTasks {
    struct TaskEntry {
        var id: UUID
        var item: Item
        var snapshot: TaskSnapshot
        var leaseExpiresAt: Date?
    }

    struct Case {
        var status: CaseStatus
        var realNameCheckPending: Bool
        var tasks: [Item: TaskEntry]
    }

    private(set) var cases: [UUID: Case]
    private(set) var writes = Writes()
    private(set) var dispatch = Dispatch()
    /// Tasks whose agency decided (succeeded, or a condition not met) after their time limit ran out:
    /// each limit is breached at most once, since a decision ends it.
    private(set) var breaches: [(id: UUID, item: Item)] = []
    private var touched: Set<UUID> = []

    /// Locks the cases (NO KEY UPDATE, in id order) and reads all their tasks.
    ///
    /// Every change of a task's state takes its case's lock first — except a claim, which only turns
    /// a claimable task into a running one. So under the case lock the tasks are read without row
    /// locks (eight per case would each write a WAL record), and the final UPDATE checks that every
    /// task it changes still has the state it was read in; if a claim slipped in, the transaction
    /// fails as a serialization conflict and is run again. A claim changes nothing the case status
    /// depends on. NO KEY UPDATE serialises a case's completions yet does not block the key-share
    /// locks that inserting an event (a foreign key to the case) takes.
    static func lock(_ caseIDs: [UUID], on db: PostgresConnection) throws -> CaseTasks {
        var cases: [UUID: Case] = [:]
        for row in try db.query(Self.lockCases, [caseIDs]) {
            let pending = try row.decode(Bool.self, "real_name_required")
                && row.decodeIfPresent(Date.self, "real_name_done_at") == nil
            cases[try row.decode(UUID.self, "id")] = Case(
                status: CaseStatus(rawValue: try row.decode(String.self, "status")) ?? .inProgress,
                realNameCheckPending: pending, tasks: [:])
        }
        for row in try db.query(Self.lockTasks, [caseIDs]) {
            let caseID = try row.decode(UUID.self, "case_id")
            guard let item = Item(rawValue: try row.decode(String.self, "item")) else { continue }
            cases[caseID]?.tasks[item] = TaskEntry(id: try row.decode(UUID.self, "id"), item: item,
                                               snapshot: try TaskStore.snapshot(row),
                                               leaseExpiresAt: try row.decodeIfPresent(Date.self, "lease_expires_at"))
        }
        return CaseTasks(cases: cases)
    }

    private init(cases: [UUID: Case]) {
        self.cases = cases
    }

    /// Records that the retiree passed the real-name check: later releases no longer wait for it.
    mutating func confirmRealName(_ caseID: UUID) {
        cases[caseID]?.realNameCheckPending = false
    }

    func status(of item: Item, in caseID: UUID) -> TaskStatus? {
        cases[caseID]?.tasks[item]?.snapshot.status
    }

    func items(in caseID: UUID, status: TaskStatus) -> [Item] {
        Item.allCases.filter { cases[caseID]?.tasks[$0]?.snapshot.status == status }
    }

    func task(_ id: UUID, in caseID: UUID) -> TaskEntry? {
        cases[caseID]?.tasks.values.first { $0.id == id }
    }

    /// Applies an event to one task and what it releases, all or nothing: when any transition is
    /// refused, nothing of this call is kept and the error is thrown.
    @discardableResult
    mutating func apply(_ event: TaskEvent, to item: Item, caseID: UUID, now: Date, jitter: Double,
                        calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay, actor: String) throws -> TaskStatus {
        var copy = self
        let status = try copy.applyOne(event, to: item, caseID: caseID, now: now, jitter: jitter, calendar: calendar,
                                       paymentDay: paymentDay, actor: actor)
        copy.touched.insert(caseID)
        self = copy
        return status
    }

    private mutating func applyOne(_ event: TaskEvent, to item: Item, caseID: UUID, now: Date, jitter: Double,
                                   calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                                   actor: String) throws -> TaskStatus {
        guard let task = cases[caseID]?.tasks[item] else {
            throw PostgresError(.queryFailed, call: "transition", message: "the case has no task for \(item.rawValue)")
        }
        let definition = ItemCatalogue.definition(of: item)
        let outcome = try TaskTransition.apply(event, to: task.snapshot, now: now, policy: definition.retryPolicy,
                                               jitter: jitter).get()
        let becameReady = outcome.status == .queued && task.snapshot.status != .queued
        var next = outcome.task
        if outcome.timeLimit == .starts {
            next.dueBy = calendar.dueBy(timeLimitWorkingDays: definition.timeLimitWorkingDays, from: now).value
        }
        switch event {
        case .succeeded, .conditionNotMet:
            if task.snapshot.isOverdue(at: now) { breaches.append((task.id, item)) }
        default:
            break
        }
        cases[caseID]?.tasks[item]?.snapshot = next
        cases[caseID]?.tasks[item]?.leaseExpiresAt = nil
        writes.update(task.id, from: task.snapshot, to: next, readyAt: becameReady ? now : nil)

        var detail: String?
        for effect in outcome.effects {
            switch effect {
            case .recordEvent(let text): detail = text
            case .publish: dispatch.publish.append((task.id, item.agency, outcome.attempt))
            case .schedule(let at): dispatch.schedule.append((task.id, item.agency, outcome.attempt, at))
            case .releaseDependants, .cancelDependants: break  // below, once the event is written
            }
        }
        writes.event(caseID: caseID, taskID: task.id, item: item, at: now, from: task.snapshot.status,
                     to: outcome.status, attempt: outcome.attempt, actor: actor, detail: detail ?? event.name)

        if outcome.effects.contains(.cancelDependants), let current = cases[caseID] {
            // What waits for an item that will not happen cannot happen either.
            for dependant in ItemCatalogue.transitiveDependants(of: item, in: Set(current.tasks.keys)) {
                guard let status = cases[caseID]?.tasks[dependant]?.snapshot.status,
                      !status.isTerminal, status != .running
                else { continue }
                try applyOne(.cancel(reason: "\(item.rawValue) will not be done"), to: dependant, caseID: caseID,
                             now: now, jitter: 0, calendar: calendar, paymentDay: paymentDay, actor: "system")
            }
        }
        if outcome.effects.contains(.releaseDependants), let current = cases[caseID] {
            let statuses = current.tasks.mapValues(\.snapshot.status)
            for released in ItemCatalogue.releasable(after: item, statuses: statuses) {
                let release = ItemCatalogue.definition(of: released)
                    .releaseEvent(realNameCheckPending: current.realNameCheckPending, paymentDay: paymentDay, now: now)
                try applyOne(release, to: released, caseID: caseID, now: now, jitter: 0, calendar: calendar,
                             paymentDay: paymentDay, actor: "system")
            }
        }
        return outcome.status
    }

    /// Writes every change: task rows, events, and the status of each touched case whose derived
    /// status moved.
    mutating func flush(now: Date, on db: PostgresConnection) throws {
        for caseID in touched.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard let current = cases[caseID] else { continue }
            let derived = CaseStatus.derive(from: current.tasks.values.map(\.snapshot.status))
            if derived != current.status {
                writes.caseStatus(caseID, derived)
                cases[caseID]?.status = derived
            }
        }
        try writes.flush(now: now, on: db)
        writes = Writes()
        touched = []
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
    /// Row changes collected in memory and written with one statement per table.
    struct Writes {
        private struct Update {
            /// The state the task was read in; the UPDATE applies only if it still holds.
            var from: TaskSnapshot
            var snapshot: TaskSnapshot
            var readyAt: Date?
        }

        private var updates: [UUID: Update] = [:]
        private var order: [UUID] = []
        private var events = Columns()
        private var caseStatuses: [(UUID, CaseStatus)] = []

        mutating func update(_ id: UUID, from: TaskSnapshot, to snapshot: TaskSnapshot, readyAt: Date?) {
            if let earlier = updates[id] {
                updates[id] = Update(from: earlier.from, snapshot: snapshot, readyAt: readyAt ?? earlier.readyAt)
            } else {
                updates[id] = Update(from: from, snapshot: snapshot, readyAt: readyAt)
                order.append(id)
            }
        }

        mutating func event(caseID: UUID, taskID: UUID, item: Item, at: Date, from: TaskStatus?, to: TaskStatus,
                            attempt: Int, actor: String, detail: String?) {
            events.append(caseID: caseID, taskID: taskID, item: item.rawValue, at: at, from: from?.rawValue,
                          to: to.rawValue, attempt: attempt, actor: actor, detail: detail)
        }

        mutating func caseStatus(_ caseID: UUID, _ status: CaseStatus) {
            caseStatuses.append((caseID, status))
        }

        func flush(now: Date, on db: PostgresConnection) throws {
            if !order.isEmpty {
                let rows = order.map { ($0, updates[$0]!) }
                let changed = try db.query(Self.updateTasks, [
                    rows.map(\.0), rows.map(\.1.snapshot.status.rawValue), rows.map(\.1.snapshot.attempt),
                    rows.map(\.1.snapshot.transientFailures), rows.map(\.1.snapshot.nextAttemptAt),
                    rows.map(\.1.snapshot.lastError), rows.map(\.1.readyAt), rows.map(\.1.snapshot.dueBy), now,
                    rows.map(\.1.from.status.rawValue), rows.map(\.1.from.attempt),
                    rows.map(\.1.snapshot.failingSince), rows.map { $0.1.snapshot.result.flatMap { JSONB($0).postgresText } },
                ]).rows.count
                guard changed == rows.count else {
                    throw PostgresError(.queryFailed, call: "updateTasks",
                                        message: "a task changed while its case was being updated; run again",
                                        sqlState: "40001")
                }
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
