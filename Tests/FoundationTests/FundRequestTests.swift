import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// What the housing-fund centre is sent: the filer's action and centre (not the pre-qualification's),
/// and the bank account with the extraction only; no other agency sees either.
@Suite("Fund requests (engine)")
struct FundRequestTests {
    @Test("fund.seal carries the filer's action and centre and no account; fund.extraction the full account; nothing else carries either")
    func fundRequestsCarryTheFilersChoice() async throws {
        let rig = try await Rig.make()
        let id = People.man()
        try await rig.prequalify(id)  // the pre-qualification's centre is changchun
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let retiree = try await rig.h.token(.individual, idNumber: id)
        let filed = try await rig.file(filingBody(id, pension: true, medical: true, fund: .sealAndExtract, centre: "jilin"),
                                       token: agent)
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let confirmed = try await rig.h.app.test(.router) {
            try await $0.post("/api/v1/cases/\(caseNo)/real-name-check", "{}", token: retiree)
        }
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        try await rig.step()

        let requests = rig.agencies.requests
        let asked = Set(requests.map(\.item))
        // Everything but the payment, which waits for the payment day.
        #expect(asked == Set(Item.allCases).subtracting([.socialBenefitPayment]))
        let choice = AgencyRequest.HousingFund(action: .sealAndExtract, centre: "jilin")
        let seal = rig.agencies.requests(for: .fundSeal)
        #expect(seal.count == 1)
        #expect(seal.allSatisfy { $0.housingFund == choice && $0.bankAccount == nil })
        let extraction = rig.agencies.requests(for: .fundExtraction)
        #expect(extraction.count == 1)
        #expect(extraction.allSatisfy {
            $0.housingFund == choice
                && $0.bankAccount == BankAccount(bank: "中国工商银行", accountNumber: People.account, holderName: "张三")
        })
        #expect(extraction.first?.bankAccount?.accountNumber == People.account)
        for request in requests where request.item.agency != .fund {
            #expect(request.housingFund == nil, "\(request.item.rawValue)")
            #expect(request.bankAccount == nil, "\(request.item.rawValue)")
        }
        // The pre-qualification still says changchun: the filer's choice is what went out.
        #expect(requests.allSatisfy { $0.prequalification.fundCentre == "changchun" })
        #expect(try await rig.row(.fundExtraction).status == .succeeded)
        await rig.h.close()
    }
}
