import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// A flexible retirement date (弹性退休) that human resources approved is *the* retirement date:
/// the earliest filing date, the real-name deadline and the agencies' conditions all use it.
@Suite("Flexible retirement (HTTP and engine)")
struct FlexibleRetirementTests {
    /// A man born 1966-01-15: statutory 2026-05-15, filing open from 2026-04-15.
    static let early = APIHarness.residentID(birth: "19660115", sequence: 3)
    /// A man born 1965-12-20: statutory 2026-03-20 (60 years 3 months); at 60, 2025-12-20.
    static let atSixty = APIHarness.residentID(birth: "19651220", sequence: 5)

    @Test("An earlier approved date moves the earliest filing date: filing before it is too_early with that earliestDate")
    func earlierDateMovesTheEarliestFilingDate() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let agent = try await h.token(.agent, organisation: "acme")
        let uri = "/api/v1/prequalifications/\(Self.early)"
        try await h.app.test(.router) { client in
            let put = try await client.put(uri, prequalificationBody(plannedRetirementDate: "2026-02-15"), token: op)
            #expect(put.status == .ok, "\(put.text)")
            let body = try await client.get(uri, token: agent).decode(PrequalificationBodyJSON.self)
            #expect(body.statutoryRetirementDate == "2026-05-15")
            #expect(body.retirementDate == "2026-02-15")
            #expect(body.plannedRetirementDate == "2026-02-15")
            #expect(body.earliestFilingDate == "2026-01-15")
            let refused = try await client.file(filingBody(Self.early, pension: true), token: agent)
            let error = expectError(refused, .unprocessableContent, "too_early", secrets: [Self.early])
            #expect(error["earliestDate"] as? String == "2026-01-15")
        }
        #expect(try await h.count("cases") == 0)
        await h.close()
    }

    @Test("A filing the planned date opens: without it too_early (statutory 2026-03-20), with it 201; the case and the list show both dates and the real-name deadline follows the planned date")
    func plannedDateOpensFiling() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let agent = try await h.token(.agent, organisation: "acme")
        let uri = "/api/v1/prequalifications/\(Self.atSixty)"
        try await h.app.test(.router) { client in
            #expect(try await client.put(uri, prequalificationBody(), token: op).status == .ok)
            let statutory = try await client.file(filingBody(Self.atSixty, pension: true, fund: .sealAndExtract), token: agent)
            let error = expectError(statutory, .unprocessableContent, "too_early", secrets: [Self.atSixty])
            #expect(error["earliestDate"] as? String == "2026-02-20")

            #expect(try await client.put(uri, prequalificationBody(plannedRetirementDate: "2025-12-20"), token: op).status == .ok)
            let filed = try await client.file(filingBody(Self.atSixty, pension: true, fund: .sealAndExtract), token: agent)
            #expect(filed.status == .created, "\(filed.text)")
            let caseNo = try filed.decode(CaseJSON.self).caseNo
            let fetched = try await client.get("/api/v1/cases/\(caseNo)", token: agent)
            for body in [try filed.decode(CaseJSON.self), try fetched.decode(CaseJSON.self)] {
                #expect(body.statutoryRetirementDate == "2026-03-20")
                #expect(body.retirementDate == "2025-12-20")
                // Filed 2025-11-30, before the planned date: the guide's window, 30 days after it.
                #expect(body.realNameCheck.required)
                #expect(body.realNameCheck.deadline == "2026-01-19")
            }
            let list = try await client.get("/api/v1/cases", token: agent).decode(CaseListJSON.self)
            #expect(list.cases.map(\.retirementDate) == ["2025-12-20"])
        }
        await h.close()
    }

    @Test("The benefit approval is asked with the planned date: refused (awaiting conditions) before it, approved at the re-check after it, long before the statutory date")
    func approvalUsesThePlannedDate() async throws {
        let rig = try await Rig.make(start: beijing(2025, 11, 30))
        let planned = LocalDate(year: 2025, month: 12, day: 20)!
        try await rig.prequalify(Self.atSixty, plannedRetirementDate: planned)
        let agent = try await rig.h.token(.agent, organisation: "acme")
        let filed = try await rig.file(filingBody(Self.atSixty, pension: true), token: agent)
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo

        try await rig.step()
        let waiting = try await rig.row(.socialBenefitApproval)
        #expect(waiting.status == .awaitingConditions)
        #expect(waiting.lastError?.contains("2025-12-20") == true, "\(waiting.lastError ?? "none")")
        let asked = rig.agencies.requests(for: .socialBenefitApproval)
        #expect(asked.count == 1)
        #expect(asked.allSatisfy { $0.retirementDate == planned && $0.prequalification.plannedRetirementDate == planned })
        #expect(asked.first?.prequalification.statutoryRetirementDate == LocalDate(year: 2026, month: 3, day: 20)!)
        // Every item of the case is asked with the planned date.
        #expect(rig.agencies.requests.allSatisfy { $0.retirementDate == planned })

        // The day after the planned date, the daily re-check is due and the approval is granted.
        rig.clock.set(beijing(2025, 12, 21))
        try await rig.step()
        #expect(try await rig.row(.socialBenefitApproval).status == .succeeded)
        #expect(rig.agencies.requests(for: .socialBenefitApproval).count == 2)
        let body = try await rig.get(caseNo, token: agent)
        #expect(body.task(.socialBenefitApproval)?.status == "succeeded")
        #expect(body.task(.hrQualification)?.result == TaskResult(["effectiveOn": .string("2025-12-20")]))
        #expect(body.task(.socialBenefitPayment)?.status == "scheduled")
        await rig.h.close()
    }
}
