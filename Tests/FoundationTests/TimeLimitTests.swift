import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Services
import Storage
import Testing

/// Time limits run only while the agency can act (DOMAIN.md, "Time limits run from when the agency
/// can act"): a task waiting for another item, a condition or the payment day has none and is never
/// overdue; the limit starts when it becomes ready and again at each re-check; a late decision is
/// one breach.
@Suite("Time limits while waiting (engine and HTTP)")
struct TimeLimitTests {
    /// A man born 1965-08-15: statutory retirement 2025-10-15, filing open from 2025-09-15. His limits
    /// run across the National Day holiday (2025-10-01..08) and the working Sunday 2025-09-28 and
    /// Saturday 2025-10-11.
    static let retiree = APIHarness.residentID(birth: "19650815", sequence: 7)

    func caseReply(_ rig: Rig, _ caseNo: String, token: String) async throws -> (CaseJSON, Bool) {
        let reply = try await rig.h.app.test(.router) { try await $0.get("/api/v1/cases/\(caseNo)", token: token) }
        #expect(reply.status == .ok, "\(reply.text)")
        return (try reply.decode(CaseJSON.self), try #require(reply.object["overdue"] as? Bool))
    }

    @Test("the pension chain filed three weeks early: no limit while blocked or awaiting conditions, one from each re-check by the calendar, a late decision counted once")
    func limitsRunOnlyWhileTheAgencyCanAct() async throws {
        let rig = try await Rig.make(start: beijing(2025, 9, 26))  // a Friday
        try await rig.prequalify(Self.retiree)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(Self.retiree, pension: true), token: agent)
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo

        // Filed: only the qualification can be acted on (the same day); the rest wait for it.
        var (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.hrQualification)?.dueBy == "2025-09-26T16:00:00Z")
        for task in body.tasks where task.item != Item.hrQualification.rawValue {
            #expect(task.status == "blocked", "\(task.item)")
            #expect(task.dueBy == nil, "\(task.item)")
            #expect(task.overdue == false, "\(task.item)")
        }
        #expect(!overdue)

        // The qualification done: the items it released start their limits now. Five working days
        // from Friday 2025-09-26: Sunday 28 (worked), 29, 30, then 10-09 and 10-10 after the holiday.
        let qualification = try await rig.row(.hrQualification)
        #expect(try await rig.runner.run(taskID: qualification.id, attempt: 0) == .completed(.succeeded))
        (body, _) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialPensionTransfer)?.status == "queued")
        #expect(body.task(.socialPensionTransfer)?.dueBy == "2025-10-10T16:00:00Z")
        #expect(body.task(.socialInsuranceTermination)?.dueBy == "2025-10-10T16:00:00Z")
        #expect(body.task(.hrDeemedYears)?.dueBy == "2025-09-26T16:00:00Z")
        #expect(body.task(.socialBenefitApproval)?.dueBy == nil)
        #expect(body.task(.socialBenefitPayment)?.dueBy == nil)

        // The approval is asked before the retirement date: a condition not met, no limit running.
        try await rig.step()
        let waiting = try await rig.row(.socialBenefitApproval)
        #expect(waiting.status == .awaitingConditions)
        #expect(waiting.dueBy == nil)
        #expect(waiting.nextAttemptAt == beijing(2025, 9, 27))
        rig.clock.set(beijing(2025, 9, 29, hour: 18))
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.status == "awaitingConditions")
        #expect(body.task(.socialBenefitApproval)?.dueBy == nil)
        #expect(body.task(.socialBenefitApproval)?.overdue == false)
        #expect(body.task(.socialBenefitPayment)?.dueBy == nil)
        #expect(!overdue)

        // The re-check on Tuesday 2025-09-30 starts a limit: 10-09, 10-10, Saturday 10-11 (worked), 10-13, 10-14.
        rig.clock.set(beijing(2025, 9, 30))
        let recheck = try await rig.runner.claim([(waiting.id, waiting.attempt)])
        #expect(recheck.count == 1)
        #expect(try await rig.row(.socialBenefitApproval).dueBy == rig.calendar.dueBy(timeLimitWorkingDays: 5, from: rig.clock.now).value)
        (body, _) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.status == "running")
        #expect(body.task(.socialBenefitApproval)?.dueBy == "2025-10-14T16:00:00Z")
        #expect(body.task(.socialBenefitApproval)?.overdue == false)

        // The bureau answers only on 2025-10-15 (late), and still "not met": one breach, and the
        // task waits again without a limit.
        rig.clock.set(beijing(2025, 10, 15))
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.overdue == true)
        #expect(overdue)
        let late = try await rig.runner.complete([Completion(task: recheck[0], event: .conditionNotMet(reason: "a document is missing"),
                                                             jitter: 0)])
        #expect(late.statuses == [waiting.id: .awaitingConditions])
        #expect(late.breaches.map { $0.id } == [waiting.id])
        #expect(late.breaches.map { $0.item } == [.socialBenefitApproval])
        // The same outcome again (a redelivery) is stale: no second breach.
        let again = try await rig.runner.complete([Completion(task: recheck[0], event: .conditionNotMet(reason: "a document is missing"),
                                                              jitter: 0)])
        #expect(again.statuses.isEmpty)
        #expect(again.breaches.isEmpty)

        // Days later, still waiting: never overdue.
        rig.clock.set(beijing(2025, 10, 20, hour: 9))
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.status == "awaitingConditions")
        #expect(body.task(.socialBenefitApproval)?.dueBy == nil)
        #expect(body.task(.socialBenefitApproval)?.overdue == false)
        #expect(!overdue)

        // The next re-check (Monday 2025-10-20) starts a new limit and decides in time: no breach.
        rig.clock.set(beijing(2025, 10, 20))
        let current = try await rig.row(.socialBenefitApproval)
        let second = try await rig.runner.claim([(current.id, current.attempt)])
        #expect(second.count == 1)
        (body, _) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.dueBy == "2025-10-27T16:00:00Z")
        #expect(body.task(.socialBenefitApproval)?.overdue == false)
        let granted = try await rig.runner.complete(try await rig.runner.perform(second))
        #expect(granted.statuses[current.id] == .succeeded)
        #expect(granted.breaches.isEmpty)

        // The payment waits for the payment day (2025-11-15) without a limit.
        let payment = try await rig.row(.socialBenefitPayment)
        #expect(payment.status == .scheduled)
        #expect(payment.dueBy == nil)
        #expect(payment.nextAttemptAt == LocalDate(year: 2025, month: 11, day: 15)!.startOfDay(utcOffsetSeconds: LocalDate.chinaStandardTimeOffset))
        rig.clock.set(beijing(2025, 11, 10))
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.socialBenefitPayment)?.status == "scheduled")
        #expect(body.task(.socialBenefitPayment)?.overdue == false)
        #expect(!overdue)
        // Its day is a Saturday: the same-day limit runs to the next working day, Monday 11-17.
        rig.clock.set(beijing(2025, 11, 15))
        let paid = try await rig.runner.claim([(payment.id, payment.attempt)])
        #expect(paid.count == 1)
        #expect(try await rig.row(.socialBenefitPayment).dueBy == beijing(2025, 11, 18, hour: 0))
        let done = try await rig.runner.complete(try await rig.runner.perform(paid))
        #expect(done.statuses[payment.id] == .succeeded)
        #expect(done.breaches.isEmpty)
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.status == "completed")
        #expect(body.tasks.allSatisfy { !$0.overdue })
        #expect(!overdue)
        await rig.h.close()
    }

    @Test("a late outcome is one breach when it commits: a transient fault after the limit is none, the late success is one; the next item's limit starts afresh")
    func lateSuccessIsOneBreach() async throws {
        let rig = try await Rig.make(start: beijing(2025, 11, 28))  // a Friday
        let id = People.man()
        try await rig.prequalify(id)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(id, medical: true), token: agent)
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let qualification = try await rig.row(.hrQualification)
        #expect(try await rig.runner.run(taskID: qualification.id, attempt: 0) == .completed(.succeeded))
        // Five working days from Friday 11-28: 12-01 … 12-05.
        let deemed = try await rig.row(.medicalDeemedYears)
        #expect(deemed.status == .queued)
        #expect(deemed.dueBy == beijing(2025, 12, 6, hour: 0))

        // A fault on 2025-12-08, after the limit: not a decision, so no breach; the limit keeps running.
        rig.clock.set(beijing(2025, 12, 8))
        let first = try await rig.runner.claim([(deemed.id, 0)])
        let fault = try await rig.runner.complete([Completion(task: first[0], event: .transientFailure(reason: "timeout"), jitter: 0)])
        #expect(fault.statuses == [deemed.id: .retrying])
        #expect(fault.breaches.isEmpty)
        var (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.medicalDeemedYears)?.status == "retrying")
        #expect(body.task(.medicalDeemedYears)?.dueBy == "2025-12-05T16:00:00Z")
        #expect(body.task(.medicalDeemedYears)?.overdue == true)
        #expect(overdue)

        // The retry succeeds, late: one breach.
        let retry = try await rig.runner.claim([(deemed.id, 1)])
        #expect(retry.count == 1)
        let success = try await rig.runner.complete(try await rig.runner.perform(retry))
        #expect(success.statuses[deemed.id] == .succeeded)
        #expect(success.breaches.map { $0.id } == [deemed.id])
        #expect(success.breaches.map { $0.item } == [.medicalDeemedYears])
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.medicalDeemedYears)?.status == "succeeded")
        #expect(body.task(.medicalDeemedYears)?.overdue == false)
        // The transfer it released has a limit of its own from now: 12-09 … 12-15.
        #expect(body.task(.medicalTransfer)?.status == "queued")
        #expect(body.task(.medicalTransfer)?.dueBy == "2025-12-15T16:00:00Z")
        #expect(body.task(.medicalTransfer)?.overdue == false)
        #expect(!overdue)
        let transfer = try await rig.row(.medicalTransfer)
        let onTime = try await rig.runner.complete(try await rig.runner.perform(try await rig.runner.claim([(transfer.id, 0)])))
        #expect(onTime.statuses[transfer.id] == .succeeded)
        #expect(onTime.breaches.isEmpty)
        await rig.h.close()
    }

    @Test("a failed item has no limit; a retrigger starts one from the retrigger, by the calendar")
    func retriggerStartsALimit() async throws {
        let rig = try await Rig.make(start: beijing(2025, 9, 26))  // a Friday before the National Day holiday
        let id = People.man()
        try await rig.prequalify(id)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(id, fund: .seal), token: agent)
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let qualification = try await rig.row(.hrQualification)
        #expect(try await rig.runner.run(taskID: qualification.id, attempt: 0) == .completed(.succeeded))
        let seal = try await rig.row(.fundSeal)
        // Three working days from 09-26: Sunday 28 (worked), 29, 30.
        #expect(seal.dueBy == beijing(2025, 10, 1, hour: 0))
        let claimed = try await rig.runner.claim([(seal.id, 0)])
        let refused = try await rig.runner.complete([Completion(task: claimed[0], event: .conditionNotMet(reason: "the account is frozen"),
                                                                jitter: 0)])
        #expect(refused.statuses == [seal.id: .failed])
        var (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.fundSeal)?.status == "failed")
        #expect(body.task(.fundSeal)?.dueBy == nil)
        // Past the old limit, waiting for the filer: not overdue.
        rig.clock.set(beijing(2025, 10, 8, hour: 18))
        (body, overdue) = try await caseReply(rig, caseNo, token: agent)
        #expect(body.task(.fundSeal)?.overdue == false)
        #expect(!overdue)
        // Retriggered on Thursday 10-09 (after the holiday): 10-10, Saturday 10-11 (worked), 10-13.
        rig.clock.set(beijing(2025, 10, 9))
        let again = try await rig.h.app.test(.router) {
            try await $0.post("/api/v1/cases/\(caseNo)/tasks/fund.seal/retrigger", "{}", token: agent)
        }
        #expect(again.status == .accepted, "\(again.text)")
        #expect(again.object["dueBy"] as? String == "2025-10-13T16:00:00Z")
        #expect(again.object["overdue"] as? Bool == false)
        #expect(try await rig.row(.fundSeal).dueBy == beijing(2025, 10, 14, hour: 0))
        await rig.h.close()
    }
}
