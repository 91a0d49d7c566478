import Agencies
import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Prometheus
import Services
import Storage
import Testing

/// The pension chain really continues until paid (DOMAIN.md): its items never become dead on
/// transient faults, back off to an hour, and are shown as stalled after a day; only an operator
/// may close a chain that waits on a condition, with a reason.
@Suite("The pension chain (engine and HTTP)")
struct PensionChainTests {
    /// Faults `item` `count` times with a runner whose agencies always fault, moving the clock to
    /// each retry; checks every backoff against the policy. Returns the instant of the first fault.
    @discardableResult
    func fault(_ rig: Rig, _ item: Item, times count: Int, until last: TaskStatus = .retrying) async throws -> Date {
        let failing = rig.runner(agencies: SimulatedAgencies(transientFailureRate: 1, now: { rig.clock.now }), owner: "failing")
        let policy = ItemCatalogue.definition(of: item).retryPolicy
        let start = rig.clock.now
        for failure in 1...count {
            let before = try await rig.row(item)
            let expected: TaskStatus = failure == count ? last : .retrying
            #expect(try await failing.run(taskID: before.id, attempt: before.attempt) == .completed(expected),
                    "\(item.rawValue) fault \(failure)")
            let after = try await rig.row(item)
            #expect(after.transientFailures == failure)
            #expect(after.failingSince == start, "the run of faults began at the first")
            #expect(after.lastError?.contains("simulated outage") == true)
            if after.status == .retrying {
                let next = try #require(after.nextAttemptAt)
                let wait = next.timeIntervalSince(rig.clock.now)
                #expect(wait >= 0)
                #expect(wait <= Double(policy.backoffCeiling(afterFailure: failure).components.seconds) + 0.001,
                        "fault \(failure): waits \(wait) s")
                #expect(wait <= 3600 + 0.001)
                rig.clock.set(next)
            }
        }
        return start
    }

    @Test("a social item keeps retrying through 25 faults, never dead, its backoff capped at an hour; after a day of faults it is stalled in the case and the overview; an hr item dies at its limit")
    func theChainNeverDies() async throws {
        let rig = try await Rig.make()
        let id = People.man()
        try await rig.prequalify(id)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(id, pension: true), token: agent)
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let qualification = try await rig.row(.hrQualification)
        #expect(try await rig.runner.run(taskID: qualification.id, attempt: 0) == .completed(.succeeded))

        let social = ItemCatalogue.definition(of: .socialPensionTransfer).retryPolicy
        #expect(social.maxTransientAttempts == nil)
        #expect(social.backoffCeiling(afterFailure: 25) == .seconds(3600))
        let firstFault = try await fault(rig, .socialPensionTransfer, times: 25)
        let transfer = try await rig.row(.socialPensionTransfer)
        #expect(transfer.status == .retrying)
        #expect(transfer.attempt == 25)
        #expect(try await rig.h.infrastructure.postgres.query(
            "SELECT count(*) AS n FROM events WHERE item = 'social.pensionTransfer' AND to_status = 'dead'").first?.decode(Int.self, "n") == 0)

        // The hr item of the same case, with the same outage, is dead at its sixth fault.
        let hr = ItemCatalogue.definition(of: .hrDeemedYears).retryPolicy
        let limit = try #require(hr.maxTransientAttempts)
        #expect(limit == 6)
        try await fault(rig, .hrDeemedYears, times: limit, until: .dead)
        #expect(try await rig.row(.hrDeemedYears).status == .dead)

        // A second short of a day after the first fault: not stalled yet.
        rig.clock.set(firstFault.addingTimeInterval(86_399))
        var body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.socialPensionTransfer)?.status == "retrying")
        #expect(body.task(.socialPensionTransfer)?.stalled == false)
        var overview = try await OverviewService(postgres: rig.h.infrastructure.postgres, redis: rig.h.infrastructure.redis,
                                                 keyPrefix: rig.h.keyPrefix, now: { rig.clock.now }).snapshot()
        #expect(overview.agencies.first { $0.agency == .social }?.stalled == 0)

        // A day after it: stalled, in the case, the overview, its JSON twin and the metrics.
        rig.clock.set(firstFault.addingTimeInterval(86_400))
        body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.socialPensionTransfer)?.status == "retrying")
        #expect(body.task(.socialPensionTransfer)?.stalled == true)
        #expect(body.task(.hrDeemedYears)?.status == "dead")
        #expect(body.task(.hrDeemedYears)?.stalled == false)
        #expect(body.tasks.filter(\.stalled).map(\.item) == ["social.pensionTransfer"])
        overview = try await OverviewService(postgres: rig.h.infrastructure.postgres, redis: rig.h.infrastructure.redis,
                                             keyPrefix: rig.h.keyPrefix, now: { rig.clock.now }).snapshot()
        #expect(overview.agencies.first { $0.agency == .social }?.stalled == 1)
        let stalledSince = rig.clock.now.addingTimeInterval(-86_400)
        let counts = try await rig.h.infrastructure.postgres.withConnection { try CaseSearch.stalledCounts(since: stalledSince, on: $0) }
        #expect(counts["social"] == 1)
        let registry = PrometheusCollectorRegistry()
        QueueGauges.record(overview, factory: PrometheusMetricsFactory(registry: registry))
        #expect(String(decoding: registry.emitToBuffer(), as: UTF8.self).contains(#"onething_tasks_stalled{agency="social"} 1"#))

        try await rig.h.dashboard.accounts.create(name: "alice", role: .operator, password: DashboardPagesTests.password, cost: 4)
        rig.h.dashboard.overview.invalidate()
        try await rig.h.app.test(.router) { client in
            var browser = DashboardPagesTests.Browser()
            _ = try await browser.logIn(client, name: "alice")
            let json = try await browser.get(client, "/?format=json")
            let agencies = try #require(json.object["agencies"] as? [[String: Any]])
            #expect(agencies.first { $0["agency"] as? String == "social" }?["stalled"] as? Int == 1, "\(json.text)")
            let page = try await browser.get(client, "/cases/\(caseNo)")
            #expect(page.text.contains("<span class=\"bad\">stalled</span>"), "the case page marks it stalled")
        }

        // It is still retried: the outage over, the next attempt succeeds and the stall ends.
        let healthy = try await rig.row(.socialPensionTransfer)
        rig.clock.set(max(rig.clock.now, healthy.nextAttemptAt ?? rig.clock.now))
        #expect(try await rig.runner.run(taskID: healthy.id, attempt: healthy.attempt) == .completed(.succeeded))
        body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.socialPensionTransfer)?.stalled == false)
        #expect(try await rig.row(.socialPensionTransfer).failingSince == nil)
        await rig.h.close()
    }

    @Test("an hr item that died a day ago is dead, not stalled: the overview's and the metric's stalled count leave it out, as the case does")
    func deadIsNotStalled() async throws {
        let rig = try await Rig.make()
        let id = People.man()
        try await rig.prequalify(id)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(id), token: agent)
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let firstFault = try await fault(rig, .hrQualification, times: 6, until: .dead)
        rig.clock.set(firstFault.addingTimeInterval(2 * 86_400))
        let body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.hrQualification)?.status == "dead")
        #expect(body.task(.hrQualification)?.stalled == false)
        let overview = try await OverviewService(postgres: rig.h.infrastructure.postgres, redis: rig.h.infrastructure.redis,
                                                 keyPrefix: rig.h.keyPrefix, now: { rig.clock.now }).snapshot()
        let hr = try #require(overview.agencies.first { $0.agency == .hr })
        #expect(hr.dead == 1)
        #expect(hr.stalled == 0, "a dead hr task is counted as stalled: the overview disagrees with the case (stalled false)")
        let registry = PrometheusCollectorRegistry()
        QueueGauges.record(overview, factory: PrometheusMetricsFactory(registry: registry))
        #expect(String(decoding: registry.emitToBuffer(), as: UTF8.self).contains(#"onething_tasks_stalled{agency="hr"} 0"#))
        await rig.h.close()
    }

    @Test("closing a chain waiting on a condition: the filer gets 409 not_abandonable (the retiree, who did not file, 404); an operator needs a reason (422), then 200 abandoned, the payment cancelled, the reason in the event")
    func operatorClosesAWaitingChain() async throws {
        let rig = try await Rig.make(start: beijing(2025, 6, 20))  // before the retirement date, 2025-07-15
        let id = People.man()
        try await rig.prequalify(id)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let retiree = try await rig.h.token(.individual, idNumber: id)
        let staff = try await rig.h.token(.operator)
        let filed = try await rig.file(filingBody(id, pension: true), token: agent)
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        try await rig.step()
        let waiting = try await rig.row(.socialBenefitApproval)
        #expect(waiting.status == .awaitingConditions)
        let events = try await rig.h.count("events")
        let uri = "/api/v1/cases/\(caseNo)/tasks/social.benefitApproval/abandon"
        try await rig.h.app.test(.router) { client in
            for body in [nil, "{}", #"{"reason": "the retiree moved away"}"#] {
                expectError(try await client.post(uri, body, token: agent), .conflict, "not_abandonable", secrets: [id])
                // The retiree follows the case their employer filed; acting on its items is not theirs.
                expectError(try await client.post(uri, body, token: retiree), .notFound, "not_found", secrets: [id])
            }
            for body in [nil, "{}", #"{"reason": ""}"#, #"{"reason": "   "}"#] {
                expectError(try await client.post(uri, body, token: staff), .unprocessableContent, "invalid_field",
                            field: .named("reason"), secrets: [id])
            }
            let tooLong = #"{"reason": "\#(String(repeating: "x", count: 501))"}"#
            expectError(try await client.post(uri, tooLong, token: staff), .unprocessableContent, "invalid_field", field: .named("reason"))
        }
        #expect(try await rig.row(.socialBenefitApproval).status == .awaitingConditions)
        #expect(try await rig.h.count("events") == events)

        let closed = try await rig.h.app.test(.router) {
            try await $0.post(uri, #"{"reason": "退休人员已去世 (certificate 2025-06-18)"}"#, token: staff)
        }
        #expect(closed.status == .ok, "\(closed.text)")
        #expect(closed.object["status"] as? String == "abandoned")
        #expect(closed.object["item"] as? String == "social.benefitApproval")
        let body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.status == "abandoned")
        #expect(body.task(.socialBenefitPayment)?.status == "cancelled")
        #expect(body.status == "closed")
        let approval = try await rig.events(.socialBenefitApproval)
        #expect(approval.last?.from == "awaitingConditions")
        #expect(approval.last?.to == "abandoned")
        #expect(approval.last?.actor == "operator:operator-test")
        #expect(approval.last?.detail == "abandoned by operator: 退休人员已去世 (certificate 2025-06-18)")
        let payment = try await rig.events(.socialBenefitPayment)
        #expect(payment.last?.to == "cancelled")
        #expect(payment.last?.detail == "social.benefitApproval will not be done")
        #expect(try await rig.h.count("events") == events + 2)
        let withEvents = try await rig.h.app.test(.router) {
            try await $0.get("/api/v1/cases/\(caseNo)?include=events", token: agent)
        }
        #expect(try withEvents.decode(CaseJSON.self).events?.contains {
            $0.item == "social.benefitApproval" && $0.to == "abandoned" && $0.detail?.contains("退休人员已去世") == true
        } == true)

        // The re-check that was scheduled finds nothing to do; a second close is refused.
        rig.clock.set(beijing(2025, 7, 20))
        #expect(try await rig.runner.run(taskID: waiting.id, attempt: waiting.attempt) == .stale)
        let twice = try await rig.h.app.test(.router) { try await $0.post(uri, #"{"reason": "again"}"#, token: staff) }
        expectError(twice, .conflict, "not_abandonable")
        await rig.h.close()
    }
}
