import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// No birth date anywhere a case or a pre-qualification is shown: beside the masked ID number
/// (`220102********0036`) it would give the whole number back (API.md).
@Suite("No birth date in any body or page")
struct NoBirthDateTests {
    /// The birth date 1965-05-15 in the forms a reader would recognise, and the keys that would hold it.
    static let forms = ["1965-05-15", "19650515", "1965/05/15", "1965.05.15", "1965-5-15", "1965年05月15日", "1965年5月15日",
                        "birthDate", "birth_date", "dateOfBirth"]

    static func expectNoBirthDate(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.isEmpty, "\(what) is empty", sourceLocation: sourceLocation)
        for form in forms {
            #expect(!text.contains(form), "\(what) contains \(form)", sourceLocation: sourceLocation)
        }
    }

    @Test("the case (filed, fetched, with events), the case lists, the pre-qualification (GET and PUT) and the operator's pages never show the birth date")
    func birthDateShownNowhere() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let op = try await h.token(.operator)
        let id = People.man()
        let retiree = try await h.token(.individual, idNumber: id)
        try await h.dashboard.accounts.create(name: "alice", role: .operator, password: DashboardPagesTests.password, cost: 4)
        try await h.app.test(.router) { client in
            let put = try await client.put("/api/v1/prequalifications/\(id)", prequalificationBody(), token: op)
            #expect(put.status == .ok, "\(put.text)")
            Self.expectNoBirthDate(put.text, "the PUT answer")
            let filed = try await client.file(filingBody(id, pension: true, medical: true, fund: .sealAndExtract), token: agent)
            #expect(filed.status == .created, "\(filed.text)")
            Self.expectNoBirthDate(filed.text, "the filing answer")
            let caseNo = try filed.decode(CaseJSON.self).caseNo
            for token in [agent, op, retiree] {
                for uri in ["/api/v1/cases/\(caseNo)", "/api/v1/cases/\(caseNo)?include=events", "/api/v1/cases",
                            "/api/v1/prequalifications/\(id)", "/api/v1/prequalifications/\(id)?name=%E5%BC%A0%E4%B8%89"] {
                    let reply = try await client.get(uri, token: token)
                    #expect(reply.status == .ok, "\(uri): \(reply.text)")
                    Self.expectNoBirthDate(reply.text, uri)
                }
            }
            // The real-name confirmation answers with the case too.
            let confirmed = try await client.post("/api/v1/cases/\(caseNo)/real-name-check", "{}", token: retiree)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            Self.expectNoBirthDate(confirmed.text, "the real-name answer")

            var browser = DashboardPagesTests.Browser()
            _ = try await browser.logIn(client, name: "alice")
            for path in ["/cases/\(caseNo)", "/cases/\(caseNo)?format=json", "/cases", "/cases?format=json", "/", "/failed"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .ok, "\(path)")
                Self.expectNoBirthDate(page.text, path)
            }
            // What the body does show of the person: masked number, sex, category, dates of retirement.
            let body = try filed.decode(CaseJSON.self)
            #expect(body.retiree.idNumber == "220102********" + String(id.suffix(4)))
            #expect(body.statutoryRetirementDate == "2025-07-15")
        }
        await h.close()
    }
}
