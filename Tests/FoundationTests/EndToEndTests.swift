import Foundation
import Logging
import Model
import Postgres
import Runtime
import Storage
import Testing
import TestSupport

/// The whole system as processes — `dashboard`, `workers`, and with `AGENCY_MODE=http` the simulator
/// served by `workers simulate-agencies` — driven through the HTTP API, on a clock the test moves
/// (`ONETHING_TEST_CLOCK_FILE`). Every test ends by checking the simulator's ledger: one effect per
/// succeeded task, none for any other.
@Suite("End to end: processes, both agency modes", .serialized)
struct EndToEndTests {
    static let modes = ["simulated", "http"]
    static let offset = LocalDate.chinaStandardTimeOffset
    static let man = APIHarness.residentID(birth: "19650515", sequence: 3)
    static let retirement = RetirementRule(.male).retirementDate(birthDate: LocalDate(year: 1965, month: 5, day: 15)!)

    static func at(_ day: LocalDate, hour: Int = 10) -> Date {
        day.startOfDay(utcOffsetSeconds: offset).addingTimeInterval(Double(hour) * 3_600)
    }

    /// The first day on or after `day` whose day of the month can be a payment day (1–28).
    static func payable(onOrAfter day: LocalDate) -> LocalDate {
        var candidate = day
        while candidate.day > 28 { candidate = candidate.adding(days: 1) }
        return candidate
    }

    /// One test's running system: its own schema, key prefix, clock file and processes.
    final class System: @unchecked Sendable {
        // @unchecked: one test drives its system from one task at a time.
        let schema: TestSchema
        let prefix: String
        let infrastructure: Infrastructure
        let clockFile: String
        let dashboardPort: Int
        var processes: [ChildProcess] = []
        let mode: String

        /// `agencyURLs`: with `mode == "http"`, the `AGENCY_BASE_URLS` of agencies the test serves itself;
        /// nil starts `workers simulate-agencies` and points every agency (police and health too) at it.
        init(mode: String, clock: Date, paymentDay: Int, prequalifications: [Prequalification],
             logLevel: String = "warning", agencyURLs: String? = nil) async throws {
            self.mode = mode
            schema = try TestSchema("e2e")
            prefix = TestEnvironment.uniqueName("e2e")
            clockFile = NSTemporaryDirectory() + "clock-\(prefix)"
            infrastructure = try Infrastructure(databaseURL: TestEnvironment.databaseURL, redisURL: TestEnvironment.redisURL,
                                                keyPrefix: prefix, databaseSchema: schema.name, postgresPoolSize: 2,
                                                redisPoolSize: 1, applicationName: "e2e-test")
            var logger = Logger(label: "e2e")
            logger.logLevel = .warning
            try await infrastructure.migrate(logger: logger)
            for record in prequalifications {
                try await infrastructure.postgres.withConnection {
                    try PrequalificationStore.upsert(record, organisationKind: record.organisationKind, on: $0)
                }
            }
            dashboardPort = try freeLoopbackPort()
            try set(clock)
            var environment = [
                "DATABASE_URL": TestEnvironment.databaseURL, "REDIS_URL": TestEnvironment.redisURL,
                "ONETHING_TEST_CLOCK_FILE": clockFile, "PENSION_PAYMENT_DAY": "\(paymentDay)",
                "DEADLINE_SWEEP_SECONDS": "1",
                // The checks at filing answer in milliseconds here; a loaded test machine must not make them time out.
                "AGENCY_CHECK_TIMEOUT_SECONDS": "15",
            ]
            let common = ["--database-schema", schema.name, "--key-prefix", prefix, "--log-level", logLevel]
            if mode == "http" {
                if let agencyURLs {
                    environment["AGENCY_BASE_URLS"] = agencyURLs
                } else {
                    let simulatorPort = try freeLoopbackPort()
                    processes.append(try ChildProcess(try builtExecutable("workers"),
                                                      ["simulate-agencies", "--port", "\(simulatorPort)"] + common,
                                                      environment: environment))
                    let base = "http://127.0.0.1:\(simulatorPort)"
                    environment["AGENCY_BASE_URLS"] = (Agency.allCases.map(\.rawValue) + NoticeAgency.allCases.map(\.rawValue))
                        .map { "\($0)=\(base)/\($0)" }.joined(separator: ",")
                    let up = try await waitUntil(timeout: .seconds(30)) {
                        (try? httpRequest("GET", "\(base)/healthz").status) == 200
                    }
                    guard up else { throw ScratchError("the agency simulator did not start: \(processes.last!.log)") }
                }
                environment["AGENCY_MODE"] = "http"
                // Proof that the workers really go through HTTP: their own simulator would refuse
                // every medical transfer; the one served over HTTP has the default requirement.
                environment["SIMULATOR_MEDICAL_MONTHS_MEN"] = "9999"
            }
            processes.append(try ChildProcess(try builtExecutable("dashboard"),
                                              ["serve", "--port", "\(dashboardPort)"] + common, environment: environment))
            processes.append(try ChildProcess(try builtExecutable("workers"), [
                "run", "--metrics-port", "\(try freeLoopbackPort())", "--lease", "20", "--visibility-timeout", "5",
            ] + common, environment: environment))
            let ready = try await waitUntil(timeout: .seconds(30)) {
                (try? httpRequest("GET", "http://127.0.0.1:\(dashboardPort)/readyz").status) == 200
            }
            guard ready else { throw ScratchError("the dashboard did not start: \(logs)") }
        }

        func set(_ clock: Date) throws {
            try clock.formatted(.iso8601).write(toFile: clockFile, atomically: true, encoding: .utf8)
        }

        func token(_ role: Caller.Role, organisation: String? = nil, idNumber: String? = nil) async throws -> String {
            try await infrastructure.postgres.withConnection {
                try TokenStore.create(role: role, name: "\(role.rawValue)-e2e", organisation: organisation,
                                      organisationKind: nil, idNumber: idNumber, on: $0)
            }
        }

        func api(_ method: String, _ path: String, token: String, body: String? = nil) throws -> (status: Int, body: String) {
            try httpRequest(method, "http://127.0.0.1:\(dashboardPort)\(path)",
                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
        }

        func tasks() async throws -> [String: String] {
            var result: [String: String] = [:]
            for row in try await infrastructure.postgres.query("SELECT item, status FROM tasks") {
                result[try row.decode(String.self, "item")] = try row.decode(String.self, "status")
            }
            return result
        }

        func caseStatus() async throws -> String? {
            try await infrastructure.postgres.query("SELECT status FROM cases").first?.decode(String.self, "status")
        }

        func caseNo() async throws -> String {
            try #require(try await infrastructure.postgres.query("SELECT case_no FROM cases").first?.decode(String.self, "case_no"))
        }

        /// Waits until `condition` holds for the tasks (item → status) and no task is running.
        func settle(timeout: Duration = .seconds(60), _ condition: @escaping @Sendable ([String: String]) -> Bool) async throws -> Bool {
            try await waitUntil(timeout: timeout) {
                let current = try await self.tasks()
                return condition(current) && !current.values.contains("running")
            }
        }

        /// One effect per succeeded task, none for any other, each applied once.
        func expectLedgerMatches() async throws {
            let rows = try await infrastructure.postgres.query("""
                SELECT t.status, l.calls FROM tasks t LEFT JOIN simulator_ledger l ON l.idempotency_key = t.id::text
                """)
            for row in rows {
                let status = try row.decode(String.self, "status")
                let calls = try row.decodeIfPresent(Int.self, "calls")
                if status == "succeeded" { #expect(calls != nil, "a succeeded task without its effect") }
                else { #expect(calls == nil, "a \(status) task has an effect") }
            }
            let orphans = try await infrastructure.postgres.query("""
                SELECT count(*) AS n FROM simulator_ledger l WHERE NOT EXISTS
                    (SELECT 1 FROM tasks t WHERE t.id::text = l.idempotency_key)
                """).first?.decode(Int.self, "n")
            #expect(orphans == 0)
        }

        var logs: String { processes.map(\.log).joined(separator: "\n") }

        func stop() async {
            for process in processes.reversed() {
                process.signal(SIGTERM)
                _ = try? await process.wait(timeout: .seconds(30))
            }
            await infrastructure.shutdown()
            try? schema.drop()
            try? FileManager.default.removeItem(atPath: clockFile)
        }
    }

    static func prequalification(medicalMonths: Int = 300, frozen: Bool = false) throws -> Prequalification {
        Prequalification(idNumber: try ResidentID(parsing: man), name: "张三", category: .male, organisation: "acme",
                         passed: true, contributionMonths: 300, deemedMonths: 24, medicalContributionMonths: medicalMonths,
                         fundCentre: "changchun", fundAccountFrozen: frozen, householdRegistered: true, onlyChildParent: false)
    }

    /// A system whose clock reads a few days after the retiree's retirement, on a payment day.
    static func startedAfterRetirement(mode: String, _ record: Prequalification, logLevel: String = "warning") async throws -> System {
        let day = payable(onOrAfter: retirement.adding(days: 3))
        return try await System(mode: mode, clock: at(day), paymentDay: day.day, prequalifications: [record], logLevel: logLevel)
    }

    static func filing(pension: Bool = false, medical: Bool = false, fund: String = "none") -> String {
        let bank = fund == "sealAndExtract"
            ? #", "bankAccount": {"bank": "中国工商银行", "accountNumber": "6222020200112233445", "holderName": "张三"}"# : ""
        let centre = fund == "none" ? "" : #", "centre": "changchun""#
        return #"{"retiree": {"name": "张三", "idNumber": "\#(man)"}, "pensionBenefit": \#(pension), "medicalTransfer": \#(medical), "housingFund": {"action": "\#(fund)"\#(centre)}\#(bank)}"#
    }

    @Test("a full case with every item reaches completed", arguments: modes)
    func fullCase(mode: String) async throws {
        let system = try await Self.startedAfterRetirement(mode: mode, try Self.prequalification())
        let agent = try await system.token(.agent, organisation: "acme")
        let retiree = try await system.token(.individual, idNumber: Self.man)
        let filed = try system.api("POST", "/api/v1/cases", token: agent,
                                   body: Self.filing(pension: true, medical: true, fund: "sealAndExtract"))
        #expect(filed.status == 201, "\(filed.body)")
        let number = try await system.caseNo()
        #expect(try system.api("POST", "/api/v1/cases/\(number)/real-name-check", token: retiree, body: "{}").status == 200)
        let completed = try await system.settle { tasks in tasks.count == 10 && tasks.values.allSatisfy { $0 == "succeeded" } }
        let tasks = try await system.tasks()
        #expect(completed, "\(tasks)\n\(system.logs)")
        #expect(try await system.caseStatus() == "completed")
        let shown = try system.api("GET", "/api/v1/cases/\(number)", token: agent)
        #expect(shown.body.contains(#""status":"completed""#))
        try await system.expectLedgerMatches()
        await system.stop()
    }

    @Test("a case filed a month before retirement waits in awaitingConditions and completes once the clock passes the retirement date",
          arguments: modes)
    func filedEarly(mode: String) async throws {
        let early = RetirementRule.earliestFilingDate(retirementDate: Self.retirement)
        let later = Self.payable(onOrAfter: Self.retirement)
        let system = try await System(mode: mode, clock: Self.at(early), paymentDay: later.day,
                                      prequalifications: [try Self.prequalification()])
        let agent = try await system.token(.agent, organisation: "acme")
        let filed = try system.api("POST", "/api/v1/cases", token: agent, body: Self.filing(pension: true))
        #expect(filed.status == 201, "\(filed.body)")
        let waiting = try await system.settle { $0["social.benefitApproval"] == "awaitingConditions" }
        let waitingTasks = try await system.tasks()
        #expect(waiting, "\(waitingTasks)\n\(system.logs)")
        #expect(try await system.caseStatus() == "inProgress")
        // The retirement date comes (and with it the day's re-check): the chain goes on by itself.
        try system.set(Self.at(later))
        let completed = try await system.settle { tasks in tasks.values.allSatisfy { $0 == "succeeded" } }
        let completedTasks = try await system.tasks()
        #expect(completed, "\(completedTasks)\n\(system.logs)")
        #expect(try await system.caseStatus() == "completed")
        try await system.expectLedgerMatches()
        await system.stop()
    }

    @Test("a frozen fund account fails the extraction; unfrozen and retriggered, it completes", arguments: modes)
    func frozenFund(mode: String) async throws {
        let system = try await Self.startedAfterRetirement(mode: mode, try Self.prequalification(frozen: true))
        let agent = try await system.token(.agent, organisation: "acme")
        let retiree = try await system.token(.individual, idNumber: Self.man)
        let staff = try await system.token(.operator)
        #expect(try system.api("POST", "/api/v1/cases", token: agent, body: Self.filing(fund: "sealAndExtract")).status == 201)
        let number = try await system.caseNo()
        #expect(try system.api("POST", "/api/v1/cases/\(number)/real-name-check", token: retiree).status == 200)
        let failed = try await system.settle { $0["fund.extraction"] == "failed" }
        let failedTasks = try await system.tasks()
        #expect(failed, "\(failedTasks)\n\(system.logs)")
        #expect(try await system.caseStatus() == "actionRequired")
        let unfreeze = #"{"name": "张三", "category": "male", "organisation": "acme", "passed": true, "contributionMonths": 300, "deemedMonths": 24, "medicalContributionMonths": 300, "fundCentre": "changchun", "fundAccountFrozen": false}"#
        #expect(try system.api("PUT", "/api/v1/prequalifications/\(Self.man)", token: staff, body: unfreeze).status == 200)
        #expect(try system.api("POST", "/api/v1/cases/\(number)/tasks/fund.extraction/retrigger", token: agent).status == 202)
        let completed = try await system.settle { tasks in tasks.values.allSatisfy { $0 == "succeeded" } }
        let completedTasks = try await system.tasks()
        #expect(completed, "\(completedTasks)\n\(system.logs)")
        #expect(try await system.caseStatus() == "completed")
        try await system.expectLedgerMatches()
        await system.stop()
    }

    @Test("a missed real-name deadline cancels the extraction and keeps the seal", arguments: modes)
    func missedDeadline(mode: String) async throws {
        let system = try await System(mode: mode, clock: Self.at(Self.retirement.adding(days: 1)), paymentDay: 15,
                                      prequalifications: [try Self.prequalification()])
        let agent = try await system.token(.agent, organisation: "acme")
        #expect(try system.api("POST", "/api/v1/cases", token: agent, body: Self.filing(fund: "sealAndExtract")).status == 201)
        let sealed = try await system.settle { $0["fund.seal"] == "succeeded" && $0["fund.extraction"] == "awaitingRealName" }
        let sealedTasks = try await system.tasks()
        #expect(sealed, "\(sealedTasks)\n\(system.logs)")
        try system.set(Self.at(Self.retirement.adding(days: 31)))
        let cancelled = try await system.settle { $0["fund.extraction"] == "cancelled" }
        let cancelledTasks = try await system.tasks()
        #expect(cancelled, "\(cancelledTasks)\n\(system.logs)")
        let tasks = try await system.tasks()
        #expect(tasks["fund.seal"] == "succeeded")
        #expect(try await system.caseStatus() == "closed")
        try await system.expectLedgerMatches()
        await system.stop()
    }

    @Test("a medical transfer that fails and is given up by the filer closes the case", arguments: modes)
    func medicalAbandoned(mode: String) async throws {
        let system = try await Self.startedAfterRetirement(mode: mode, try Self.prequalification(medicalMonths: 100))
        let agent = try await system.token(.agent, organisation: "acme")
        #expect(try system.api("POST", "/api/v1/cases", token: agent, body: Self.filing(medical: true)).status == 201)
        let failed = try await system.settle { $0["medical.transfer"] == "failed" }
        let failedTasks = try await system.tasks()
        #expect(failed, "\(failedTasks)\n\(system.logs)")
        let number = try await system.caseNo()
        let given = try system.api("POST", "/api/v1/cases/\(number)/tasks/medical.transfer/abandon", token: agent, body: "{}")
        #expect(given.status == 200, "\(given.body)")
        #expect(try await system.caseStatus() == "closed")
        try await system.expectLedgerMatches()
        await system.stop()
    }
}
