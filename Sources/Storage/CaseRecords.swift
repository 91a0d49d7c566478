import Foundation
import Model

/// A case as stored, with what it needs to be shown (masking happens where it is shown).
public struct CaseRecord: Sendable {
    public var id: UUID
    public var seq: Int
    public var caseNo: String
    public var status: CaseStatus
    public var filedAt: Date
    public var filedBy: FilerKind
    public var filedByToken: UUID
    public var organisation: String?
    public var retireeIDNumber: String
    public var retireeName: String
    public var sex: Sex
    public var birthDate: LocalDate
    public var category: RetirementCategory
    public var retirementDate: LocalDate
    public var choices: FilingChoices
    public var fundCentre: String?
    public var bankAccount: BankAccount?
    public var realNameRequired: Bool
    public var realNameDeadline: LocalDate?
    public var realNameDoneAt: Date?
    public var notices: [Notice]
    public var tasks: [TaskRecord]

    public init(id: UUID, seq: Int, caseNo: String, status: CaseStatus, filedAt: Date, filedBy: FilerKind,
                filedByToken: UUID, organisation: String?, retireeIDNumber: String, retireeName: String, sex: Sex,
                birthDate: LocalDate, category: RetirementCategory, retirementDate: LocalDate, choices: FilingChoices,
                fundCentre: String?, bankAccount: BankAccount?, realNameRequired: Bool, realNameDeadline: LocalDate?,
                realNameDoneAt: Date?, notices: [Notice], tasks: [TaskRecord]) {
        self.id = id
        self.seq = seq
        self.caseNo = caseNo
        self.status = status
        self.filedAt = filedAt
        self.filedBy = filedBy
        self.filedByToken = filedByToken
        self.organisation = organisation
        self.retireeIDNumber = retireeIDNumber
        self.retireeName = retireeName
        self.sex = sex
        self.birthDate = birthDate
        self.category = category
        self.retirementDate = retirementDate
        self.choices = choices
        self.fundCentre = fundCentre
        self.bankAccount = bankAccount
        self.realNameRequired = realNameRequired
        self.realNameDeadline = realNameDeadline
        self.realNameDoneAt = realNameDoneAt
        self.notices = notices
        self.tasks = tasks
    }

    /// The statutory retirement date (the retiree's own, from the birth date and category); the
    /// case's ``retirementDate`` differs from it when human resources approved a flexible date.
    public var statutoryRetirementDate: LocalDate {
        RetirementRule(category).retirementDate(birthDate: birthDate)
    }
}

/// One task of a case.
public struct TaskRecord: Sendable, Equatable {
    public var id: UUID
    public var item: Item
    public var agency: Agency
    public var status: TaskStatus
    public var attempt: Int
    public var dueBy: Date?
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var updatedAt: Date
    /// What the agency reported on success.
    public var result: TaskResult?
    /// When the current run of transient faults began.
    public var failingSince: Date?

    public init(id: UUID, item: Item, agency: Agency, status: TaskStatus, attempt: Int, dueBy: Date?,
                nextAttemptAt: Date?, lastError: String?, updatedAt: Date, result: TaskResult? = nil,
                failingSince: Date? = nil) {
        self.id = id
        self.item = item
        self.agency = agency
        self.status = status
        self.attempt = attempt
        self.dueBy = dueBy
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.updatedAt = updatedAt
        self.result = result
        self.failingSince = failingSince
    }

    /// The state machine's view of the task, for the rules that judge it (overdue, stalled).
    public var snapshot: TaskSnapshot {
        TaskSnapshot(status: status, attempt: attempt, nextAttemptAt: nextAttemptAt, lastError: lastError, dueBy: dueBy,
                     failingSince: failingSince, result: result)
    }

    /// Past its running time limit (a waiting task has none).
    public func isOverdue(at now: Date) -> Bool { snapshot.isOverdue(at: now) }

    /// Faulting for longer than its policy allows before a person should look (the pension chain).
    public func isStalled(at now: Date) -> Bool {
        snapshot.isStalled(at: now, policy: ItemCatalogue.definition(of: item).retryPolicy)
    }
}

/// One state change: who, when, from, to, attempt, detail.
public struct EventRecord: Sendable, Equatable {
    public var at: Date
    public var item: Item?
    public var from: String?
    public var to: String
    public var attempt: Int?
    public var actor: String
    public var detail: String?
}

/// A line of the case list.
public struct CaseSummary: Sendable {
    public var seq: Int
    public var caseNo: String
    public var status: CaseStatus
    public var filedAt: Date
    public var filedBy: FilerKind
    public var retireeName: String
    public var retireeIDNumber: String
    public var retirementDate: LocalDate
    public var organisation: String?
}

/// Which cases a list may show.
public enum CaseScope: Sendable {
    case all
    case organisation(String)
    case retiree(String)
}
