import Foundation
import Model
import Storage

/// RFC 3339 UTC, as the API writes every time.
func rfc3339(_ date: Date) -> String {
    date.formatted(.iso8601)
}

/// A case as the API shows it: ID and account numbers masked.
struct CaseBody: Encodable {
    let record: CaseRecord
    let events: [EventRecord]?
    let warnings: [String]?
    /// The instant `overdue` is judged at.
    let now: Date

    enum Keys: String, CodingKey {
        case caseNo, status, filedAt, filedBy, retiree, statutoryRetirementDate, retirementDate, pensionBenefit
        case medicalTransfer, housingFund, bankAccount, realNameCheck, notices, tasks, events, warnings, organisation
        case overdue
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(record.caseNo, forKey: .caseNo)
        try c.encode(record.status.rawValue, forKey: .status)
        try c.encode(record.tasks.contains { $0.isOverdue(at: now) }, forKey: .overdue)
        try c.encode(rfc3339(record.filedAt), forKey: .filedAt)
        try c.encode(record.filedBy.rawValue, forKey: .filedBy)
        try c.encode(record.organisation, forKey: .organisation)
        // No birth date: beside the masked number it would give the whole number back.
        try c.encode(RetireeBody(name: record.retireeName, idNumber: maskID(record.retireeIDNumber),
                                 sex: record.sex.rawValue, category: record.category.rawValue), forKey: .retiree)
        try c.encode(record.statutoryRetirementDate.iso8601, forKey: .statutoryRetirementDate)
        try c.encode(record.retirementDate.iso8601, forKey: .retirementDate)
        try c.encode(record.choices.pensionBenefit, forKey: .pensionBenefit)
        try c.encode(record.choices.medicalTransfer, forKey: .medicalTransfer)
        try c.encode(HousingFundBody(action: record.choices.housingFund.rawValue, centre: record.fundCentre), forKey: .housingFund)
        try c.encode(record.bankAccount.map {
            BankBody(bank: $0.bank, accountNumber: $0.masked, holderName: $0.holderName)
        }, forKey: .bankAccount)
        try c.encode(RealNameBody(required: record.realNameRequired, deadline: record.realNameDeadline?.iso8601,
                                  doneAt: record.realNameDoneAt.map(rfc3339)), forKey: .realNameCheck)
        try c.encode(record.notices, forKey: .notices)
        try c.encode(record.tasks.map { TaskBody($0, now: now) }, forKey: .tasks)
        if let events { try c.encode(events.map(EventBody.init), forKey: .events) }
        if let warnings { try c.encode(warnings, forKey: .warnings) }
    }
}

/// The masked form of a resident ID as stored: `220102********0036`.
func maskID(_ number: String) -> String {
    ResidentID.mask(number)
}

struct RetireeBody: Encodable {
    let name: String, idNumber: String, sex: String, category: String
}

struct HousingFundBody: Encodable {
    let action: String
    let centre: String?
    enum Keys: String, CodingKey { case action, centre }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(action, forKey: .action)
        try c.encode(centre, forKey: .centre)
    }
}

struct BankBody: Encodable {
    let bank: String, accountNumber: String, holderName: String
}

struct RealNameBody: Encodable {
    let required: Bool
    let deadline: String?
    let doneAt: String?
    enum Keys: String, CodingKey { case required, deadline, doneAt }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(required, forKey: .required)
        try c.encode(deadline, forKey: .deadline)
        try c.encode(doneAt, forKey: .doneAt)
    }
}

struct TaskBody: Encodable {
    let task: TaskRecord
    let now: Date
    init(_ task: TaskRecord, now: Date) {
        self.task = task
        self.now = now
    }

    enum Keys: String, CodingKey {
        case item, agency, status, attempts, dueBy, overdue, stalled, nextAttemptAt, lastError, result, updatedAt
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(task.item.rawValue, forKey: .item)
        try c.encode(task.agency.rawValue, forKey: .agency)
        try c.encode(task.status.rawValue, forKey: .status)
        try c.encode(task.attempt, forKey: .attempts)
        // A waiting task has no running limit: dueBy null, never overdue.
        try c.encode(task.dueBy.map(rfc3339), forKey: .dueBy)
        try c.encode(task.isOverdue(at: now), forKey: .overdue)
        try c.encode(task.isStalled(at: now), forKey: .stalled)
        try c.encode(task.nextAttemptAt.map(rfc3339), forKey: .nextAttemptAt)
        try c.encode(task.lastError.map { Redaction.maskNumbers($0) }, forKey: .lastError)
        try c.encode(task.result, forKey: .result)
        try c.encode(rfc3339(task.updatedAt), forKey: .updatedAt)
    }
}

struct EventBody: Encodable {
    let event: EventRecord
    init(_ event: EventRecord) { self.event = event }
    enum Keys: String, CodingKey { case at, item, from, to, attempt, actor, detail }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(rfc3339(event.at), forKey: .at)
        try c.encode(event.item?.rawValue, forKey: .item)
        try c.encode(event.from, forKey: .from)
        try c.encode(event.to, forKey: .to)
        try c.encode(event.attempt, forKey: .attempt)
        try c.encode(event.actor, forKey: .actor)
        try c.encode(event.detail.map { Redaction.maskNumbers($0) }, forKey: .detail)
    }
}

struct CaseSummaryBody: Encodable {
    let caseNo: String, status: String, filedAt: String, filedBy: String
    let retiree: SummaryRetiree, retirementDate: String
    struct SummaryRetiree: Encodable { let name: String, idNumber: String }

    init(_ summary: CaseSummary) {
        caseNo = summary.caseNo
        status = summary.status.rawValue
        filedAt = rfc3339(summary.filedAt)
        filedBy = summary.filedBy.rawValue
        retiree = SummaryRetiree(name: summary.retireeName, idNumber: maskID(summary.retireeIDNumber))
        retirementDate = summary.retirementDate.iso8601
    }
}

struct CaseListBody: Encodable {
    let cases: [CaseSummaryBody]
    let nextCursor: String?
    enum Keys: String, CodingKey { case cases, nextCursor }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(cases, forKey: .cases)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A pre-qualification as the API shows it. No birth date: beside the masked number it would give
/// the whole number back.
struct PrequalificationBody: Encodable {
    let name: String, idNumber: String, sex: String, category: String
    let statutoryRetirementDate: String, retirementDate: String, plannedRetirementDate: String?
    let earliestFilingDate: String, organisation: String, organisationKind: String
    let passed: Bool, contributionMonths: Int, deemedMonths: Int, medicalContributionMonths: Int
    let fundCentre: String?, fundAccountFrozen: Bool, householdRegistered: Bool, onlyChildParent: Bool

    init(_ record: Prequalification) {
        name = record.name
        idNumber = record.idNumber.masked
        sex = record.idNumber.sex.rawValue
        category = record.category.rawValue
        statutoryRetirementDate = record.statutoryRetirementDate.iso8601
        retirementDate = record.retirementDate.iso8601
        plannedRetirementDate = record.plannedRetirementDate?.iso8601
        earliestFilingDate = record.earliestFilingDate.iso8601
        organisation = record.organisation
        organisationKind = record.organisationKind.rawValue
        passed = record.passed
        contributionMonths = record.contributionMonths
        deemedMonths = record.deemedMonths
        medicalContributionMonths = record.medicalContributionMonths
        fundCentre = record.fundCentre
        fundAccountFrozen = record.fundAccountFrozen
        householdRegistered = record.householdRegistered
        onlyChildParent = record.onlyChildParent
    }

    enum Keys: String, CodingKey {
        case name, idNumber, sex, category, statutoryRetirementDate, retirementDate, plannedRetirementDate
        case earliestFilingDate, organisation, organisationKind, passed, contributionMonths, deemedMonths
        case medicalContributionMonths, fundCentre, fundAccountFrozen, householdRegistered, onlyChildParent
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(idNumber, forKey: .idNumber)
        try c.encode(sex, forKey: .sex)
        try c.encode(category, forKey: .category)
        try c.encode(statutoryRetirementDate, forKey: .statutoryRetirementDate)
        try c.encode(retirementDate, forKey: .retirementDate)
        try c.encode(plannedRetirementDate, forKey: .plannedRetirementDate)
        try c.encode(earliestFilingDate, forKey: .earliestFilingDate)
        try c.encode(organisation, forKey: .organisation)
        try c.encode(organisationKind, forKey: .organisationKind)
        try c.encode(passed, forKey: .passed)
        try c.encode(contributionMonths, forKey: .contributionMonths)
        try c.encode(deemedMonths, forKey: .deemedMonths)
        try c.encode(medicalContributionMonths, forKey: .medicalContributionMonths)
        try c.encode(fundCentre, forKey: .fundCentre)
        try c.encode(fundAccountFrozen, forKey: .fundAccountFrozen)
        try c.encode(householdRegistered, forKey: .householdRegistered)
        try c.encode(onlyChildParent, forKey: .onlyChildParent)
    }
}

/// The body of `PUT /api/v1/prequalifications/{idNumber}`.
struct PrequalificationInput: Decodable {
    let name: String
    let category: RetirementCategory
    let organisation: String
    /// The organisation's kind, when the feed knows it (a new organisation is otherwise an employer).
    let organisationKind: OrganisationKind?
    let passed: Bool
    let contributionMonths: Int
    let deemedMonths: Int
    let medicalContributionMonths: Int
    let fundCentre: String?
    let fundAccountFrozen: Bool?
    let householdRegistered: Bool?
    let onlyChildParent: Bool?
    /// `YYYY-MM-DD`: a flexible retirement date human resources approved.
    let plannedRetirementDate: String?
}

/// The body of `POST /cases/{caseNo}/tasks/{item}/abandon`: `{}` or `{"reason": "..."}` (operators must give one).
struct AbandonInput: Decodable {
    let reason: String?
}

/// `GET /api/v1/fund-centres`: one centre.
struct FundCentreBody: Encodable {
    let code: String, name: String
}

/// The body of `POST /cases/{caseNo}/real-name-check`: `{}` or `{"verifiedAt": "..."}`.
struct RealNameInput: Decodable {
    let verifiedAt: String?
}

/// `GET /api/v1/calendar/{year}`: the days off and the working weekend days, and whether they come
/// from the State Council's notice or are computed from the holiday law.
struct CalendarBody: Encodable {
    let year: Int
    let source: String
    let daysOff: [String]
    let workingWeekendDays: [String]

    init(_ year: CalendarYear) {
        self.year = year.year
        source = year.source.rawValue
        daysOff = year.daysOff.sorted().map(\.iso8601)
        workingWeekendDays = year.workingWeekendDays.sorted().map(\.iso8601)
    }
}
