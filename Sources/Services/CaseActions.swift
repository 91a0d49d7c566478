import Foundation
import Logging
import Model
import Postgres
import Storage

/// What filers and operators do to a case after filing: confirm the real-name check, retrigger a
/// failed or dead item, give a failed item up. Each is one transaction under the case lock that
/// writes an event naming who acted; what it makes ready is published after the commit.
public struct CaseActions: Sendable {
    public let postgres: PostgresPool
    public let queue: any TaskQueue
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let now: @Sendable () -> Date

    public init(postgres: PostgresPool, queue: any TaskQueue, calendar: WorkingDayCalendar,
                paymentDay: PensionPaymentDay, now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.queue = queue
        self.calendar = calendar
        self.paymentDay = paymentDay
        self.now = now
    }

    /// The retiree confirms the real-name check; releases the fund extraction. Returns the case.
    public func confirmRealName(caseNo: String, verifiedAt: Date?, by caller: Caller) async throws -> CaseRecord {
        let record = try await visibleCase(caseNo, by: caller)
        // Only the retiree can pass their own face check; to anyone else the action does not exist.
        guard caller.role == .individual, caller.idNumber == record.retireeIDNumber else { throw Self.notFound }
        let instant = now()
        let verified = verifiedAt ?? instant
        guard verified <= instant.addingTimeInterval(300) else {
            throw ServiceError(.invalidField, "verifiedAt cannot be in the future.", field: "verifiedAt")
        }
        let today = LocalDate(instant, utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        let (calendar, paymentDay, actor) = (calendar, paymentDay, Self.actor(caller))
        let outcome = try await postgres.withConnection { db in
            try RealNameStore.confirm(caseID: record.id, verifiedAt: verified, today: today, now: instant, actor: actor,
                                      calendar: calendar, paymentDay: paymentDay, on: db)
        }
        switch outcome {
        case .notRequired:
            throw ServiceError(.realNameNotRequired, "This case needs no real-name check, or it has been done already.")
        case .deadlinePassed(let deadline):
            throw ServiceError(.realNameDeadlinePassed,
                               "The real-name check had to be done by \(deadline.iso8601); the fund extraction was not kept open. File again for the extraction.")
        case .confirmed(let dispatch):
            try await publish(dispatch)
        }
        return try await reload(caseNo)
    }

    /// A new attempt of a failed item (the filer or an operator) or a dead one (an operator only).
    public func retrigger(caseNo: String, item: String, by caller: Caller) async throws -> TaskRecord {
        let requester: TaskEvent.Requester = caller.role == .operator ? .operator : .filer
        return try await act(.retrigger(by: requester), caseNo: caseNo, item: item, by: caller) { status, error in
            switch error {
            case .notPermitted:
                ServiceError(.notRetriggerable, "This item stopped after repeated faults; agency staff retrigger it once the fault is fixed.")
            case .illegal, .noTask:
                ServiceError(.notRetriggerable, "Only a failed item (or, for agency staff, a dead one) can be retriggered; this one is \(status.rawValue).")
            }
        }
    }

    /// The filer, or an operator, gives a failed item up; an operator may also close a pension-chain
    /// item waiting on a condition that will never be met. What waited for it is cancelled. An
    /// operator must give a reason (kept in the event); a filer may.
    public func abandon(caseNo: String, item: String, reason: String?, by caller: Caller) async throws -> TaskRecord {
        let requester: TaskEvent.Requester = caller.role == .operator ? .operator : .filer
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reason, reason.count > 500 {
            throw ServiceError(.invalidField, "The reason must be at most 500 characters.", field: "reason")
        }
        let given = reason.flatMap { $0.isEmpty ? nil : $0 }
        if requester == .operator, given == nil {
            // Visible to operators only, so no one else learns more than a 404 would tell.
            _ = try await visibleCase(caseNo, by: caller)
            throw ServiceError(.invalidField, "Say why the item is closed (the reason is kept in the case's history).",
                               field: "reason")
        }
        return try await act(.abandon(by: requester, reason: given), caseNo: caseNo, item: item, by: caller) { status, error in
            switch error {
            case .notPermitted:
                ServiceError(.notAbandonable, "The pension chain continues by itself until paid; only agency staff may close it.")
            case .illegal, .noTask:
                ServiceError(.notAbandonable, requester == .operator
                    ? "Only a failed item, or a pension-chain item waiting on a condition, can be closed; this one is \(status.rawValue)."
                    : "Only a failed item can be given up; this one is \(status.rawValue).")
            }
        }
    }

    /// What a bulk retrigger did.
    public struct BulkOutcome: Sendable, Equatable {
        /// Tasks given a new attempt, failed fund extractions first.
        public var retriggered: [UUID] = []
        /// Tasks that matched but had moved on meanwhile (retriggered by someone else, abandoned).
        public var skipped = 0
    }

    /// An operator retriggers every failed or dead task matching `filter`: failed fund extractions
    /// first (their real-name window is running), then the rest. Each task is its own transaction
    /// and audit event, so a task that moved on meanwhile is skipped rather than failing the lot.
    /// At most `limit` tasks are retriggered: the number the operator confirmed.
    public func retriggerAll(_ filter: AttentionFilter, by caller: Caller, limit: Int = .max,
                             batchSize: Int = 200) async throws -> BulkOutcome {
        guard caller.role == .operator else { throw ServiceError.notFound() }
        let (calendar, paymentDay, actor) = (calendar, paymentDay, Self.actor(caller))
        var outcome = BulkOutcome()
        for fundExtractions in [true, false] {
            var after: UUID?
            while outcome.retriggered.count < limit {
                let (cursor, size) = (after, min(batchSize, limit - outcome.retriggered.count))
                let ids = try await postgres.withConnection { db in
                    try CaseSearch.attentionIDs(filter, fundExtractions: fundExtractions, after: cursor, limit: size, on: db)
                }
                guard let last = ids.last else { break }
                after = last
                let instant = now()
                let (done, skipped) = try await postgres.withConnection { db in
                    var dispatch = Dispatch()
                    var done: [UUID] = []
                    var skipped = 0
                    for id in ids {
                        do {
                            guard let result = try TaskStore.act(.retrigger(by: .operator), on: id, actor: actor, now: instant,
                                                                 calendar: calendar, paymentDay: paymentDay, on: db)
                            else { skipped += 1; continue }
                            dispatch.publish += result.dispatch.publish
                            dispatch.schedule += result.dispatch.schedule
                            done.append(id)
                        } catch is TransitionError {
                            skipped += 1
                        }
                    }
                    return ((done, dispatch), skipped)
                }
                outcome.retriggered += done.0
                outcome.skipped += skipped
                try await publish(done.1)
            }
        }
        return outcome
    }

    private func act(_ event: TaskEvent, caseNo: String, item itemName: String, by caller: Caller,
                     refusal: (TaskStatus, TransitionError) -> ServiceError) async throws -> TaskRecord {
        let record = try await visibleCase(caseNo, by: caller)
        // Only the filer and agency staff act on items; to anyone else who may look, the action does not exist.
        guard caller.role == .operator
                || caller.isFiler(filedBy: record.filedBy, organisation: record.organisation, idNumber: record.retireeIDNumber)
        else { throw Self.notFound }
        guard let item = Item(rawValue: itemName), let task = record.tasks.first(where: { $0.item == item }) else {
            throw ServiceError.notFound("This case has no item \(itemName.prefix(40)).")
        }
        let (calendar, paymentDay, instant, actor) = (calendar, paymentDay, now(), Self.actor(caller))
        do {
            let done = try await postgres.withConnection { db in
                try TaskStore.act(event, on: task.id, actor: actor, now: instant, calendar: calendar,
                                  paymentDay: paymentDay, on: db)
            }
            if let done { try await publish(done.dispatch) }
        } catch let error as TransitionError {
            let current = try await reload(caseNo).tasks.first { $0.item == item }?.status ?? task.status
            throw refusal(current, error)
        }
        guard let updated = try await reload(caseNo).tasks.first(where: { $0.item == item }) else { throw Self.notFound }
        return updated
    }

    private func visibleCase(_ caseNo: String, by caller: Caller) async throws -> CaseRecord {
        guard caseNo.count <= 40,
              let record = try await postgres.withConnection({ try CaseStore.find(caseNo: caseNo, on: $0) }),
              caller.canSee(organisation: record.organisation, idNumber: record.retireeIDNumber)
        else { throw Self.notFound }
        return record
    }

    private func reload(_ caseNo: String) async throws -> CaseRecord {
        guard let record = try await postgres.withConnection({ try CaseStore.find(caseNo: caseNo, on: $0) }) else {
            throw Self.notFound
        }
        return record
    }

    /// After the commit; if Redis is away the reconciler publishes the tasks later.
    private func publish(_ dispatch: Dispatch) async throws {
        guard !dispatch.isEmpty else { return }
        try? await queue.settle(dispatch, acknowledging: [], of: nil)
    }

    /// How the audit trail names who acted (never a full ID number).
    static func actor(_ caller: Caller) -> String {
        "\(caller.role.rawValue):\(caller.name)"
    }

    static let notFound = ServiceError.notFound("No case with this number is within your reach.")
}
