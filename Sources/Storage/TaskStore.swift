import Foundation
import Model
import Postgres

/// A task a worker holds: what it needs to call the agency.
public struct ClaimedTask: Sendable, Equatable {
    public var id: UUID
    public var caseID: UUID
    public var item: Item
    public var agency: Agency
    /// The attempt this claim made; the outcome applies only to it.
    public var attempt: Int
    public var retireeIDNumber: String
}

/// What to do in Redis once a transaction has committed.
public struct Dispatch: Sendable {
    /// Tasks to publish now.
    public var publish: [(id: UUID, agency: Agency, attempt: Int)] = []
    /// Tasks to put in their agency's delayed set, due at a time.
    public var schedule: [(id: UUID, agency: Agency, attempt: Int, at: Date)] = []
    /// The completed task's new status (set by `complete`).
    public var status: TaskStatus?

    public init() {}
}

/// Claiming and completing tasks; every change goes through `TaskTransition` and writes an event.
public enum TaskStore {
    /// Claims a task for one attempt, if its state and attempt still match the message.
    ///
    /// A duplicate or stale message finds nothing to claim and gets nil.
    public static func claim(_ id: UUID, attempt: Int, owner: String, lease: Duration, now: Date,
                             on db: PostgresConnection) throws -> ClaimedTask? {
        try db.transaction { db in
            guard let row = try db.query(Self.lockTask, [id]).first else { return nil }
            let snapshot = try snapshot(row)
            guard snapshot.attempt == attempt, snapshot.status.isClaimable,
                  (snapshot.nextAttemptAt.map { $0 <= now } ?? true)
            else { return nil }
            let item = Item(rawValue: try row.decode(String.self, "item"))!
            guard case .success(let outcome) = TaskTransition.apply(
                .claim, to: snapshot, now: now, policy: ItemCatalogue.definition(of: item).retryPolicy, jitter: 0)
            else { return nil }
            let caseID = try row.decode(UUID.self, "case_id")
            let seconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
            try db.query(Self.markRunning, [id, outcome.attempt, owner, now.addingTimeInterval(seconds), now])
            try record(caseID: caseID, taskID: id, item: item, at: now, from: snapshot.status, to: outcome.status,
                       attempt: outcome.attempt, actor: "worker:\(owner)", detail: "claimed", on: db)
            return ClaimedTask(id: id, caseID: caseID, item: item, agency: item.agency, attempt: outcome.attempt,
                               retireeIDNumber: try row.decode(String.self, "retiree_id_number"))
        }
    }

    /// Records the outcome of a claimed attempt, releases what waited for it, and keeps the case
    /// status current — all in one transaction. Nil when the attempt is no longer the task's.
    public static func complete(_ task: ClaimedTask, with event: TaskEvent, now: Date, jitter: Double,
                                calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                                actor: String, on db: PostgresConnection) throws -> Dispatch? {
        try db.transaction { db in
            // The case row first: completions of one case's tasks queue here instead of deadlocking
            // on each other's task rows (see `lockCase`).
            try db.query(Self.lockCase, [task.caseID])
            guard let row = try db.query(Self.lockTask, [task.id]).first else { return nil }
            let snapshot = try snapshot(row)
            guard snapshot.status == .running, snapshot.attempt == task.attempt else { return nil }
            var dispatch = Dispatch()
            dispatch.status = try apply(event, to: task.id, item: task.item, caseID: task.caseID, snapshot: snapshot, now: now,
                      jitter: jitter, calendar: calendar, paymentDay: paymentDay, actor: actor,
                      dispatch: &dispatch, on: db)
            try refreshCaseStatus(task.caseID, now: now, on: db)
            return dispatch
        }
    }

    /// Applies one event to one task row, then carries out its effects inside the same transaction.
    @discardableResult
    static func apply(_ event: TaskEvent, to id: UUID, item: Item, caseID: UUID, snapshot: TaskSnapshot, now: Date,
                      jitter: Double, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay, actor: String,
                      dispatch: inout Dispatch, on db: PostgresConnection) throws -> TaskStatus {
        let definition = ItemCatalogue.definition(of: item)
        let outcome: TaskTransition.Outcome
        switch TaskTransition.apply(event, to: snapshot, now: now, policy: definition.retryPolicy, jitter: jitter) {
        case .success(let value): outcome = value
        case .failure(let error):
            throw PostgresError(.queryFailed, call: "transition", message: error.description)
        }
        let becameReady = outcome.status == .queued && snapshot.status != .queued
        let dueBy: Date? = becameReady
            ? calendar.dueBy(timeLimitWorkingDays: definition.timeLimitWorkingDays, from: now).value : nil
        try db.query(Self.updateTask, [id, outcome.status.rawValue, outcome.attempt, outcome.task.transientFailures,
                                       outcome.nextAttemptAt, outcome.task.lastError, becameReady ? now : nil as Date?,
                                       dueBy, now])
        var detail: String?
        for effect in outcome.effects {
            switch effect {
            case .recordEvent(let text): detail = text
            case .publish: dispatch.publish.append((id, item.agency, outcome.attempt))
            case .schedule(let at): dispatch.schedule.append((id, item.agency, outcome.attempt, at))
            case .releaseDependants, .cancelDependants: break
            }
        }
        try record(caseID: caseID, taskID: id, item: item, at: now, from: snapshot.status, to: outcome.status,
                   attempt: outcome.attempt, actor: actor, detail: detail ?? event.name, on: db)
        if outcome.effects.contains(.releaseDependants) {
            try releaseDependants(of: item, caseID: caseID, now: now, calendar: calendar, paymentDay: paymentDay,
                                  dispatch: &dispatch, on: db)
        }
        return outcome.status
    }

    private static func releaseDependants(of item: Item, caseID: UUID, now: Date, calendar: WorkingDayCalendar,
                                          paymentDay: PensionPaymentDay, dispatch: inout Dispatch,
                                          on db: PostgresConnection) throws {
        let rows = try db.query(Self.caseTasksForUpdate, [caseID])
        var statuses: [Item: TaskStatus] = [:]
        var snapshots: [Item: (UUID, TaskSnapshot)] = [:]
        for row in rows {
            let other = Item(rawValue: try row.decode(String.self, "item"))!
            let snap = try snapshot(row)
            statuses[other] = snap.status
            snapshots[other] = (try row.decode(UUID.self, "id"), snap)
        }
        let realNamePending = try rows.first.map {
            try $0.decode(Bool.self, "real_name_required") && $0.decodeIfPresent(Date.self, "real_name_done_at") == nil
        } ?? false
        for released in ItemCatalogue.releasable(after: item, statuses: statuses) {
            guard let (id, snap) = snapshots[released] else { continue }
            let event = ItemCatalogue.definition(of: released)
                .releaseEvent(realNameCheckPending: realNamePending, paymentDay: paymentDay, now: now)
            try apply(event, to: id, item: released, caseID: caseID, snapshot: snap, now: now, jitter: 0,
                      calendar: calendar, paymentDay: paymentDay, actor: "system", dispatch: &dispatch, on: db)
        }
    }

    /// Derives the case status from its tasks and stores it when it changed.
    static func refreshCaseStatus(_ caseID: UUID, now: Date, on db: PostgresConnection) throws {
        let statuses = try db.query("SELECT status FROM tasks WHERE case_id = $1", [caseID], name: "caseTaskStatuses")
            .map { TaskStatus(rawValue: try $0.decode(String.self, "status"))! }
        try db.query("UPDATE cases SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2",
                     [caseID, CaseStatus.derive(from: statuses).rawValue, now], name: "updateCaseStatus")
    }

    static func record(caseID: UUID, taskID: UUID, item: Item, at: Date, from: TaskStatus?, to: TaskStatus,
                       attempt: Int, actor: String, detail: String?, on db: PostgresConnection) throws {
        try db.query(Self.insertEvent, [caseID, taskID, item.rawValue, at, from?.rawValue, to.rawValue, attempt, actor, detail])
    }

    static func snapshot(_ row: PostgresRow) throws -> TaskSnapshot {
        TaskSnapshot(status: TaskStatus(rawValue: try row.decode(String.self, "status"))!,
                     attempt: try row.decode(Int.self, "attempt"),
                     transientFailures: try row.decode(Int.self, "transient_failures"),
                     nextAttemptAt: try row.decodeIfPresent(Date.self, "next_attempt_at"),
                     lastError: try row.decodeIfPresent(String.self, "last_error"))
    }

    /// Takes over tasks whose worker stopped renewing its lease (crashed or hung): each goes back to
    /// the queue (or to `retrying`/`dead` by its policy), one transaction per task.
    public static func expireLeases(now: Date, limit: Int, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                                    on db: PostgresConnection) throws -> Dispatch {
        let expired = try db.query("""
            SELECT id, case_id FROM tasks WHERE status = 'running' AND lease_expires_at < $1
            ORDER BY lease_expires_at LIMIT $2
            """, [now, limit], name: "expiredLeases").map { (try $0.decode(UUID.self, "id"), try $0.decode(UUID.self, "case_id")) }
        var dispatch = Dispatch()
        for (id, caseID) in expired {
            try db.transaction { db in
                try db.query(Self.lockCase, [caseID])
                guard let row = try db.query(Self.lockTask, [id]).first else { return }
                let snapshot = try snapshot(row)
                let leaseEnd = try db.query("SELECT lease_expires_at FROM tasks WHERE id = $1", [id], name: "leaseEnd")
                    .first?.decodeIfPresent(Date.self, "lease_expires_at")
                guard snapshot.status == .running, let leaseEnd, leaseEnd < now else { return }
                let item = Item(rawValue: try row.decode(String.self, "item"))!
                try apply(.leaseExpired, to: id, item: item, caseID: caseID, snapshot: snapshot, now: now,
                          jitter: Double.random(in: 0..<1), calendar: calendar, paymentDay: paymentDay,
                          actor: "system:lease", dispatch: &dispatch, on: db)
                try refreshCaseStatus(caseID, now: now, on: db)
            }
        }
        return dispatch
    }

    /// NO KEY UPDATE: serialises the case's completions, yet does not block the key-share locks that
    /// inserting an event (a foreign key to the case) takes, so a concurrent claim never deadlocks with it.
    private static let lockCase = PreparedStatement(name: "lockCase", sql: "SELECT 1 FROM cases WHERE id = $1 FOR NO KEY UPDATE")

    private static let lockTask = PreparedStatement(name: "lockTask", sql: """
        SELECT t.case_id, t.item, t.status, t.attempt, t.transient_failures, t.next_attempt_at, t.last_error,
               c.retiree_id_number
        FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.id = $1 FOR UPDATE OF t
        """)

    private static let markRunning = PreparedStatement(name: "markRunning", sql: """
        UPDATE tasks SET status = 'running', attempt = $2, lease_owner = $3, lease_expires_at = $4,
            next_attempt_at = NULL, updated_at = $5
        WHERE id = $1
        """)

    private static let updateTask = PreparedStatement(name: "updateTask", sql: """
        UPDATE tasks SET status = $2, attempt = $3, transient_failures = $4, next_attempt_at = $5, last_error = $6,
            ready_at = COALESCE($7, ready_at), due_by = COALESCE($8, due_by), lease_owner = NULL,
            lease_expires_at = NULL, updated_at = $9
        WHERE id = $1
        """)

    private static let caseTasksForUpdate = PreparedStatement(name: "caseTasksForUpdate", sql: """
        SELECT t.id, t.item, t.status, t.attempt, t.transient_failures, t.next_attempt_at, t.last_error,
               c.real_name_required, c.real_name_done_at
        FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.case_id = $1 ORDER BY t.item FOR UPDATE OF t
        """)

    private static let insertEvent = PreparedStatement(name: "insertTaskEvent", sql: """
        INSERT INTO events (case_id, task_id, item, at, from_status, to_status, attempt, actor, detail)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """)
}

extension TaskStore {
    /// What the agency needs for a claimed task: the case and the pre-qualification it was filed on.
    public static func agencyRequest(for task: ClaimedTask, on db: PostgresConnection) throws -> AgencyWork {
        guard let row = try db.query("SELECT case_no, retirement_date FROM cases WHERE id = $1", [task.caseID],
                                     name: "caseForTask").first,
              let prequalification = try PrequalificationStore.find(try ResidentID(parsing: task.retireeIDNumber), on: db)
        else {
            throw PostgresError(.queryFailed, call: "agencyRequest", message: "the task's case or pre-qualification is gone")
        }
        return AgencyWork(idempotencyKey: task.id.uuidString.lowercased(), item: task.item,
                          caseNo: try row.decode(String.self, "case_no"),
                          retirementDate: try row.decode(LocalDate.self, "retirement_date"),
                          prequalification: prequalification)
    }
}

/// The data of one piece of agency work, as storage knows it.
public struct AgencyWork: Sendable {
    public var idempotencyKey: String
    public var item: Item
    public var caseNo: String
    public var retirementDate: LocalDate
    public var prequalification: Prequalification
}
