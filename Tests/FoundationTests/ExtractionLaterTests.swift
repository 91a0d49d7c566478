import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// Extraction later (DOMAIN.md, "Decisions where the guide is silent"): after a seal, the employer
/// may file again for the extraction alone (`housingFund.action: extract`), even while the first
/// case's pension chain still waits.
@Suite("Extraction later (HTTP and engine)")
struct ExtractionLaterTests {
    @Test("extract without an earlier sealed case is 422 not_sealed on housingFund.action — no case at all, or a seal not yet done; nothing is written")
    func notSealed() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        try await h.app.test(.router) { client in
            let none = try await client.file(filingBody(id, fund: .extract), token: agent)
            expectError(none, .unprocessableContent, "not_sealed", field: .named("housingFund.action"), secrets: [id, People.account])
            #expect(try await h.count("cases") == 0)
            // A case that will seal, but has not yet.
            let first = try await client.file(filingBody(id, fund: .seal), token: agent)
            #expect(first.status == .created, "\(first.text)")
            let tasks = try await h.count("tasks")
            let pending = try await client.file(filingBody(id, fund: .extract), token: agent)
            expectError(pending, .unprocessableContent, "not_sealed", field: .named("housingFund.action"), secrets: [id, People.account])
            // A failed seal is no seal either.
            try await h.infrastructure.postgres.query("UPDATE tasks SET status = CASE WHEN item = 'fund.seal' THEN 'failed' ELSE 'succeeded' END")
            let failed = try await client.file(filingBody(id, fund: .extract), token: agent)
            expectError(failed, .unprocessableContent, "not_sealed", field: .named("housingFund.action"), secrets: [id, People.account])
            #expect(try await h.count("cases") == 1)
            #expect(try await h.count("tasks") == tasks)
            #expect(try await h.streamLength("fund") == 0)
        }
        await h.close()
    }

    @Test("extract without a bank account is 422 bank_account_invalid on bankAccount, sealed or not")
    func extractNeedsABankAccount() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        try await h.app.test(.router) { client in
            let unsealed = try await client.file(filingBody(id, fund: .extract, bank: .some(nil)), token: agent)
            expectError(unsealed, .unprocessableContent, "bank_account_invalid", field: .named("bankAccount"), secrets: [id])
            #expect(try await client.file(filingBody(id, fund: .seal), token: agent).status == .created)
            try await h.infrastructure.postgres.query("UPDATE tasks SET status = 'succeeded'")
            let sealed = try await client.file(filingBody(id, fund: .extract, bank: .some(nil)), token: agent)
            expectError(sealed, .unprocessableContent, "bank_account_invalid", field: .named("bankAccount"), secrets: [id])
            let otherHolder = try await client.file(filingBody(id, fund: .extract, bank: .some(People.bank(holder: "李四"))), token: agent)
            expectError(otherHolder, .unprocessableContent, "bank_holder_mismatch", field: .named("bankAccount.holderName"),
                        secrets: [id, People.account])
        }
        #expect(try await h.count("cases") == 1)
        await h.close()
    }

    @Test("After a seal, with the pension chain still waiting: extract is 201 with fund.extraction alone, the real-name check for the employer (30 days from filing), a second one 409 naming it, and once paid out not_sealed")
    func extractionAloneAfterASeal() async throws {
        let rig = try await Rig.make()
        let id = People.man()
        // 100 + 20 months: below the minimum, so the pension approval waits for a condition.
        try await rig.prequalify(id, contributionMonths: 100, deemedMonths: 20)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let retiree = try await rig.h.token(.individual, idNumber: id)
        let first = try await rig.file(filingBody(id, pension: true, fund: .seal), token: agent)
        #expect(first.status == .created, "\(first.text)")
        let firstNo = try first.decode(CaseJSON.self).caseNo
        try await rig.step()
        let before = try await rig.get(firstNo, token: agent)
        #expect(before.task(.fundSeal)?.status == "succeeded")
        #expect(before.task(.socialBenefitApproval)?.status == "awaitingConditions")
        #expect(before.status == "inProgress")
        let fundPublished = try await rig.h.streamLength("fund")

        // Extraction alone, to another centre than the seal's.
        let filed = try await rig.file(filingBody(id, fund: .extract, centre: "jilin"), token: agent)
        #expect(filed.status == .created, "\(filed.text)")
        let body = try filed.decode(CaseJSON.self)
        #expect(body.caseNo != firstNo)
        #expect(body.tasks.map(\.item) == ["fund.extraction"])
        #expect(body.tasks.map(\.status) == ["awaitingRealName"])
        #expect(body.task(.fundExtraction)?.dueBy == nil)
        #expect(body.housingFund.action == "extract" && body.housingFund.centre == "jilin")
        #expect(body.pensionBenefit == false && body.medicalTransfer == false)
        #expect(body.realNameCheck.required == true)
        // Man born 1965-05-15, retired 2025-07-15; filed 2025-11-30: 30 days after filing.
        #expect(body.realNameCheck.deadline == "2025-12-30")
        #expect(!filed.text.contains(People.account))
        // Waiting for the check, so nothing was published.
        #expect(try await rig.h.streamLength("fund") == fundPublished)

        // A second extraction while the first is open: 409 naming it; so is a new seal and extract.
        for again in [filingBody(id, fund: .extract), filingBody(id, fund: .sealAndExtract)] {
            let duplicate = try await rig.file(again, token: agent)
            let error = expectError(duplicate, .conflict, "duplicate_case", secrets: [id, People.account])
            #expect(error["caseNo"] as? String == body.caseNo, "\(duplicate.text)")
        }
        #expect(try await rig.h.count("cases") == 2)

        // The retiree passes the check; the extraction runs, to the chosen centre with the account.
        let confirmed = try await rig.h.app.test(.router) {
            try await $0.post("/api/v1/cases/\(body.caseNo)/real-name-check", "{}", token: retiree)
        }
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        try await rig.step()
        let extraction = try await rig.row(.fundExtraction)
        #expect(extraction.status == .succeeded)
        let asked = rig.agencies.requests(for: .fundExtraction)
        #expect(asked.count == 1)
        #expect(asked.first?.housingFund == AgencyRequest.HousingFund(action: .extract, centre: "jilin"))
        #expect(asked.first?.bankAccount?.accountNumber == People.account)
        let done = try await rig.get(body.caseNo, token: agent)
        #expect(done.status == "completed")
        // The first case's chain still waits.
        #expect(try await rig.get(firstNo, token: agent).task(.socialBenefitApproval)?.status == "awaitingConditions")

        // Paid out: the account is closed, so a further extraction is not_sealed.
        let closed = try await rig.file(filingBody(id, fund: .extract), token: agent)
        expectError(closed, .unprocessableContent, "not_sealed", field: .named("housingFund.action"), secrets: [id, People.account])
        #expect(try await rig.h.count("cases") == 2)
        await rig.h.close()
    }

    @Test("A flexible-employment person filing an extraction alone needs no real-name check: the extraction is queued and published at once")
    func flexibleWorkerExtractsAlone() async throws {
        let h = try await APIHarness()
        let id = People.man()
        try await h.prequalify(id, name: "张三", organisation: "archive-1", organisationKind: .archive)
        let person = try await h.token(.individual, idNumber: id)
        try await h.app.test(.router) { client in
            #expect(try await client.file(filingBody(id, fund: .seal), token: person).status == .created)
            try await h.infrastructure.postgres.query("UPDATE tasks SET status = 'succeeded'")
            let filed = try await client.file(filingBody(id, fund: .extract), token: person)
            #expect(filed.status == .created, "\(filed.text)")
            let body = try filed.decode(CaseJSON.self)
            #expect(body.filedBy == "individual")
            #expect(body.tasks.map { "\($0.item) \($0.status)" } == ["fund.extraction queued"])
            #expect(body.task(.fundExtraction)?.dueBy != nil)
            #expect(body.realNameCheck.required == false && body.realNameCheck.deadline == nil)
        }
        #expect(try await h.streamLength("fund") == 1)
        await h.close()
    }
}
