import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing

/// Who files (DOMAIN.md, "Who files, read closely"), through the HTTP API: an employer's or a
/// group's agent files for its employees; a flexible-employment person files for themself when an
/// archive institution passed their pre-check; the archive institution's agent reads, never files.
@Suite("Who files (HTTP)")
struct WhoFilesTests {
    /// Nothing of a refused filing is in PostgreSQL or Redis.
    static func expectNothingWritten(_ h: APIHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for table in ["cases", "tasks", "events"] {
            #expect(try await h.count(table) == 0, "\(table)", sourceLocation: sourceLocation)
        }
        for agency in Agency.allCases {
            #expect(try await h.streamLength(agency.rawValue) == 0, "\(agency.rawValue) stream", sourceLocation: sourceLocation)
        }
    }

    @Test("An archive institution's agent filing is 422 wrong_filer, whatever is ticked; nothing is written or published; it still reads the person's case and pre-qualification",
          arguments: [HousingFundAction.none, .seal, .sealAndExtract])
    func archiveAgentReadsButNeverFiles(_ fund: HousingFundAction) async throws {
        let h = try await APIHarness()
        let archive = try await h.token(.agent, organisation: "archive-1", organisationKind: .archive)
        let id = People.man()
        // The organisation is registered as an archive institution by its agent's token.
        try await h.prequalify(id, name: "张三", organisation: "archive-1")
        let person = try await h.token(.individual, idNumber: id)
        let json = filingBody(id, pension: true, medical: true, fund: fund)
        try await h.app.test(.router) { client in
            let refused = try await client.file(json, token: archive)
            expectError(refused, .unprocessableContent, "wrong_filer", secrets: [id, People.account])
            try await Self.expectNothingWritten(h)

            // The person files their own case; the archive institution reads it.
            let filed = try await client.file(json, token: person)
            #expect(filed.status == .created, "\(filed.text)")
            let caseNo = try filed.decode(CaseJSON.self).caseNo
            let read = try await client.get("/api/v1/cases/\(caseNo)", token: archive)
            #expect(read.status == .ok, "\(read.text)")
            let body = try read.decode(CaseJSON.self)
            #expect(body.caseNo == caseNo)
            #expect(body.filedBy == "individual")
            #expect(body.organisation == "archive-1")
            let list = try await client.get("/api/v1/cases", token: archive).decode(CaseListJSON.self)
            #expect(list.cases.map(\.caseNo) == [caseNo])
            let record = try await client.get("/api/v1/prequalifications/\(id)", token: archive)
            #expect(record.status == .ok, "\(record.text)")
            #expect(try record.decode(PrequalificationJSON.self).organisationKind == "archive")

            // Filing again as the archive agent is still wrong_filer, not a duplicate.
            expectError(try await client.file(json, token: archive), .unprocessableContent, "wrong_filer", secrets: [id])
        }
        #expect(try await h.count("cases") == 1)
        await h.close()
    }

    @Test("An individual whose pre-qualification an employer or a group passed is 422 wrong_filer on retiree; nothing is written",
          arguments: [OrganisationKind.employer, .group])
    func employeeDoesNotFileAlone(_ kind: OrganisationKind) async throws {
        let h = try await APIHarness()
        let id = People.man()
        try await h.prequalify(id, name: "张三", organisation: "org-1", organisationKind: kind)
        let person = try await h.token(.individual, idNumber: id)
        for fund in [HousingFundAction.none, .seal, .sealAndExtract] {
            let reply = try await h.app.test(.router) {
                try await $0.file(filingBody(id, pension: true, medical: true, fund: fund), token: person)
            }
            expectError(reply, .unprocessableContent, "wrong_filer", field: .named("retiree"), secrets: [id, People.account])
        }
        try await Self.expectNothingWritten(h)
        await h.close()
    }

    @Test("A flexible-employment person filing seal and extract: 201, filedBy individual, and no real-name check (the extraction waits only for the seal)")
    func flexibleWorkerNeedsNoRealNameCheck() async throws {
        let h = try await APIHarness()
        let id = People.man()
        try await h.prequalify(id, name: "张三", organisation: "archive-1", organisationKind: .archive)
        let person = try await h.token(.individual, idNumber: id)
        let (filed, fetched) = try await h.app.test(.router) { client in
            let filed = try await client.file(filingBody(id, fund: .sealAndExtract), token: person)
            let caseNo = (try? filed.decode(CaseJSON.self).caseNo) ?? "none"
            return (filed, try await client.get("/api/v1/cases/\(caseNo)", token: person))
        }
        #expect(filed.status == .created, "\(filed.text)")
        for body in [try filed.decode(CaseJSON.self), try fetched.decode(CaseJSON.self)] {
            #expect(body.filedBy == "individual")
            #expect(body.organisation == "archive-1")
            #expect(body.realNameCheck.required == false)
            #expect(body.realNameCheck.deadline == nil)
            #expect(body.realNameCheck.doneAt == nil)
            #expect(body.items == ["fund.extraction", "fund.seal", "hr.qualification"])
            #expect(body.task(.fundExtraction)?.status == "blocked")
            #expect(body.task(.fundSeal)?.status == "blocked")
            #expect(body.task(.hrQualification)?.status == "queued")
        }
        // A real-name confirmation is refused: the case needs none.
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        let confirm = try await h.app.test(.router) {
            try await $0.post("/api/v1/cases/\(caseNo)/real-name-check", "{}", token: person)
        }
        expectError(confirm, .conflict, "real_name_not_required", secrets: [id])
        await h.close()
    }

    @Test("An employer's agent choosing seal and extract: the real-name check is required (30 days from a filing after the guide's window)")
    func employerExtractionNeedsRealNameCheck() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        let filed = try await h.app.test(.router) { try await $0.file(filingBody(id, fund: .sealAndExtract), token: agent) }
        #expect(filed.status == .created, "\(filed.text)")
        let body = try filed.decode(CaseJSON.self)
        #expect(body.filedBy == "agent")
        #expect(body.organisation == "acme")
        #expect(body.realNameCheck.required == true)
        // Retirement 2025-07-15, the guide's window closed 2025-08-14; filed 2025-11-30: 30 days from filing.
        #expect(body.realNameCheck.deadline == "2025-12-30")
        #expect(body.realNameCheck.doneAt == nil)
        // The same agent choosing only the seal: no check.
        let other = People.man(5)
        try await h.prequalify(other, name: "李四")
        let sealOnly = try await h.app.test(.router) {
            try await $0.file(filingBody(other, name: "李四", fund: .seal), token: agent)
        }
        #expect(sealOnly.status == .created, "\(sealOnly.text)")
        #expect(try sealOnly.decode(CaseJSON.self).realNameCheck.required == false)
        await h.close()
    }

    @Test("A group's agent files for the group's employees like an employer: 201, filedBy agent, the real-name check for an extraction")
    func groupAgentFilesLikeAnEmployer() async throws {
        let h = try await APIHarness()
        let group = try await h.token(.agent, organisation: "group-1", organisationKind: .group)
        let id = People.man()
        try await h.prequalify(id, name: "张三", organisation: "group-1")
        let record = try await h.app.test(.router) { try await $0.get("/api/v1/prequalifications/\(id)", token: group) }
        #expect(try record.decode(PrequalificationJSON.self).organisationKind == "group")
        let filed = try await h.app.test(.router) {
            try await $0.file(filingBody(id, pension: true, medical: true, fund: .sealAndExtract), token: group)
        }
        #expect(filed.status == .created, "\(filed.text)")
        let body = try filed.decode(CaseJSON.self)
        #expect(body.filedBy == "agent")
        #expect(body.organisation == "group-1")
        #expect(body.realNameCheck.required == true)
        #expect(body.realNameCheck.deadline == "2025-12-30")
        let expected = ItemCatalogue.initialTasks(for: FilingChoices(pensionBenefit: true, medicalTransfer: true, housingFund: .sealAndExtract),
                                                  realNameCheckPending: true)
        #expect(Set(body.tasks.map { "\($0.item) \($0.status)" }) == Set(expected.map { "\($0.item.rawValue) \($0.status.rawValue)" }))
        #expect(try await h.count("cases") == 1)
        #expect(try await h.streamLength("hr") == 1)
        await h.close()
    }

    @Test("An archive institution's agent reads a flexible-employment person's case but does not act as its filer: its retrigger or abandon of the person's failed item is refused and changes nothing",
          arguments: ["retrigger", "abandon"])
    func archiveAgentDoesNotActForThePerson(_ action: String) async throws {
        let h = try await APIHarness()
        let archive = try await h.token(.agent, organisation: "archive-1", organisationKind: .archive)
        let id = People.man()
        try await h.prequalify(id, name: "张三", organisation: "archive-1")
        let person = try await h.token(.individual, idNumber: id)
        let filed = try await h.app.test(.router) { try await $0.file(filingBody(id, medical: true), token: person) }
        #expect(filed.status == .created, "\(filed.text)")
        let caseNo = try filed.decode(CaseJSON.self).caseNo
        // The medical bureau refused the transfer (a condition not met): the filer's to retrigger or give up.
        try await h.infrastructure.postgres.query("""
            UPDATE tasks SET status = CASE WHEN item = 'medical.transfer' THEN 'failed' ELSE 'succeeded' END, attempt = 1
            """)
        let events = try await h.count("events")
        let uri = "/api/v1/cases/\(caseNo)/tasks/medical.transfer/\(action)"
        try await h.app.test(.router) { client in
            #expect(try await client.get("/api/v1/cases/\(caseNo)", token: archive).status == .ok)
            let reply = try await client.post(uri, "{}", token: archive)
            #expect([404, 409, 422].contains(reply.status.code), "the archive agent's \(action) answered \(reply.status.code): \(reply.text)")
            #expect(reply.object["error"] != nil, "\(reply.text)")
            let status = try await client.get("/api/v1/cases/\(caseNo)", token: person).decode(CaseJSON.self).task(.medicalTransfer)?.status
            #expect(status == "failed")
            #expect(try await h.count("events") == events)
        }
        await h.close()
    }
}
