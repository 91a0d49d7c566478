import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Postgres
import Runtime
import Services
import Storage
import Testing
import TestSupport

/// Retrigger, abandon and the real-name check through the HTTP API, with the role rules of API.md,
/// on cases the engine has really run; and the deadline sweeper.
extension EngineTests {
    struct TaskJSON: Decodable {
        let item, agency, status: String
        let attempts: Int
        let overdue: Bool
    }

    func caseNo(_ s: Setup) async throws -> String {
        try #require(try await s.h.infrastructure.postgres.query("SELECT case_no FROM cases").first?.decode(String.self, "case_no"))
    }

    func actors(_ s: Setup, item: String) async throws -> [String] {
        try await s.h.infrastructure.postgres.query(
            "SELECT actor, to_status FROM events WHERE item = $1 ORDER BY id", [item]).rows.map {
            "\(try $0.decode(String.self, "actor"))→\(try $0.decode(String.self, "to_status"))"
        }
    }

    @Test("retrigger and abandon over HTTP: the filer and operators by the rules, 404 outside reach, 409 otherwise, every action audited")
    func retriggerAndAbandon() async throws {
        let s = try await setup(medicalMonths: 120)
        _ = try await file(s, request(medical: true))
        let settled = try await drain(s) {
            let medical = try await status(s, of: "medical.transfer")
            let overall = try await caseStatus(s)
            return medical == "failed" && overall == "actionRequired"
        }
        #expect(settled)
        let number = try await caseNo(s)
        let agent = try await s.h.token(.agent, organisation: "acme")
        let stranger = try await s.h.token(.agent, organisation: "other-org")
        let someoneElse = try await s.h.token(.individual, idNumber: APIHarness.residentID(birth: "19700101", sequence: 11))
        let staff = try await s.h.token(.operator)
        let base = "/api/v1/cases/\(number)/tasks"
        try await s.h.app.test(.router) { client in
            // Outside reach, or no such item: 404.
            #expect(try await client.send(.post, "\(base)/medical.transfer/retrigger", headers: bearer(stranger)).status == .notFound)
            #expect(try await client.send(.post, "\(base)/medical.transfer/abandon", headers: bearer(someoneElse)).status == .notFound)
            #expect(try await client.send(.post, "\(base)/fund.seal/retrigger", headers: bearer(agent)).status == .notFound)
            #expect(try await client.send(.post, "\(base)/nonsense/retrigger", headers: bearer(agent)).status == .notFound)
            #expect(try await client.send(.post, "/api/v1/cases/RT0/tasks/medical.transfer/retrigger", headers: bearer(staff)).status == .notFound)
            #expect(try await client.send(.post, "\(base)/medical.transfer/retrigger").status == .unauthorized)
            // A succeeded item cannot be retriggered.
            let done = try await client.send(.post, "\(base)/hr.qualification/retrigger", headers: bearer(agent))
            #expect(done.status == .conflict)
            #expect(done.text.contains("not_retriggerable"))

            // The filer retriggers the failed item: 202 with the task queued again.
            let again = try await client.send(.post, "\(base)/medical.transfer/retrigger", headers: bearer(agent))
            #expect(again.status == .accepted)
            #expect(try again.decode(TaskJSON.self).status == "queued")
            #expect(try await caseStatus(s) == "inProgress")
        }
        // It runs again and fails again (the months are still short): one more attempt, no effect.
        let failedAgain = try await drain(s) {
            let task = try await tasks(s)["medical.transfer"]
            return task?.attempt == 2 && task?.status == "failed"
        }
        #expect(failedAgain)
        try await s.h.app.test(.router) { client in
            // An operator retriggers too; then the filer gives it up.
            let again = try await client.send(.post, "\(base)/medical.transfer/retrigger", headers: bearer(staff))
            #expect(again.status == .accepted)
        }
        let failedThird = try await drain(s) {
            let task = try await tasks(s)["medical.transfer"]
            return task?.attempt == 3 && task?.status == "failed"
        }
        #expect(failedThird)
        try await s.h.app.test(.router) { client in
            // Only a failed item can be given up, by the filer or an operator alike; an operator says why.
            let unexplained = try await client.send(.post, "\(base)/medical.transfer/abandon", headers: bearer(staff))
            expectError(unexplained, .unprocessableContent, "invalid_field", field: .named("reason"))
            let refused = try await client.send(.post, "\(base)/hr.qualification/abandon", headers: bearer(staff),
                                                body: ByteBuffer(string: #"{"reason": "moved away"}"#))
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("not_abandonable"))
            let notFailed = try await client.send(.post, "\(base)/hr.qualification/abandon", headers: bearer(agent))
            #expect(notFailed.status == .conflict)
            let given = try await client.send(.post, "\(base)/medical.transfer/abandon", headers: bearer(agent))
            #expect(given.status == .ok)
            #expect(try given.decode(TaskJSON.self).status == "abandoned")
        }
        #expect(try await caseStatus(s) == "closed")
        // Every action is in the audit trail with who did it.
        let audit = try await actors(s, item: "medical.transfer").filter { $0.hasPrefix("agent:") || $0.hasPrefix("operator:") }
        #expect(audit.filter { !$0.hasSuffix("→blocked") } == [
            "agent:agent-test→queued", "operator:operator-test→queued", "agent:agent-test→abandoned",
        ])
        // The agency applied the medical transfer never; every other task once.
        let effects = try await ledger(s)
        #expect(effects[try #require(try await tasks(s)["medical.transfer"]).id.uuidString.lowercased()] == nil)
        #expect(effects.count == 2)
        #expect(effects.values.allSatisfy { $0 == 1 })
        await s.h.close()
    }

    @Test("a dead item: the filer may not retrigger it (409), an operator may (202)")
    func deadNeedsOperator() async throws {
        let s = try await setup()
        _ = try await file(s, request())
        // Dead after its transient faults (the engine's own path to dead is tested elsewhere).
        try await s.h.infrastructure.postgres.query("UPDATE tasks SET status = 'dead', attempt = 6 WHERE item = 'hr.qualification'")
        let number = try await caseNo(s)
        let agent = try await s.h.token(.agent, organisation: "acme")
        let staff = try await s.h.token(.operator)
        try await s.h.app.test(.router) { client in
            let refused = try await client.send(.post, "/api/v1/cases/\(number)/tasks/hr.qualification/retrigger", headers: bearer(agent))
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("not_retriggerable"))
            let accepted = try await client.send(.post, "/api/v1/cases/\(number)/tasks/hr.qualification/retrigger", headers: bearer(staff))
            #expect(accepted.status == .accepted)
        }
        #expect(try await status(s, of: "hr.qualification") == "queued")
        #expect(try await s.h.streamLength("hr") == 2)  // filed, then retriggered
        await s.h.close()
    }

    @Test("the real-name check: only the retiree confirms it, before the deadline; it releases the extraction once the seal is done")
    func realNameCheck() async throws {
        // The clock sits a week after the retiree's retirement date, inside the 30 days.
        let record = try ResidentID(parsing: Self.man)
        let retirement = RetirementRule(.male).retirementDate(birthDate: record.birthDate)
        let clock = ManualClock(retirement.startOfDay(utcOffsetSeconds: LocalDate.chinaStandardTimeOffset).addingTimeInterval(7 * 86_400 + 3_600))
        let s = try await setup(clock: { clock.now }, filingClock: { clock.now })
        let filing = FilingRequest(retiree: .init(name: "张三", idNumber: Self.man), pensionBenefit: false, medicalTransfer: false,
                                   housingFund: .init(action: .sealAndExtract, centre: "changchun"),
                                   bankAccount: .init(bank: "中国工商银行", accountNumber: "6222020200112233445", holderName: "张三"))
        _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { clock.now }).file(filing, by: s.caller, idempotencyKey: nil)
        let number = try await caseNo(s)
        let agent = try await s.h.token(.agent, organisation: "acme")
        let retiree = try await s.h.token(.individual, idNumber: Self.man)
        let uri = "/api/v1/cases/\(number)/real-name-check"
        try await s.h.app.test(.router) { client in
            #expect(try await client.send(.post, uri, headers: bearer(agent), body: ByteBuffer(string: "{}")).status == .notFound)
            #expect(try await client.send(.post, uri, headers: bearer(retiree), body: ByteBuffer(string: #"{"verifiedAt": "soon"}"#)).status == .unprocessableContent)
            let confirmed = try await client.send(.post, uri, headers: bearer(retiree))
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(confirmed.text.contains(#""doneAt":""#))
            let twice = try await client.send(.post, uri, headers: bearer(retiree), body: ByteBuffer(string: "{}"))
            #expect(twice.status == .conflict)
            #expect(twice.text.contains("real_name_not_required"))
        }
        // The extraction was blocked behind the seal; with the check done it runs right after it.
        let completed = try await drain(s) { try await caseStatus(s) == "completed" }
        #expect(completed)
        #expect(try await ledger(s).count == 3)
        await s.h.close()
    }

    @Test("a missed real-name deadline: the check is refused (410) and the sweeper cancels the extraction the day after, keeping the seal")
    func realNameDeadline() async throws {
        let record = try ResidentID(parsing: Self.man)
        let retirement = RetirementRule(.male).retirementDate(birthDate: record.birthDate)
        let deadline = retirement.adding(days: 30)
        let offset = LocalDate.chinaStandardTimeOffset
        let clock = ManualClock(retirement.startOfDay(utcOffsetSeconds: offset).addingTimeInterval(3_600))
        let s = try await setup(clock: { clock.now }, filingClock: { clock.now })
        let filing = FilingRequest(retiree: .init(name: "张三", idNumber: Self.man), pensionBenefit: false, medicalTransfer: false,
                                   housingFund: .init(action: .sealAndExtract, centre: "changchun"),
                                   bankAccount: .init(bank: "中国工商银行", accountNumber: "6222020200112233445", holderName: "张三"))
        _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { clock.now }).file(filing, by: s.caller, idempotencyKey: nil)
        let sealed = try await drain(s) {
            let all = try await tasks(s)
            return all["fund.seal"]?.status == "succeeded" && all["fund.extraction"]?.status == "awaitingRealName"
        }
        #expect(sealed)
        let sweeper = DeadlineSweeper(postgres: s.h.infrastructure.postgres, calendar: try WorkingDayCalendar.bundled(),
                                      paymentDay: PensionPaymentDay(dayOfMonth: 15)!, logger: s.logger, now: { clock.now })
        // On the deadline day itself the check is still open.
        clock.set(deadline.startOfDay(utcOffsetSeconds: offset).addingTimeInterval(23 * 3_600))
        #expect(try await sweeper.runOnce() == 0)
        #expect(try await status(s, of: "fund.extraction") == "awaitingRealName")
        // The day after: the check is refused and the sweeper cancels the extraction, once.
        clock.set(deadline.adding(days: 1).startOfDay(utcOffsetSeconds: offset).addingTimeInterval(60))
        let number = try await caseNo(s)
        let retiree = try await s.h.token(.individual, idNumber: Self.man)
        try await s.h.app.test(.router) { client in
            let late = try await client.send(.post, "/api/v1/cases/\(number)/real-name-check", headers: bearer(retiree))
            #expect(late.status == .gone)
            #expect(late.text.contains("real_name_deadline_passed"))
        }
        #expect(try await sweeper.runOnce() == 1)
        #expect(try await sweeper.runOnce() == 0)
        #expect(try await status(s, of: "fund.extraction") == "cancelled")
        #expect(try await status(s, of: "fund.seal") == "succeeded")
        #expect(try await caseStatus(s) == "closed")
        let reason = try await s.h.infrastructure.postgres.query(
            "SELECT detail FROM events WHERE item = 'fund.extraction' AND to_status = 'cancelled'").first?.decode(String.self, "detail")
        #expect(reason == "real-name check not done by the deadline")
        let effects = try await ledger(s)
        #expect(effects[try #require(try await tasks(s)["fund.extraction"]).id.uuidString.lowercased()] == nil)
        #expect(effects.count == 2)
        await s.h.close()
    }
}
