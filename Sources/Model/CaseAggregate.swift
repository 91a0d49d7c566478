import Foundation

/// One case and its tasks: the boundary every change of a task goes through.
///
/// ``apply(_:to:at:)`` runs one event through ``TaskTransition`` and then what the case's rules make
/// of it — a success releases what waited for it (``ItemCatalogue/releasable(after:statuses:)``),
/// an abandon, a cancellation or a missed real-name deadline cancels every item that waited for it
/// (``ItemCatalogue/transitiveDependants(of:in:)``), a time limit that starts gets its due instant
/// from the working-day calendar — and ``settleStatus()`` derives the case status. Nothing is read
/// or written here: the changes collect in ``changes`` for the storage layer to write in one
/// transaction, and ``CaseChanges/dispatch`` says what to hand to the queue after it commits.
///
/// "What happens when a pension approval fails" is therefore answered by the pension item's
/// ``ItemDefinition`` (its retry policy and what waits for it), ``TaskTransition`` and this type.
public struct CaseAggregate: Sendable {
    /// One task of the case as the aggregate holds it.
    public struct Task: Sendable, Hashable {
        public let id: UUID
        public let item: Item
        public var snapshot: TaskSnapshot
        /// When the lease of a running task ends (nil otherwise); a transition ends the lease.
        public var leaseExpiresAt: Date?

        public init(id: UUID, item: Item, snapshot: TaskSnapshot, leaseExpiresAt: Date? = nil) {
            self.id = id
            self.item = item
            self.snapshot = snapshot
            self.leaseExpiresAt = leaseExpiresAt
        }
    }

    /// What is fixed for one call: the instant, the calendars and who acts.
    public struct Context: Sendable {
        public var now: Date
        public var calendar: WorkingDayCalendar
        public var paymentDay: PensionPaymentDay
        /// Who the event comes from, as the history shows it (`worker:…`, `operator:…`, `system:…`).
        public var actor: String

        public init(now: Date, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay, actor: String) {
            self.now = now
            self.calendar = calendar
            self.paymentDay = paymentDay
            self.actor = actor
        }
    }

    public let id: UUID
    /// The case status as last derived (the stored one until ``settleStatus()`` runs).
    public private(set) var status: CaseStatus
    /// Whether the retiree still has to pass the real-name check: releases wait for it.
    public private(set) var realNameCheckPending: Bool
    public private(set) var tasks: [Item: Task]
    /// Everything changed since the aggregate was loaded.
    public private(set) var changes = CaseChanges()

    public init(id: UUID, status: CaseStatus, realNameCheckPending: Bool, tasks: some Sequence<Task>) {
        self.id = id
        self.status = status
        self.realNameCheckPending = realNameCheckPending
        self.tasks = Dictionary(tasks.map { ($0.item, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The task with this id, if the case has it.
    public func task(_ id: UUID) -> Task? {
        tasks.values.first { $0.id == id }
    }

    /// The case's items in this status, in catalogue order.
    public func items(status: TaskStatus) -> [Item] {
        Item.allCases.filter { tasks[$0]?.snapshot.status == status }
    }

    /// Records that the retiree passed the real-name check: later releases no longer wait for it.
    public mutating func confirmRealName() {
        realNameCheckPending = false
    }

    /// Applies an event to one task and everything the case's rules make of it, all or nothing:
    /// when any transition is refused, nothing of this call is kept and the refusal is thrown.
    /// Returns the task's new status.
    @discardableResult
    public mutating func apply(_ event: TaskEvent, to item: Item, at context: Context,
                               jitter: Double = 0) throws(TransitionError) -> TaskStatus {
        var copy = self
        let status = try copy.applyOne(event, to: item, at: context, jitter: jitter)
        self = copy
        return status
    }

    /// Derives the case status from its tasks; records and returns the new one when it moved.
    @discardableResult
    public mutating func settleStatus() -> CaseStatus? {
        let derived = CaseStatus.derive(from: tasks.values.map(\.snapshot.status))
        guard derived != status else { return nil }
        status = derived
        changes.status = derived
        return derived
    }

    private mutating func applyOne(_ event: TaskEvent, to item: Item, at context: Context,
                                   jitter: Double) throws(TransitionError) -> TaskStatus {
        guard let task = tasks[item] else { throw .noTask(item: item) }
        let now = context.now
        let definition = ItemCatalogue.definition(of: item)
        let outcome = try TaskTransition.apply(event, to: task.snapshot, now: now, policy: definition.retryPolicy,
                                               jitter: jitter).get()
        var next = outcome.task
        if outcome.timeLimit == .starts {
            next.dueBy = context.calendar.dueBy(timeLimitWorkingDays: definition.timeLimitWorkingDays, from: now).value
        }
        switch event {
        case .succeeded, .conditionNotMet:
            // The agency decided after its time limit ran out: counted once, since a decision ends it.
            if task.snapshot.isOverdue(at: now) { changes.breaches.append((task.id, item)) }
        default:
            break
        }
        tasks[item]?.snapshot = next
        tasks[item]?.leaseExpiresAt = nil
        let becameReady = outcome.status == .queued && task.snapshot.status != .queued
        changes.update(task.id, from: task.snapshot, to: next, readyAt: becameReady ? now : nil)

        var detail: String?
        for effect in outcome.effects {
            switch effect {
            case .recordEvent(let text): detail = text
            case .publish: changes.dispatch.publish.append((task.id, item.agency, outcome.attempt))
            case .schedule(let at): changes.dispatch.schedule.append((task.id, item.agency, outcome.attempt, at))
            case .releaseDependants, .cancelDependants: break  // below, once the event is recorded
            }
        }
        changes.events.append(CaseChanges.Event(
            caseID: id, taskID: task.id, item: item, at: now, from: task.snapshot.status, to: outcome.status,
            attempt: outcome.attempt, actor: context.actor, detail: detail ?? event.name))

        var system = context
        system.actor = "system"
        if outcome.effects.contains(.cancelDependants) {
            // What waits for an item that will not happen cannot happen either.
            for dependant in ItemCatalogue.transitiveDependants(of: item, in: Set(tasks.keys)) {
                guard let status = tasks[dependant]?.snapshot.status, !status.isTerminal, status != .running
                else { continue }
                try applyOne(.cancel(reason: "\(item.rawValue) will not be done"), to: dependant, at: system, jitter: 0)
            }
        }
        if outcome.effects.contains(.releaseDependants) {
            for released in ItemCatalogue.releasable(after: item, statuses: tasks.mapValues(\.snapshot.status)) {
                let release = ItemCatalogue.definition(of: released)
                    .releaseEvent(realNameCheckPending: realNameCheckPending, paymentDay: context.paymentDay, now: now)
                try applyOne(release, to: released, at: system, jitter: 0)
            }
        }
        return outcome.status
    }
}

/// What changed in a case: the task rows (each with the state it was read in, so the write can
/// check that nothing else changed it meanwhile), the history entries, the case status, and what
/// the queue must carry out after the changes commit.
public struct CaseChanges: Sendable {
    /// One task's change, from the state it was loaded in to its latest.
    public struct TaskUpdate: Sendable, Hashable {
        public let id: UUID
        /// The state the task was loaded in; the write applies only if it still holds.
        public let from: TaskSnapshot
        public var to: TaskSnapshot
        /// When the task became ready for an agency (queued), if it did in this change.
        public var readyAt: Date?
    }

    /// One entry of the case's history.
    public struct Event: Sendable, Hashable {
        public let caseID: UUID
        public let taskID: UUID
        public let item: Item
        public let at: Date
        public let from: TaskStatus?
        public let to: TaskStatus
        public let attempt: Int
        public let actor: String
        public let detail: String?

        public init(caseID: UUID, taskID: UUID, item: Item, at: Date, from: TaskStatus?, to: TaskStatus,
                    attempt: Int, actor: String, detail: String?) {
            self.caseID = caseID
            self.taskID = taskID
            self.item = item
            self.at = at
            self.from = from
            self.to = to
            self.attempt = attempt
            self.actor = actor
            self.detail = detail
        }
    }

    /// Task updates in the order the tasks were first changed, one per task.
    public private(set) var updates: [TaskUpdate] = []
    private var position: [UUID: Int] = [:]
    /// History entries in the order they happened.
    public internal(set) var events: [Event] = []
    /// The new case status, when it moved.
    public internal(set) var status: CaseStatus?
    /// What to publish or schedule once the changes have committed.
    public internal(set) var dispatch = Dispatch()
    /// Tasks whose agency decided after the time limit had run out.
    public internal(set) var breaches: [(id: UUID, item: Item)] = []

    public init() {}

    /// Whether nothing changed.
    public var isEmpty: Bool { updates.isEmpty && events.isEmpty && status == nil }

    mutating func update(_ id: UUID, from: TaskSnapshot, to snapshot: TaskSnapshot, readyAt: Date?) {
        if let index = position[id] {
            updates[index].to = snapshot
            if let readyAt { updates[index].readyAt = readyAt }
        } else {
            position[id] = updates.count
            updates.append(TaskUpdate(id: id, from: from, to: snapshot, readyAt: readyAt))
        }
    }
}

/// What to do in the queue once a change has committed.
public struct Dispatch: Sendable {
    /// Tasks to publish now.
    public var publish: [(id: UUID, agency: Agency, attempt: Int)] = []
    /// Tasks to put in their agency's delayed set, due at a time.
    public var schedule: [(id: UUID, agency: Agency, attempt: Int, at: Date)] = []

    public init(publish: [(id: UUID, agency: Agency, attempt: Int)] = [],
                schedule: [(id: UUID, agency: Agency, attempt: Int, at: Date)] = []) {
        self.publish = publish
        self.schedule = schedule
    }

    public var isEmpty: Bool { publish.isEmpty && schedule.isEmpty }

    /// Adds what another change dispatches.
    public mutating func append(_ other: Dispatch) {
        publish += other.publish
        schedule += other.schedule
    }
}
