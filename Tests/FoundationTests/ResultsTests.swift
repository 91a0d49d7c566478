import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// Results go back (DOMAIN.md): what each agency decided is shown with its task, in the case JSON
/// and on the operator's case page, with the account number masked everywhere.
@Suite("Task results (engine, HTTP and the case page)")
struct ResultsTests {
    /// The figures the simulator reports for the harness's pre-qualification (300 months of
    /// contributions, 24 deemed, a man retired 2025-07-15) after a run filed on 2025-11-30 and paid
    /// on the payment day, 2025-12-15.
    static let expected: [Item: TaskResult] = [
        .hrQualification: TaskResult(["effectiveOn": .string("2025-07-15")]),
        .hrDeemedYears: TaskResult(["deemedMonths": .integer(24)]),
        .socialPensionTransfer: TaskResult(["effectiveOn": .string("2025-07-15")]),
        .socialBenefitApproval: TaskResult(["monthlyPension": .string("3098.63"), "annuityMonthly": .string("0.00")]),
        .socialBenefitPayment: TaskResult(["paidOn": .string("2025-12-15"), "amount": .string("3098.63")]),
        .socialInsuranceTermination: TaskResult(["effectiveOn": .string("2025-07-15")]),
        .medicalDeemedYears: TaskResult(["deemedMonths": .integer(24)]),
        .medicalTransfer: TaskResult(["effectiveOn": .string("2025-07-15")]),
        .fundSeal: TaskResult(["sealedOn": .string("2025-11-30")]),
        .fundExtraction: TaskResult(["amount": .string("360000.00"), "paidOn": .string("2025-11-30"),
                                     "accountNumber": .string(BankAccount.mask(People.account))]),
    ]

    @Test("after a full run every item shows its result as API.md lists it; amounts are decimal strings; the account is masked in the JSON and on the case page")
    func resultsAfterAFullRun() async throws {
        let rig = try await Rig.make()
        let id = People.man()
        // A flexible-employment person: no real-name check holds the extraction.
        try await rig.prequalify(id, organisation: "archive-1", organisationKind: .archive)
        let person = try await rig.h.token(.individual, idNumber: id)
        let filed = try await rig.file(filingBody(id, pension: true, medical: true, fund: .sealAndExtract), token: person)
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        #expect(try filed.decode(CaseJSON.self).tasks.allSatisfy { $0.result == nil })

        try await rig.step()
        var body = try await rig.get(caseNo, token: person)
        #expect(body.task(.socialBenefitPayment)?.status == "scheduled")
        #expect(body.task(.socialBenefitPayment)?.result == nil)
        #expect(body.task(.socialBenefitApproval)?.result == Self.expected[.socialBenefitApproval])
        rig.clock.set(beijing(2025, 12, 15))
        try await rig.step()

        let reply = try await rig.h.app.test(.router) { try await $0.get("/api/v1/cases/\(caseNo)?include=events", token: person) }
        #expect(reply.status == .ok)
        body = try reply.decode(CaseJSON.self)
        #expect(body.status == "completed")
        #expect(body.tasks.count == Item.allCases.count)
        for item in Item.allCases {
            #expect(body.task(item)?.status == "succeeded", "\(item.rawValue)")
            #expect(body.task(item)?.result == Self.expected[item], "\(item.rawValue): \(String(describing: body.task(item)?.result))")
        }
        // Yuan as decimal strings, months as whole numbers, exactly these members.
        let tasks = try #require(reply.object["tasks"] as? [[String: Any]])
        func result(_ item: Item) -> [String: Any] {
            tasks.first { $0["item"] as? String == item.rawValue }?["result"] as? [String: Any] ?? [:]
        }
        #expect(Set(result(.socialBenefitApproval).keys) == ["monthlyPension", "annuityMonthly"])
        #expect(result(.socialBenefitApproval)["monthlyPension"] as? String == "3098.63")
        #expect(Set(result(.fundExtraction).keys) == ["amount", "paidOn", "accountNumber"])
        #expect(result(.fundExtraction)["amount"] as? String == "360000.00")
        #expect(result(.hrDeemedYears)["deemedMonths"] as? Int == 24)
        #expect(reply.text.contains(#""monthlyPension":"3098.63""#))
        #expect(!reply.text.contains(People.account), "the full account number is in the case body")
        #expect(!reply.text.contains(id), "the full ID number is in the case body")
        // The result arrives with the task in the portal's view too (the list shows the case completed).
        let list = try await rig.h.app.test(.router) { try await $0.get("/api/v1/cases", token: person) }
        #expect(try list.decode(CaseListJSON.self).cases.map(\.status) == ["completed"])

        // The operator's case page shows the same results.
        try await rig.h.dashboard.accounts.create(name: "alice", role: .operator, password: DashboardPagesTests.password, cost: 4)
        try await rig.h.app.test(.router) { client in
            var browser = DashboardPagesTests.Browser()
            _ = try await browser.logIn(client, name: "alice")
            let page = try await browser.get(client, "/cases/\(caseNo)")
            #expect(page.status == .ok)
            for shown in ["monthlyPension: 3098.63", "annuityMonthly: 0.00", "deemedMonths: 24", "sealedOn: 2025-11-30",
                          "amount: 360000.00", "paidOn: 2025-11-30", "paidOn: 2025-12-15", "amount: 3098.63",
                          "accountNumber: \(BankAccount.mask(People.account))", "effectiveOn: 2025-07-15"] {
                #expect(page.text.contains(shown), "the case page lacks \(shown)")
            }
            #expect(!page.text.contains(People.account))
            let twin = try await browser.get(client, "/cases/\(caseNo)?format=json")
            let twinBody = try twin.decode(CaseJSON.self)
            for item in Item.allCases {
                #expect(twinBody.task(item)?.result == Self.expected[item], "\(item.rawValue) in the JSON twin")
            }
            #expect(!twin.text.contains(People.account))
        }
        await rig.h.close()
    }
}
