import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Storage
import Testing

/// The rules a pre-qualification must meet before `PUT /api/v1/prequalifications/{idNumber}`
/// stores it: the category fits the ID's sex, and a flexible retirement date lies in its window
/// (DOMAIN.md, "Flexible retirement"; API.md).
@Suite("Pre-qualification rules (HTTP PUT)")
struct PrequalificationRulesTests {
    struct CategoryCase: Sendable, CustomTestStringConvertible {
        let label: String
        let idNumber: String
        let category: String
        let fits: Bool
        var testDescription: String { label }
    }

    static let categoryCases: [CategoryCase] = [
        CategoryCase(label: "a man as femaleWorker", idNumber: People.man(), category: "femaleWorker", fits: false),
        CategoryCase(label: "a man as femaleCadre", idNumber: People.man(), category: "femaleCadre", fits: false),
        CategoryCase(label: "a woman as male", idNumber: People.woman(), category: "male", fits: false),
        CategoryCase(label: "a man as male", idNumber: People.man(), category: "male", fits: true),
        CategoryCase(label: "a woman as femaleCadre", idNumber: People.woman(), category: "femaleCadre", fits: true),
        CategoryCase(label: "a woman as femaleWorker", idNumber: People.woman(), category: "femaleWorker", fits: true),
    ]

    @Test("The category must fit the ID's sex: 422 invalid_field on category and nothing stored, else 200", arguments: categoryCases)
    func categoryFitsSex(_ example: CategoryCase) async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let uri = "/api/v1/prequalifications/\(example.idNumber)"
        let reply = try await h.app.test(.router) {
            try await $0.put(uri, prequalificationBody(category: example.category), token: op)
        }
        if example.fits {
            #expect(reply.status == .ok, "\(reply.text)")
            let body = try reply.decode(PrequalificationBodyJSON.self)
            #expect(body.category == example.category)
            #expect(body.sex == (example.category == "male" ? "male" : "female"))
            #expect(try await h.count("prequalifications") == 1)
        } else {
            expectError(reply, .unprocessableContent, "invalid_field", field: .named("category"), secrets: [example.idNumber])
            #expect(try await h.count("prequalifications") == 0)
            let lookup = try await h.app.test(.router) { try await $0.get(uri, token: op) }
            expectError(lookup, .notFound, "not_found", secrets: [example.idNumber])
        }
        await h.close()
    }

    @Test("Replacing a record with a category that does not fit is refused and keeps the stored record")
    func refusedReplacementKeepsTheRecord() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let id = People.woman()
        let uri = "/api/v1/prequalifications/\(id)"
        try await h.app.test(.router) { client in
            #expect(try await client.put(uri, prequalificationBody(name: "王芳", category: "femaleCadre"), token: op).status == .ok)
            let refused = try await client.put(uri, prequalificationBody(name: "王芳", category: "male", contributionMonths: 1), token: op)
            expectError(refused, .unprocessableContent, "invalid_field", field: .named("category"), secrets: [id])
            let body = try await client.get(uri, token: op).decode(PrequalificationBodyJSON.self)
            #expect(body.category == "femaleCadre")
            #expect(body.contributionMonths == 300)
            // Woman cadre born 1972-03: 55 years 7 months.
            #expect(body.statutoryRetirementDate == "2027-10-10")
        }
        await h.close()
    }

    struct WindowCase: Sendable, CustomTestStringConvertible {
        let label: String
        let birth: String
        let sequence: Int
        let category: String
        let planned: String
        /// nil: refused on plannedRetirementDate.
        let statutory: String?
        var testDescription: String { label }
    }

    // A man born 1966-01-15: statutory 2026-05-15 (60 years 4 months); original age 60 on 2026-01-15;
    // 36 months later 2029-05-15. A woman worker born 1984-11-15: statutory 2039-11-15 (55, the cap);
    // 36 months earlier 2036-11-15, above the original age of 50 (2034-11-15).
    static let windowCases: [WindowCase] = [
        WindowCase(label: "a day before the original age", birth: "19660115", sequence: 3, category: "male",
                   planned: "2026-01-14", statutory: nil),
        WindowCase(label: "at the original age (4 months early)", birth: "19660115", sequence: 3, category: "male",
                   planned: "2026-01-15", statutory: "2026-05-15"),
        WindowCase(label: "36 months late", birth: "19660115", sequence: 3, category: "male",
                   planned: "2029-05-15", statutory: "2026-05-15"),
        WindowCase(label: "36 months and a day late", birth: "19660115", sequence: 3, category: "male",
                   planned: "2029-05-16", statutory: nil),
        WindowCase(label: "36 months and a day early (above the original age)", birth: "19841115", sequence: 4,
                   category: "femaleWorker", planned: "2036-11-14", statutory: nil),
        WindowCase(label: "36 months early", birth: "19841115", sequence: 4, category: "femaleWorker",
                   planned: "2036-11-15", statutory: "2039-11-15"),
        WindowCase(label: "not a date", birth: "19660115", sequence: 3, category: "male", planned: "2026-13-01", statutory: nil),
    ]

    @Test("A planned retirement date outside the flexible window is 422 invalid_field on plannedRetirementDate and nothing is stored; inside it is the retirement date",
          arguments: windowCases)
    func plannedDateWindow(_ example: WindowCase) async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let id = APIHarness.residentID(birth: example.birth, sequence: example.sequence)
        let uri = "/api/v1/prequalifications/\(id)"
        let (reply, fetched) = try await h.app.test(.router) { client in
            (try await client.put(uri, prequalificationBody(name: "李四", category: example.category,
                                                            plannedRetirementDate: example.planned), token: op),
             try await client.get(uri, token: op))
        }
        if let statutory = example.statutory {
            #expect(reply.status == .ok, "\(reply.text)")
            for body in [try reply.decode(PrequalificationBodyJSON.self), try fetched.decode(PrequalificationBodyJSON.self)] {
                #expect(body.statutoryRetirementDate == statutory)
                #expect(body.plannedRetirementDate == example.planned)
                #expect(body.retirementDate == example.planned)
                #expect(body.earliestFilingDate == LocalDate(example.planned)!.adding(months: -1).iso8601)
            }
        } else {
            expectError(reply, .unprocessableContent, "invalid_field", field: .named("plannedRetirementDate"), secrets: [id])
            #expect(try await h.count("prequalifications") == 0)
            #expect(fetched.status == .notFound)
        }
        await h.close()
    }

    @Test("Retiring early needs the minimum contribution (actual plus deemed): 422 without it; a later or the statutory date needs none")
    func earlyNeedsTheMinimumContribution() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let id = APIHarness.residentID(birth: "19660115", sequence: 3)
        let uri = "/api/v1/prequalifications/\(id)"
        try await h.app.test(.router) { client in
            // 150 + 20 = 170 months, below the 180 of 2026.
            let early = try await client.put(uri, prequalificationBody(contributionMonths: 150, deemedMonths: 20,
                                                                       plannedRetirementDate: "2026-03-15"), token: op)
            let error = expectError(early, .unprocessableContent, "invalid_field", field: .named("plannedRetirementDate"), secrets: [id])
            #expect((error["message"] as? String)?.contains("180") == true, "\(early.text)")
            #expect(try await h.count("prequalifications") == 0)
            // Exactly the minimum is enough.
            let enough = try await client.put(uri, prequalificationBody(contributionMonths: 160, deemedMonths: 20,
                                                                        plannedRetirementDate: "2026-03-15"), token: op)
            #expect(enough.status == .ok, "\(enough.text)")
            #expect(try enough.decode(PrequalificationBodyJSON.self).retirementDate == "2026-03-15")
            let late = try await client.put(uri, prequalificationBody(contributionMonths: 100, deemedMonths: 0,
                                                                      plannedRetirementDate: "2027-05-15"), token: op)
            #expect(late.status == .ok, "\(late.text)")
            #expect(try late.decode(PrequalificationBodyJSON.self).retirementDate == "2027-05-15")
            let statutory = try await client.put(uri, prequalificationBody(contributionMonths: 100, deemedMonths: 0), token: op)
            #expect(statutory.status == .ok, "\(statutory.text)")
            let body = try statutory.decode(PrequalificationBodyJSON.self)
            #expect(body.plannedRetirementDate == nil)
            #expect(body.retirementDate == "2026-05-15")
        }
        await h.close()
    }

    @Test("An unknown fundCentre is 422 invalid_field on fundCentre and stores nothing; a centre added in the database is accepted at once")
    func fundCentreMustBeKnown() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let id = People.man()
        let uri = "/api/v1/prequalifications/\(id)"
        try await h.app.test(.router) { client in
            let refused = try await client.put(uri, prequalificationBody(fundCentre: "meihekou"), token: op)
            expectError(refused, .unprocessableContent, "invalid_field", field: .named("fundCentre"), secrets: [id])
            #expect(try await h.count("prequalifications") == 0)
            let created = try await h.infrastructure.postgres.withConnection {
                try FundCentreStore.put(code: "meihekou", name: "梅河口市住房公积金管理中心", on: $0)
            }
            #expect(created)
            let accepted = try await client.put(uri, prequalificationBody(fundCentre: "meihekou"), token: op)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try accepted.decode(PrequalificationBodyJSON.self).fundCentre == "meihekou")
            // No centre at all is allowed (the filer picks one at filing).
            let none = try await client.put(uri, prequalificationBody(fundCentre: nil), token: op)
            #expect(none.status == .ok, "\(none.text)")
            #expect(try none.decode(PrequalificationBodyJSON.self).fundCentre == nil)
        }
        await h.close()
    }
}
