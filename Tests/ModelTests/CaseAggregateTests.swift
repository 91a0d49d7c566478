import Foundation
import Testing
@testable import Model

/// Every item's failure path, and its success, through the case aggregate: what the item becomes,
/// what it cancels or releases, what the case becomes and what goes to the queue.
@Suite("CaseAggregate")
struct CaseAggregateTests {
    static let now = Date(timeIntervalSince1970: 1_780_300_800) // 2026-06-01T08:00:00Z, a Monday
    static let caseID = UUID(uuidString: "00000000-0000-0000-0000-00000000ca5e")!

    static func context(actor: String = "worker:test") throws -> CaseAggregate.Context {
        CaseAggregate.Context(now: now, calendar: try WorkingDayCalendar.bundled(),
                              paymentDay: PensionPaymentDay(dayOfMonth: 15)!, actor: actor)
    }

    static func id(_ item: Item) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", Item.allCases.firstIndex(of: item)! + 1))!
    }

    /// A case holding every item, with `item` running its first attempt: what it waits for has
    /// succeeded, what waits for it is blocked, everything else has succeeded.
    static func running(_ item: Item, _ snapshot: TaskSnapshot = TaskSnapshot(status: .running, attempt: 1),
                        realNameCheckPending: Bool = false) -> CaseAggregate {
        let all = Set(Item.allCases)
        let dependants = Set(ItemCatalogue.transitiveDependants(of: item, in: all))
        let tasks = Item.allCases.map { other in
            let status: TaskStatus = other == item ? snapshot.status : dependants.contains(other) ? .blocked : .succeeded
            return CaseAggregate.Task(id: id(other), item: other,
                                      snapshot: other == item ? snapshot : TaskSnapshot(status: status, attempt: status == .succeeded ? 1 : 0))
        }
        return CaseAggregate(id: caseID, status: .inProgress, realNameCheckPending: realNameCheckPending, tasks: tasks)
    }

    struct Path: Sendable, CustomTestStringConvertible {
        let item: Item
        /// What "condition not met" makes of it.
        let notMet: TaskStatus
        /// What a fault after its last allowed one makes of it (the pension chain never gives up).
        let exhausted: TaskStatus
        /// What an abandon cancels, directly or not.
        let cancels: Set<Item>
        /// What its success releases, and to which status.
        let releases: [Item: TaskStatus]
        var testDescription: String { item.rawValue }
    }

    static let paths: [Path] = [
        Path(item: .hrQualification, notMet: .failed, exhausted: .dead,
             cancels: Set(Item.allCases).subtracting([.hrQualification]),
             releases: [.hrDeemedYears: .queued, .socialPensionTransfer: .queued, .socialInsuranceTermination: .queued,
                        .medicalDeemedYears: .queued, .fundSeal: .queued]),
        Path(item: .hrDeemedYears, notMet: .failed, exhausted: .dead,
             cancels: [.socialBenefitApproval, .socialBenefitPayment], releases: [.socialBenefitApproval: .queued]),
        Path(item: .socialPensionTransfer, notMet: .awaitingConditions, exhausted: .retrying,
             cancels: [.socialBenefitApproval, .socialBenefitPayment], releases: [.socialBenefitApproval: .queued]),
        Path(item: .socialBenefitApproval, notMet: .awaitingConditions, exhausted: .retrying,
             cancels: [.socialBenefitPayment], releases: [.socialBenefitPayment: .scheduled]),
        Path(item: .socialBenefitPayment, notMet: .awaitingConditions, exhausted: .retrying, cancels: [], releases: [:]),
        Path(item: .socialInsuranceTermination, notMet: .awaitingConditions, exhausted: .retrying, cancels: [], releases: [:]),
        Path(item: .medicalDeemedYears, notMet: .failed, exhausted: .dead,
             cancels: [.medicalTransfer], releases: [.medicalTransfer: .queued]),
        Path(item: .medicalTransfer, notMet: .failed, exhausted: .dead, cancels: [], releases: [:]),
        Path(item: .fundSeal, notMet: .failed, exhausted: .dead,
             cancels: [.fundExtraction], releases: [.fundExtraction: .queued]),
        Path(item: .fundExtraction, notMet: .failed, exhausted: .dead, cancels: [], releases: [:]),
    ]

    @Test("the table covers every item")
    func everyItem() {
        #expect(Set(Self.paths.map(\.item)) == Set(Item.allCases))
    }

    @Test("condition not met: the item fails for a person, or the pension chain waits and asks again", arguments: paths)
    func conditionNotMet(_ path: Path) throws {
        var aggregate = Self.running(path.item)
        let before = aggregate.tasks
        #expect(try aggregate.apply(.conditionNotMet(reason: "not yet"), to: path.item, at: Self.context()) == path.notMet)
        aggregate.settleStatus()
        let task = try #require(aggregate.tasks[path.item])
        #expect(task.snapshot.lastError == "not yet")
        #expect(task.snapshot.dueBy == nil, "no time limit runs while the agency cannot act")
        // Nothing else moves: what waits for it keeps waiting.
        for other in Item.allCases where other != path.item {
            #expect(aggregate.tasks[other] == before[other], "\(other.rawValue)")
        }
        #expect(aggregate.changes.updates.map(\.id) == [Self.id(path.item)])
        #expect(aggregate.changes.events.map(\.detail) == ["not yet"])
        #expect(aggregate.changes.dispatch.publish.isEmpty)
        if path.notMet == .awaitingConditions {
            let recheck = Self.now.addingTimeInterval(86_400)
            #expect(task.snapshot.nextAttemptAt == recheck)
            #expect(aggregate.changes.dispatch.schedule.map(\.at) == [recheck])
            #expect(aggregate.status == .inProgress)
        } else {
            #expect(aggregate.changes.dispatch.schedule.isEmpty)
            #expect(aggregate.status == .actionRequired)
            #expect(aggregate.changes.status == .actionRequired)
        }
    }

    @Test("a fault after the last allowed one: dead for an operator, while the pension chain keeps backing off", arguments: paths)
    func faultsExhausted(_ path: Path) throws {
        let policy = ItemCatalogue.definition(of: path.item).retryPolicy
        let failures = policy.maxTransientAttempts.map { $0 - 1 } ?? 500
        var aggregate = Self.running(path.item, TaskSnapshot(status: .running, attempt: 1, transientFailures: failures))
        #expect(try aggregate.apply(.transientFailure(reason: "timeout"), to: path.item, at: Self.context(),
                                    jitter: 0.5) == path.exhausted)
        aggregate.settleStatus()
        if path.exhausted == .dead {
            #expect(aggregate.changes.dispatch.isEmpty)
            #expect(aggregate.status == .actionRequired)
        } else {
            let at = try #require(aggregate.changes.dispatch.schedule.first?.at)
            #expect(at > Self.now && at <= Self.now.addingTimeInterval(3600))
            #expect(aggregate.status == .inProgress)
        }
    }

    @Test("abandoned after failing: everything that waited for it is cancelled and the case closes", arguments: paths)
    func abandoned(_ path: Path) throws {
        let failed = TaskSnapshot(status: path.notMet, attempt: 1, lastError: "not yet")
        var aggregate = Self.running(path.item, failed)
        // The filer may give a failed item up; the pension chain waiting on a condition is agency staff's to close.
        let requester: TaskEvent.Requester = path.notMet == .failed ? .filer : .operator
        if requester == .operator {
            #expect(throws: TransitionError.notPermitted(event: "abandon", from: .awaitingConditions, requester: .filer)) {
                try aggregate.apply(.abandon(by: .filer, reason: nil), to: path.item, at: Self.context())
            }
            #expect(aggregate.changes.isEmpty)
        }
        try aggregate.apply(.abandon(by: requester, reason: "retiree withdrew"), to: path.item,
                            at: Self.context(actor: "operator:li"))
        aggregate.settleStatus()
        #expect(aggregate.tasks[path.item]?.snapshot.status == .abandoned)
        let cancelled = Set(Item.allCases.filter { aggregate.tasks[$0]?.snapshot.status == .cancelled })
        #expect(cancelled == path.cancels)
        #expect(aggregate.changes.events.count == 1 + path.cancels.count)
        #expect(aggregate.changes.events.dropFirst().allSatisfy { $0.actor == "system" && $0.to == .cancelled })
        #expect(aggregate.changes.events.first?.actor == "operator:li")
        #expect(aggregate.status == .closed)
    }

    @Test("success releases what waited for it alone", arguments: paths)
    func succeeded(_ path: Path) throws {
        var aggregate = Self.running(path.item)
        #expect(try aggregate.apply(.succeeded(result: nil), to: path.item, at: Self.context()) == .succeeded)
        aggregate.settleStatus()
        var released: [Item: TaskStatus] = [:]
        for item in Item.allCases where item != path.item {
            let status = aggregate.tasks[item]?.snapshot.status
            if status != .blocked && status != .succeeded { released[item] = status }
        }
        #expect(released == path.releases)
        #expect(Set(aggregate.changes.dispatch.publish.map(\.id))
                == Set(path.releases.filter { $0.value == .queued }.keys.map(Self.id)))
        #expect(Set(aggregate.changes.dispatch.schedule.map(\.id))
                == Set(path.releases.filter { $0.value == .scheduled }.keys.map(Self.id)))
        for (item, status) in path.releases where status == .queued {
            // A released item's time limit starts now, from the working-day calendar.
            let limit = ItemCatalogue.definition(of: item).timeLimitWorkingDays
            let due = try WorkingDayCalendar.bundled().dueBy(timeLimitWorkingDays: limit, from: Self.now).value
            #expect(aggregate.tasks[item]?.snapshot.dueBy == due, "\(item.rawValue)")
        }
        #expect(aggregate.status == (path.releases.isEmpty && path.cancels.isEmpty ? .completed : .inProgress))
    }

    @Test("a pension approval that fails for good waits on: the payment stays blocked, the case goes on")
    func pensionApprovalNotMet() throws {
        var aggregate = Self.running(.socialBenefitApproval)
        try aggregate.apply(.conditionNotMet(reason: "contributions under 15 years"), to: .socialBenefitApproval,
                            at: Self.context())
        #expect(aggregate.tasks[.socialBenefitPayment]?.snapshot.status == .blocked)
        #expect(aggregate.settleStatus() == nil)
        #expect(aggregate.status == .inProgress)
    }

    @Test("the extraction waits for the real-name check when the seal succeeds before it")
    func releaseWaitsForRealName() throws {
        var aggregate = Self.running(.fundSeal, realNameCheckPending: true)
        try aggregate.apply(.succeeded(result: nil), to: .fundSeal, at: Self.context())
        #expect(aggregate.tasks[.fundExtraction]?.snapshot.status == .awaitingRealName)
        #expect(aggregate.changes.dispatch.isEmpty)
        var confirmed = Self.running(.fundSeal, realNameCheckPending: true)
        confirmed.confirmRealName()
        try confirmed.apply(.succeeded(result: nil), to: .fundSeal, at: Self.context())
        #expect(confirmed.tasks[.fundExtraction]?.snapshot.status == .queued)
    }

    @Test("a decision after the time limit ran out is a breach, counted once")
    func breach() throws {
        var aggregate = Self.running(.fundSeal, TaskSnapshot(status: .running, attempt: 1,
                                                             dueBy: Self.now.addingTimeInterval(-60)))
        try aggregate.apply(.succeeded(result: nil), to: .fundSeal, at: Self.context())
        #expect(aggregate.changes.breaches.map(\.item) == [.fundSeal])
    }

    @Test("a refused event changes nothing, and an item the case lacks is refused")
    func refusals() throws {
        var aggregate = Self.running(.fundSeal)
        #expect(throws: TransitionError.illegal(event: "succeeded", from: .blocked)) {
            try aggregate.apply(.succeeded(result: nil), to: .fundExtraction, at: Self.context())
        }
        #expect(aggregate.changes.isEmpty)
        var small = CaseAggregate(id: Self.caseID, status: .inProgress, realNameCheckPending: false,
                                  tasks: [CaseAggregate.Task(id: Self.id(.hrQualification), item: .hrQualification,
                                                             snapshot: TaskSnapshot(status: .running, attempt: 1))])
        #expect(throws: TransitionError.noTask(item: .fundSeal)) {
            try small.apply(.cancel(reason: "x"), to: .fundSeal, at: Self.context())
        }
        #expect(small.changes.isEmpty)
    }

    @Test("two events on one task write one row update, from the state it was loaded in")
    func updatesMerge() throws {
        var aggregate = Self.running(.medicalTransfer)
        try aggregate.apply(.conditionNotMet(reason: "no"), to: .medicalTransfer, at: Self.context())
        try aggregate.apply(.retrigger(by: .filer), to: .medicalTransfer, at: Self.context())
        let update = try #require(aggregate.changes.updates.first)
        #expect(aggregate.changes.updates.count == 1)
        #expect(update.from.status == .running)
        #expect(update.to.status == .queued)
        #expect(update.readyAt == Self.now)
        #expect(aggregate.changes.events.map(\.to) == [.failed, .queued])
    }
}

@Suite("TaskStatus lists")
struct TaskStatusListTests {
    @Test("the open statuses are those of the partial index tasks_open_due_agency (migration 0007)")
    func open() {
        #expect(Set(TaskStatus.open) == [.queued, .running, .retrying, .awaitingConditions, .scheduled, .awaitingRealName])
    }
}
