import Foundation
import Model
import Postgres

/// Claiming and completing tasks; every change goes through `TaskTransition` and writes an event.
///
/// Both take a batch: one transaction claims or completes many tasks, with the same checks per task
/// as one at a time. A worker under load commits tens of outcomes with one WAL flush instead of one each.
public enum TaskStore {
    /// Claims a task for one attempt, if its state and attempt still match the message.
    ///
    /// A duplicate or stale message finds nothing to claim and gets nil.
    public static func claim(_ id: UUID, attempt: Int, owner: String, lease: Duration, now: Date,
                             calendar: WorkingDayCalendar, on db: PostgresConnection) throws -> ClaimedTask? {
        try claim([(id, attempt)], owner: owner, lease: lease, now: now, calendar: calendar, on: db).first
    }

    /// Claims each task whose state and attempt still match its message, with a lease until
    /// `now + lease`: one conditional UPDATE, which also writes the `claimed` events and returns what
    /// the agency calls need. Messages that find nothing to claim (duplicates, stale attempts, tasks
    /// not due yet) are left out of the result.
    ///
    /// The UPDATE is `TaskTransition`'s claim row (claimable → running, attempt + 1, no next attempt),
    /// with the claimable statuses taken from `TaskStatus.isClaimable`; each result is checked against it.
    public static func claim(_ messages: [(id: UUID, attempt: Int)], owner: String, lease: Duration, now: Date,
                             calendar: WorkingDayCalendar, on db: PostgresConnection) throws -> [ClaimedTask] {
        guard !messages.isEmpty else { return [] }
        // A claim that starts a time limit (a re-check, the payment day) sets the due instant of the
        // item's limit counted from now; the statement picks it by item.
        let starting = Dictionary(uniqueKeysWithValues: Item.allCases.map { item in
            (item, calendar.dueBy(timeLimitWorkingDays: ItemCatalogue.definition(of: item).timeLimitWorkingDays, from: now).value)
        })
        let rows = try db.retryingChanges {
            try db.query(Self.claimBatch, [
                messages.map(\.id), messages.map(\.attempt), owner, now.adding(lease), now,
                Self.claimable, "worker:\(owner)", Self.limitStartingClaims,
                Item.allCases.map(\.rawValue), Item.allCases.map { starting[$0] },
            ])
        }
        return try rows.rows.map { row in
            let id = try row.decode(UUID.self, "id")
            guard let item = Item(rawValue: try row.decode(String.self, "item")),
                  let from = TaskStatus(rawValue: try row.decode(String.self, "from_status")),
                  case .success(let outcome) = TaskTransition.apply(
                      .claim, to: TaskSnapshot(status: from, attempt: try row.decode(Int.self, "attempt") - 1),
                      now: now, policy: ItemCatalogue.definition(of: item).retryPolicy, jitter: 0),
                  outcome.status == .running, outcome.attempt == (try row.decode(Int.self, "attempt")),
                  (outcome.timeLimit == .starts) == Self.limitStartingClaims.contains(from.rawValue)
            else {
                throw PostgresError(.queryFailed, call: "claimBatch", message: "a claimed row does not match the claim transition")
            }
            let idNumber = try row.decode(String.self, "retiree_id_number")
            return ClaimedTask(id: id, caseID: try row.decode(UUID.self, "case_id"), item: item, agency: item.agency,
                               attempt: outcome.attempt, retireeIDNumber: idNumber,
                               work: try work(for: id, item: item, idNumber: idNumber, row: row),
                               dueBy: try row.decodeIfPresent(Date.self, "due_by"))
        }
    }

    private static let claimable = TaskStatus.allCases.filter(\.isClaimable).map(\.rawValue)

    /// The claimable statuses whose claim starts a new time limit (``TaskTransition``: a re-check or
    /// the payment day); checked against the transition for every claimed row.
    private static let limitStartingClaims = [TaskStatus.awaitingConditions.rawValue, TaskStatus.scheduled.rawValue]

    /// Records the outcomes of claimed attempts in one transaction: each applies only while its task
    /// is still running that attempt; each releases what waited for it; every touched case's status
    /// is kept current. Run again when a claim changed one of the cases meanwhile.
    public static func complete(_ completions: [Completion], now: Date, calendar: WorkingDayCalendar,
                                paymentDay: PensionPaymentDay, actor: String,
                                on db: PostgresConnection) throws -> CompletionResult {
        guard !completions.isEmpty else { return CompletionResult() }
        let context = CaseAggregate.Context(now: now, calendar: calendar, paymentDay: paymentDay, actor: actor)
        return try db.retryingChanges {
            try db.transaction { db in
                var state = try CaseTasks.lock(Array(Set(completions.map(\.task.caseID))), on: db)
                var result = CompletionResult()
                for completion in completions {
                    let task = completion.task
                    guard let current = state[task.caseID]?.task(task.id), current.snapshot.status == .running,
                          current.snapshot.attempt == task.attempt
                    else { continue }
                    // A refused transition leaves that task running (its lease runs out and it is taken
                    // over) instead of failing every other outcome in the batch.
                    if let status = try? state.apply(completion.event, to: task.item, caseID: task.caseID, at: context,
                                                     jitter: completion.jitter) {
                        result.statuses[task.id] = status
                    }
                }
                let flushed = try state.flush(now: now, on: db)
                result.dispatch = flushed.dispatch
                result.breaches = flushed.breaches
                return result
            }
        }
    }

    /// Applies a person's or the clock's event to one task (a retrigger, an abandon, a real-name
    /// confirmation, a deadline) in one transaction, with what it releases and the case status.
    /// Nil when there is no such task; a transition the task's state does not allow throws
    /// `TransitionError` and changes nothing.
    public static func act(_ event: TaskEvent, on taskID: UUID, actor: String, now: Date, calendar: WorkingDayCalendar,
                           paymentDay: PensionPaymentDay, on db: PostgresConnection) throws -> (dispatch: Dispatch, status: TaskStatus)? {
        // A claim that changed the task meanwhile makes the transaction run again, reading it anew.
        try db.retryingChanges {
            try actOnce(event, on: taskID, actor: actor, now: now, calendar: calendar, paymentDay: paymentDay, on: db)
        }
    }

    private static func actOnce(_ event: TaskEvent, on taskID: UUID, actor: String, now: Date, calendar: WorkingDayCalendar,
                                paymentDay: PensionPaymentDay, on db: PostgresConnection) throws -> (dispatch: Dispatch, status: TaskStatus)? {
        try db.transaction { db in
            guard let caseID = try db.query("SELECT case_id FROM tasks WHERE id = $1", [taskID], name: "taskCase")
                .first?.decode(UUID.self, "case_id")
            else { return nil }
            var state = try CaseTasks.lock([caseID], on: db)
            guard let task = state[caseID]?.task(taskID) else { return nil }
            // A refusal is the state machine's `TransitionError`, thrown before anything is written.
            let context = CaseAggregate.Context(now: now, calendar: calendar, paymentDay: paymentDay, actor: actor)
            let status = try state.apply(event, to: task.item, caseID: caseID, at: context,
                                         jitter: Double.random(in: 0..<1))
            return (try state.flush(now: now, on: db).dispatch, status)
        }
    }

    static func record(caseID: UUID, taskID: UUID, item: Item, at: Date, from: TaskStatus?, to: TaskStatus,
                       attempt: Int, actor: String, detail: String?, on db: PostgresConnection) throws {
        try db.query(Self.insertEvent, [caseID, taskID, item.rawValue, at, from?.rawValue, to.rawValue, attempt, actor, detail])
    }

    static func snapshot(_ row: PostgresRow) throws -> TaskSnapshot {
        TaskSnapshot(status: try row.decodeEnum(TaskStatus.self, "status"),
                     attempt: try row.decode(Int.self, "attempt"),
                     transientFailures: try row.decode(Int.self, "transient_failures"),
                     nextAttemptAt: try row.decodeIfPresent(Date.self, "next_attempt_at"),
                     lastError: try row.decodeIfPresent(String.self, "last_error"),
                     dueBy: try row.decodeIfPresent(Date.self, "due_by"),
                     failingSince: try row.decodeIfPresent(Date.self, "failing_since"),
                     result: try row.decodeIfPresent(JSONB<TaskResult>.self, "result")?.value)
    }

    /// Takes over tasks whose worker stopped renewing its lease (crashed or hung): each goes back to
    /// the queue (or to `retrying`/`dead` by its policy), one transaction per case.
    public static func expireLeases(now: Date, limit: Int, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                                    backoffScale: Double = 1, on db: PostgresConnection) throws -> Dispatch {
        let expired = try db.query("""
            SELECT id, case_id FROM tasks WHERE status = 'running' AND lease_expires_at < $1
            ORDER BY lease_expires_at LIMIT $2
            """, [now, limit], name: "expiredLeases").map { (try $0.decode(UUID.self, "id"), try $0.decode(UUID.self, "case_id")) }
        var dispatch = Dispatch()
        let context = CaseAggregate.Context(now: now, calendar: calendar, paymentDay: paymentDay, actor: "system:lease")
        for (caseID, tasks) in Dictionary(grouping: expired, by: \.1) {
            dispatch.append(try db.retryingChanges {
                try db.transaction { db in
                    var state = try CaseTasks.lock([caseID], on: db)
                    for (id, _) in tasks {
                        guard let task = state[caseID]?.task(id), task.snapshot.status == .running,
                              let leaseEnd = task.leaseExpiresAt, leaseEnd < now
                        else { continue }
                        try state.apply(.leaseExpired, to: task.item, caseID: caseID, at: context,
                                        jitter: Double.random(in: 0..<1) * backoffScale)
                    }
                    return try state.flush(now: now, on: db).dispatch
                }
            })
        }
        return dispatch
    }

    private static func work(for id: UUID, item: Item, idNumber: String, row: PostgresRow) throws -> AgencyWork? {
        guard try row.decodeIfPresent(String.self, "name") != nil,
              let resident = try? ResidentID(parsing: idNumber)
        else { return nil }
        // The fund centre gets the filer's choice; only the extraction gets the bank account.
        var fund: AgencyWork.HousingFund?
        var bank: BankAccount?
        if item.agency == .fund {
            fund = AgencyWork.HousingFund(action: try row.decodeEnum(HousingFundAction.self, "housing_fund_action"),
                                          centre: try row.decodeIfPresent(String.self, "case_fund_centre") ?? "")
            if item == .fundExtraction, let number = try row.decodeIfPresent(String.self, "bank_account_number") {
                bank = BankAccount(bank: try row.decodeIfPresent(String.self, "bank_name") ?? "", accountNumber: number,
                                   holderName: try row.decodeIfPresent(String.self, "bank_holder_name") ?? "")
            }
        }
        return AgencyWork(idempotencyKey: id.uuidString.lowercased(), item: item,
                          caseNo: try row.decode(String.self, "case_no"),
                          retirementDate: try row.decode(LocalDate.self, "retirement_date"),
                          prequalification: try PrequalificationStore.prequalification(resident, from: row),
                          housingFund: fund, bankAccount: bank)
    }

    /// `o` is the row as the statement found it, for the event's `from_status` (RETURNING sees only
    /// the new row). Only a claim changes a claimable task without changing its attempt, so when a
    /// concurrent change makes the row re-checked, `o` still tells the status the claim started from.
    private static let claimBatch = PreparedStatement(name: "claimBatch", sql: """
        WITH claimed AS (
            UPDATE tasks t SET status = 'running', attempt = t.attempt + 1, lease_owner = $3, lease_expires_at = $4,
                next_attempt_at = NULL, updated_at = $5,
                due_by = CASE WHEN o.status = ANY($8::text[])
                              THEN (SELECT d.due FROM unnest($9::text[], $10::timestamptz[]) AS d(item, due)
                                    WHERE d.item = t.item)
                              ELSE t.due_by END
            FROM unnest($1::uuid[], $2::int8[]) AS m(id, attempt), tasks o
            WHERE t.id = m.id AND o.id = m.id AND t.attempt = m.attempt AND t.status = ANY($6::text[])
              AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= $5)
            RETURNING t.id, t.case_id, t.item, t.attempt, t.due_by, o.status AS from_status
        ), logged AS (
            INSERT INTO events (case_id, task_id, item, at, from_status, to_status, attempt, actor, detail)
            SELECT case_id, id, item, $5, from_status, 'running', attempt, $7, 'claimed' FROM claimed
        )
        SELECT k.id, k.case_id, k.item, k.attempt, k.due_by, k.from_status,
               c.retiree_id_number, c.case_no, c.retirement_date, c.housing_fund_action,
               c.fund_centre AS case_fund_centre, c.bank_name, c.bank_account_number, c.bank_holder_name,
               p.name, p.category, p.organisation_id, p.passed, p.contribution_months, p.deemed_months,
               p.medical_contribution_months, p.fund_centre, p.fund_account_frozen, p.household_registered,
               p.only_child_parent, p.planned_retirement_date, org.kind AS organisation_kind
        FROM claimed k JOIN cases c ON c.id = k.case_id
            LEFT JOIN prequalifications p ON p.id_number = c.retiree_id_number
            LEFT JOIN organisations org ON org.id = p.organisation_id
        """)

    private static let insertEvent = PreparedStatement(name: "insertTaskEvent", sql: """
        INSERT INTO events (case_id, task_id, item, at, from_status, to_status, attempt, actor, detail)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """)
}
