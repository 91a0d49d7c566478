import Agencies
import Foundation
import Runtime
import Hummingbird
import HummingbirdTesting
import Logging
import Model
import Postgres
import Queue
import Services
import Storage
import Synchronization
import Testing
import TestSupport

// Helpers shared by the tests of the guide's rules (issue 14): people, bodies, an engine driven by
// hand with a clock the test moves, and an agency gateway that records what it was asked.

// MARK: - People

/// The people of these tests and their dates (the 2024 decision's table).
enum People {
    /// A man born 1965-05-15: statutory retirement 2025-07-15 (60 years 2 months), filing open from 2025-06-15.
    static func man(_ sequence: Int = 3) -> String {
        precondition(sequence % 2 == 1, "odd sequence = male")
        return APIHarness.residentID(birth: "19650515", sequence: sequence)
    }

    /// A woman (even sequence) born on `birth` (YYYYMMDD).
    static func woman(_ birth: String = "19720310", sequence: Int = 4) -> String {
        precondition(sequence % 2 == 0, "even sequence = female")
        return APIHarness.residentID(birth: birth, sequence: sequence)
    }

    /// A 19-digit account number that passes the Luhn check.
    static let account: String = {
        let prefix = "622202020011223344"
        for digit in 0...9 where BankAccount.passesLuhn(prefix + String(digit)) { return prefix + String(digit) }
        fatalError("no Luhn digit")
    }()

    static func bank(holder: String = "张三") -> FilingRequest.Bank {
        FilingRequest.Bank(bank: "中国工商银行", accountNumber: account, holderName: holder)
    }
}

/// 10:00 Beijing time on a day.
func beijing(_ year: Int, _ month: Int, _ day: Int, hour: Int = 10, minute: Int = 0) -> Date {
    LocalDate(year: year, month: month, day: day)!.startOfDay(utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        .addingTimeInterval(Double(hour * 3600 + minute * 60))
}

/// A filing body, built from the API's own request type. `bank` defaults to the retiree's own
/// account when the action extracts.
func filingBody(_ idNumber: String, name: String = "张三", pension: Bool = false, medical: Bool = false,
                fund: HousingFundAction = .none, centre: String? = "changchun",
                bank: FilingRequest.Bank?? = .none) -> String {
    let account: FilingRequest.Bank? = switch bank {
    case .none: fund.extracts ? People.bank(holder: name) : nil
    case .some(let explicit): explicit
    }
    let request = FilingRequest(retiree: .init(name: name, idNumber: idNumber), pensionBenefit: pension,
                                medicalTransfer: medical,
                                housingFund: .init(action: fund, centre: fund == .none ? nil : centre),
                                bankAccount: account)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try! encoder.encode(request), as: UTF8.self)
}

/// A PUT /api/v1/prequalifications body.
func prequalificationBody(name: String = "张三", category: String = "male", organisation: String = "acme",
                          organisationKind: String? = nil, contributionMonths: Int = 300, deemedMonths: Int = 24,
                          fundCentre: String? = "changchun", fundAccountFrozen: Bool = false,
                          plannedRetirementDate: String? = nil) -> String {
    var object: [String: Any] = [
        "name": name, "category": category, "organisation": organisation, "passed": true,
        "contributionMonths": contributionMonths, "deemedMonths": deemedMonths, "medicalContributionMonths": 300,
        "fundAccountFrozen": fundAccountFrozen, "householdRegistered": true, "onlyChildParent": false,
    ]
    if let organisationKind { object["organisationKind"] = organisationKind }
    object["fundCentre"] = fundCentre ?? NSNull()
    object["plannedRetirementDate"] = plannedRetirementDate ?? NSNull()
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// The full pre-qualification body the API answers (GET and PUT).
struct PrequalificationBodyJSON: Decodable {
    let name, idNumber, sex, category, statutoryRetirementDate, retirementDate, earliestFilingDate: String
    let plannedRetirementDate: String?
    let organisation, organisationKind: String
    let contributionMonths, deemedMonths: Int
    let fundCentre: String?
    let fundAccountFrozen: Bool
}

extension Reply {
    /// The body as a JSON object.
    var object: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:]
    }
}

extension CaseJSON {
    func task(_ item: Item) -> TaskJSON? { tasks.first { $0.item == item.rawValue } }
    var items: [String] { tasks.map(\.item).sorted() }
}

extension TestClientProtocol {
    func put(_ uri: String, _ json: String, token: String) async throws -> Reply {
        try await send(.put, uri, headers: bearer(token), body: ByteBuffer(string: json))
    }

    func post(_ uri: String, _ json: String? = nil, token: String) async throws -> Reply {
        try await send(.post, uri, headers: bearer(token), body: json.map { ByteBuffer(string: $0) })
    }
}

/// RFC 3339 as the API writes it.
func apiTime(_ date: Date) -> String { date.formatted(.iso8601) }

// MARK: - A recording gateway

/// Passes every call to `inner` and keeps what was asked; items in `faulting` get a transient fault
/// instead (their agency is down).
final class RecordingAgencies: AgencyGateway {
    let inner: any AgencyGateway
    private let state = Mutex<(requests: [AgencyRequest], faulting: Set<Item>)>(([], []))

    init(_ inner: any AgencyGateway) {
        self.inner = inner
    }

    var requests: [AgencyRequest] { state.withLock { $0.requests } }

    func requests(for item: Item) -> [AgencyRequest] { requests.filter { $0.item == item } }

    func fault(_ items: Set<Item>) { state.withLock { $0.faulting = items } }

    func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        try await inner.checkHousehold(prequalification)
    }

    func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        try await inner.healthNotice(prequalification)
    }

    func perform(_ request: AgencyRequest) async throws -> AgencyOutcome {
        try await perform(batch: [request])[0].get()
    }

    func perform(batch requests: [AgencyRequest]) async -> [Result<AgencyOutcome, any Error>] {
        let faulting = state.withLock { state in
            state.requests += requests
            return state.faulting
        }
        let passed = requests.filter { !faulting.contains($0.item) }
        var answers = await inner.perform(batch: passed).makeIterator()
        return requests.map { request in
            faulting.contains(request.item) ? .failure(TransientAgencyError("\(request.item.agency.rawValue) is down")) : answers.next()!
        }
    }
}

// MARK: - An engine driven by hand

/// One test's API and a task runner on a clock the test moves, with the simulator behind a
/// recording gateway. Tasks run when the test says (``step()``), not through Redis consumers, so
/// every intermediate state can be looked at.
struct Rig {
    let h: APIHarness
    let clock: ManualClock
    let agencies: RecordingAgencies
    let runner: TaskRunner
    let calendar: WorkingDayCalendar
    let paymentDay: PensionPaymentDay
    let logger: Logger

    /// `start` is the first instant of the clock both the API and the runner see.
    static func make(start: Date = Date(timeIntervalSince1970: 1_764_468_000), simulator: SimulatedAgencies? = nil) async throws -> Rig {
        let clock = ManualClock(start)
        let h = try await APIHarness(clock: { clock.now })
        var logger = Logger(label: "rig")
        logger.logLevel = .warning
        let agencies = RecordingAgencies(simulator
            ?? SimulatedAgencies(ledger: PostgresEffectLedger(postgres: h.infrastructure.postgres), now: { clock.now }))
        let calendar = try WorkingDayCalendar.standard()
        let paymentDay = PensionPaymentDay(dayOfMonth: 15)!
        let runner = TaskRunner(tasks: PostgresTaskRepository(postgres: h.infrastructure.postgres),
                                queue: RedisTaskQueue(redis: h.infrastructure.redis, prefix: h.keyPrefix),
                                agencies: agencies, calendar: calendar, paymentDay: paymentDay, owner: "rig-worker",
                                logger: logger, now: { clock.now })
        return Rig(h: h, clock: clock, agencies: agencies, runner: runner, calendar: calendar, paymentDay: paymentDay,
                   logger: logger)
    }

    /// A runner like this rig's, on another gateway (a failing one, say).
    func runner(agencies: any AgencyGateway, owner: String = "other-worker") -> TaskRunner {
        TaskRunner(tasks: runner.tasks, queue: runner.queue, agencies: agencies,
                   calendar: calendar, paymentDay: paymentDay, owner: owner, logger: logger, now: { clock.now })
    }

    /// One task's row.
    struct Row: Sendable {
        let id: UUID
        let caseNo: String
        let item: Item
        let status: TaskStatus
        let attempt: Int
        let transientFailures: Int
        let dueBy: Date?
        let nextAttemptAt: Date?
        let failingSince: Date?
        let lastError: String?
    }

    /// Every task, of one case or of all.
    func rows(caseNo: String? = nil) async throws -> [Row] {
        try await h.infrastructure.postgres.query("""
            SELECT t.id, c.case_no, t.item, t.status, t.attempt, t.transient_failures, t.due_by, t.next_attempt_at,
                   t.failing_since, t.last_error
            FROM tasks t JOIN cases c ON c.id = t.case_id
            WHERE $1::text IS NULL OR c.case_no = $1 ORDER BY c.seq, t.item
            """, [caseNo]).rows.map { row in
            Row(id: try row.decode(UUID.self, "id"), caseNo: try row.decode(String.self, "case_no"),
                item: try #require(Item(rawValue: try row.decode(String.self, "item"))),
                status: try #require(TaskStatus(rawValue: try row.decode(String.self, "status"))),
                attempt: try row.decode(Int.self, "attempt"), transientFailures: try row.decode(Int.self, "transient_failures"),
                dueBy: try row.decodeIfPresent(Date.self, "due_by"),
                nextAttemptAt: try row.decodeIfPresent(Date.self, "next_attempt_at"),
                failingSince: try row.decodeIfPresent(Date.self, "failing_since"),
                lastError: try row.decodeIfPresent(String.self, "last_error"))
        }
    }

    /// One task of a case (the only case, when `caseNo` is nil and there is one).
    func row(_ item: Item, caseNo: String? = nil) async throws -> Row {
        let found = try await rows(caseNo: caseNo).filter { $0.item == item }
        return try #require(found.count == 1 ? found.first : nil, "\(found.count) tasks for \(item.rawValue)")
    }

    /// Runs every task a worker could claim now (ready, or waiting and due), one claim each, again
    /// and again until none is left; returns how many attempts ran. `using` replaces the rig's runner.
    @discardableResult
    func step(using other: TaskRunner? = nil, rounds: Int = 20) async throws -> Int {
        let runner = other ?? self.runner
        var ran = 0
        for _ in 0..<rounds {
            let due = try await h.infrastructure.postgres.query("""
                SELECT id, attempt FROM tasks
                WHERE status IN ('queued', 'retrying', 'awaitingConditions', 'scheduled')
                  AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                ORDER BY item
                """, [clock.now]).rows.map { (try $0.decode(UUID.self, "id"), try $0.decode(Int.self, "attempt")) }
            guard !due.isEmpty else { return ran }
            for (id, attempt) in due {
                _ = try await runner.run(taskID: id, attempt: attempt)
                ran += 1
            }
        }
        return ran
    }

    /// The case as the API shows it to `token`.
    func get(_ caseNo: String, token: String) async throws -> CaseJSON {
        let reply = try await h.app.test(.router) { try await $0.get("/api/v1/cases/\(caseNo)", token: token) }
        #expect(reply.status == .ok, "\(reply.text)")
        return try reply.decode(CaseJSON.self)
    }

    /// Files through the API and returns the reply.
    func file(_ json: String, token: String) async throws -> Reply {
        try await h.app.test(.router) { try await $0.file(json, token: token) }
    }

    /// Registers a pre-qualification directly, with the contribution record given.
    func prequalify(_ idNumber: String, name: String = "张三", category: RetirementCategory = .male,
                    organisation: String = "acme", organisationKind: OrganisationKind? = nil,
                    contributionMonths: Int = 300, deemedMonths: Int = 24, fundAccountFrozen: Bool = false,
                    plannedRetirementDate: LocalDate? = nil) async throws {
        let record = Prequalification(
            idNumber: try ResidentID(parsing: idNumber), name: name, category: category, organisation: organisation,
            passed: true, contributionMonths: contributionMonths, deemedMonths: deemedMonths, medicalContributionMonths: 300,
            fundCentre: "changchun", fundAccountFrozen: fundAccountFrozen, householdRegistered: true, onlyChildParent: false,
            plannedRetirementDate: plannedRetirementDate)
        #expect(record.validate() == nil)
        _ = try await h.infrastructure.postgres.withConnection {
            try PrequalificationStore.upsert(record, organisationKind: organisationKind, on: $0)
        }
    }

    /// The events of one item, oldest first, as "from→to" with actor and detail.
    func events(_ item: Item, caseNo: String? = nil) async throws -> [(from: String?, to: String, actor: String, detail: String?)] {
        try await h.infrastructure.postgres.query("""
            SELECT e.from_status, e.to_status, e.actor, e.detail FROM events e JOIN cases c ON c.id = e.case_id
            WHERE e.item = $1 AND ($2::text IS NULL OR c.case_no = $2) ORDER BY e.id
            """, [item.rawValue, caseNo]).rows.map {
            (try $0.decodeIfPresent(String.self, "from_status"), try $0.decode(String.self, "to_status"),
             try $0.decode(String.self, "actor"), try $0.decodeIfPresent(String.self, "detail"))
        }
    }
}
