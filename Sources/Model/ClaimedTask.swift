import Foundation

/// A task a worker holds: what it needs to call the agency.
public struct ClaimedTask: Sendable, Equatable {
    public var id: UUID
    public var caseID: UUID
    public var item: Item
    public var agency: Agency
    /// The attempt this claim made; the outcome applies only to it.
    public var attempt: Int
    public var retireeIDNumber: String
    /// What the agency needs; nil when the case's pre-qualification is gone.
    public var work: AgencyWork?
    /// The time limit of this step (from the working-day calendar), if it has one.
    public var dueBy: Date? = nil

    public init(id: UUID, caseID: UUID, item: Item, agency: Agency, attempt: Int, retireeIDNumber: String,
                work: AgencyWork?, dueBy: Date? = nil) {
        self.id = id
        self.caseID = caseID
        self.item = item
        self.agency = agency
        self.attempt = attempt
        self.retireeIDNumber = retireeIDNumber
        self.work = work
        self.dueBy = dueBy
    }
}

/// The outcome of one claimed attempt, to be committed.
public struct Completion: Sendable {
    public var task: ClaimedTask
    public var event: TaskEvent
    /// A number in `0..<1` for the backoff's full jitter.
    public var jitter: Double

    public init(task: ClaimedTask, event: TaskEvent, jitter: Double) {
        self.task = task
        self.event = event
        self.jitter = jitter
    }
}

/// What committing a set of completions did.
public struct CompletionResult: Sendable {
    /// What became ready or was scheduled, for Redis.
    public var dispatch = Dispatch()
    /// The new status of each task whose outcome applied; a task missing here was stale (its
    /// attempt is no longer the task's), or its transition was refused.
    public var statuses: [UUID: TaskStatus] = [:]
    /// Tasks whose agency decided after the time limit had run out (each limit counts once).
    public var breaches: [(id: UUID, item: Item)] = []

    public init() {}
}

/// The data of one piece of agency work, as the case and its pre-qualification hold it.
public struct AgencyWork: Sendable, Equatable {
    /// What the filer asked of the housing-fund centre they chose.
    public struct HousingFund: Sendable, Equatable {
        public var action: HousingFundAction
        public var centre: String

        public init(action: HousingFundAction, centre: String) {
            self.action = action
            self.centre = centre
        }
    }

    public var idempotencyKey: String
    public var item: Item
    public var caseNo: String
    public var retirementDate: LocalDate
    public var prequalification: Prequalification
    /// For `fund.*` items: the filer's choice of action and centre.
    public var housingFund: HousingFund?
    /// For `fund.extraction` only: where the balance is paid (the full number: the centre needs it).
    public var bankAccount: BankAccount?

    public init(idempotencyKey: String, item: Item, caseNo: String, retirementDate: LocalDate,
                prequalification: Prequalification, housingFund: HousingFund?, bankAccount: BankAccount?) {
        self.idempotencyKey = idempotencyKey
        self.item = item
        self.caseNo = caseNo
        self.retirementDate = retirementDate
        self.prequalification = prequalification
        self.housingFund = housingFund
        self.bankAccount = bankAccount
    }
}
