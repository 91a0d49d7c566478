import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing
import TestSupport

/// Every API endpoint, tried by every role on another organisation's or person's case and
/// pre-qualification: 404 each time (never 403: it does not confirm the record exists), and
/// nothing changes. The owners' own calls succeed, so the matrix can fail.
@Suite struct TenancyTests {
    static let retireeB = APIHarness.residentID(birth: "19650515", sequence: 3)  // org-b's employee
    static let personX = APIHarness.residentID(birth: "19650515", sequence: 5)   // flexible employment
    static let personY = APIHarness.residentID(birth: "19650515", sequence: 7)   // flexible employment

    static func filing(_ id: String, name: String) -> String {
        #"{"retiree":{"name":"\#(name)","idNumber":"\#(id)"},"pensionBenefit":true,"medicalTransfer":true,"housingFund":{"action":"seal","centre":"changchun"}}"#
    }

    static let prequalificationBody = #"{"name":"王五","category":"male","organisation":"org-a","passed":true,"contributionMonths":300,"deemedMonths":24,"medicalContributionMonths":300,"fundCentre":"changchun"}"#

    @Test func nobodyReachesAnotherOrganisationsOrPersonsRecords() async throws {
        let h = try await APIHarness()
        let agentA = try await h.token(.agent, organisation: "org-a")
        let agentB = try await h.token(.agent, organisation: "org-b")
        let individualX = try await h.token(.individual, idNumber: Self.personX)
        let individualY = try await h.token(.individual, idNumber: Self.personY)
        let retireeBSelf = try await h.token(.individual, idNumber: Self.retireeB)
        try await h.prequalify(Self.retireeB, name: "张三", organisation: "org-b")
        try await h.prequalify(Self.personX, name: "李四", organisation: "flex", organisationKind: .archive)
        try await h.prequalify(Self.personY, name: "赵六", organisation: "flex", organisationKind: .archive)

        try await h.app.test(.router) { client in
            let caseB = try await client.file(Self.filing(Self.retireeB, name: "张三"), token: agentB).decode(CaseJSON.self).caseNo
            let caseY = try await client.file(Self.filing(Self.personY, name: "赵六"), token: individualY).decode(CaseJSON.self).caseNo

            // The owners reach their own (and the retiree reaches the case about them).
            for (token, caseNo) in [(agentB, caseB), (individualY, caseY), (retireeBSelf, caseB)] {
                #expect(try await client.send(.get, "/api/v1/cases/\(caseNo)", headers: bearer(token)).status == .ok)
            }
            #expect(try await client.send(.get, "/api/v1/prequalifications/\(Self.retireeB)", headers: bearer(agentB)).status == .ok)
            #expect(try await client.send(.get, "/api/v1/prequalifications/\(Self.personY)", headers: bearer(individualY)).status == .ok)

            let before = try await counts(h)
            let outsiders: [(String, String, [(caseNo: String, idNumber: String)])] = [
                ("agent of another organisation", agentA, [(caseB, Self.retireeB), (caseY, Self.personY)]),
                ("another organisation's agent, B's case for Y", agentB, [(caseY, Self.personY)]),
                ("another person", individualX, [(caseB, Self.retireeB), (caseY, Self.personY)]),
                ("the retiree of B, Y's case", retireeBSelf, [(caseY, Self.personY)]),
            ]
            for (who, token, targets) in outsiders {
                for target in targets {
                    var calls: [(HTTPRequest.Method, String, String?)] = [
                        (.get, "/api/v1/cases/\(target.caseNo)", nil),
                        (.get, "/api/v1/cases/\(target.caseNo)?include=events", nil),
                        (.post, "/api/v1/cases/\(target.caseNo)/real-name-check", "{}"),
                        (.get, "/api/v1/prequalifications/\(target.idNumber)", nil),
                        (.get, "/api/v1/prequalifications/\(target.idNumber)?name=%E5%BC%A0%E4%B8%89", nil),
                        (.put, "/api/v1/prequalifications/\(target.idNumber)", Self.prequalificationBody),
                    ]
                    for item in Item.allCases {
                        calls.append((.post, "/api/v1/cases/\(target.caseNo)/tasks/\(item.rawValue)/retrigger", nil))
                        calls.append((.post, "/api/v1/cases/\(target.caseNo)/tasks/\(item.rawValue)/abandon",
                                      #"{"reason": "x"}"#))
                    }
                    for (method, path, body) in calls {
                        let reply = try await client.send(method, path, headers: bearer(token), body: body.map { ByteBuffer(string: $0) })
                        #expect(reply.status == .notFound, "\(who): \(method) \(path) answered \(reply.status.code)")
                        #expect(reply.text.contains("\"not_found\""), "\(who): \(method) \(path)")
                    }
                    // Their list does not show it either.
                    let list = try await client.send(.get, "/api/v1/cases?limit=100", headers: bearer(token)).decode(CaseListJSON.self)
                    #expect(!list.cases.contains { $0.caseNo == target.caseNo }, "\(who) lists \(target.caseNo)")
                }
            }
            // Filing for someone out of reach changes nothing either: another organisation's employee,
            // another person's ID.
            let crossFiling = try await client.file(Self.filing(Self.personX, name: "李四"), token: agentA)
            #expect(crossFiling.status == .unprocessableContent)
            let otherPerson = try await client.file(Self.filing(Self.personX, name: "李四"), token: individualY)
            #expect(otherPerson.status.code >= 400 && otherPerson.status.code < 500)
            #expect(try await counts(h) == before)
        }
        await h.close()
    }

    /// Rows of every table an API call could change, and the Redis streams.
    func counts(_ h: APIHarness) async throws -> [Int] {
        var result: [Int] = []
        for table in ["cases", "tasks", "events", "prequalifications"] { result.append(try await h.count(table)) }
        for agency in Agency.allCases { result.append(try await h.streamLength(agency.rawValue)) }
        let updated = try await h.infrastructure.postgres.query(
            "SELECT coalesce(sum(extract(epoch FROM updated_at)), 0)::bigint AS n FROM prequalifications").first!.decode(Int.self, "n")
        result.append(updated)
        return result
    }
}
