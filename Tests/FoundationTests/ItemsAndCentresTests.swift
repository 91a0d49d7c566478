import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Storage
import Testing

/// Which items a case holds (ticking nothing is the qualification alone; the deemed years come with
/// the pension), and the housing-fund centres as data (`GET /api/v1/fund-centres`, the filer's centre).
@Suite("Case items and fund centres (HTTP)")
struct ItemsAndCentresTests {
    @Test("Nothing ticked: the case holds hr.qualification alone, queued and published once")
    func nothingTicked() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) { try await $0.file(filingBody(id), token: agent) }
        #expect(reply.status == .created, "\(reply.text)")
        let body = try reply.decode(CaseJSON.self)
        #expect(body.tasks.map(\.item) == ["hr.qualification"])
        #expect(body.tasks.map(\.status) == ["queued"])
        #expect(body.pensionBenefit == false && body.medicalTransfer == false)
        #expect(body.housingFund.action == "none" && body.housingFund.centre == nil)
        #expect(body.realNameCheck.required == false)
        #expect(try await h.count("tasks") == 1)
        #expect(try await h.streamLength("hr") == 1)
        for agency in ["social", "medical", "fund"] { #expect(try await h.streamLength(agency) == 0, "\(agency)") }
        await h.close()
    }

    @Test("The pension ticked: the case holds both hr items and the social chain, the deemed years waiting for the qualification")
    func pensionBringsTheDeemedYears() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) { try await $0.file(filingBody(id, pension: true), token: agent) }
        #expect(reply.status == .created, "\(reply.text)")
        let body = try reply.decode(CaseJSON.self)
        #expect(body.items == ["hr.deemedYears", "hr.qualification", "social.benefitApproval", "social.benefitPayment",
                               "social.insuranceTermination", "social.pensionTransfer"])
        #expect(body.task(.hrDeemedYears)?.status == "blocked")
        #expect(body.task(.hrQualification)?.status == "queued")
        // The medical transfer alone brings no hr.deemedYears.
        let other = People.man(5)
        try await h.prequalify(other, name: "李四")
        let medical = try await h.app.test(.router) {
            try await $0.file(filingBody(other, name: "李四", medical: true), token: agent)
        }
        #expect(try medical.decode(CaseJSON.self).items == ["hr.qualification", "medical.deemedYears", "medical.transfer"])
        await h.close()
    }

    /// The province's centres (DOMAIN.md, "Fund centres are data"), with the city each is named after.
    static let centres: [(code: String, name: String, city: String)] = [
        ("baicheng", "白城市住房公积金管理中心", "白城"),
        ("baishan", "白山市住房公积金管理中心", "白山"),
        ("changchun", "长春市住房公积金管理中心", "长春"),
        ("jilin", "吉林市住房公积金管理中心", "吉林"),
        ("liaoyuan", "辽源市住房公积金管理中心", "辽源"),
        ("provincial", "吉林省省直住房公积金管理分中心", "省直"),
        ("siping", "四平市住房公积金管理中心", "四平"),
        ("songyuan", "松原市住房公积金管理中心", "松原"),
        ("tonghua", "通化市住房公积金管理中心", "通化"),
        ("yanbian", "延边朝鲜族自治州住房公积金管理中心", "延边"),
    ]

    struct Centre: Decodable, Equatable {
        let code, name: String
    }

    @Test("GET /api/v1/fund-centres lists the province's ten centres with their codes and names, to every role; 401 without a token")
    func fundCentresList() async throws {
        let h = try await APIHarness()
        let tokens = [try await h.token(.agent, organisation: "acme"), try await h.token(.operator),
                      try await h.token(.individual, idNumber: People.man())]
        try await h.app.test(.router) { client in
            for token in tokens {
                let reply = try await client.get("/api/v1/fund-centres", token: token)
                #expect(reply.status == .ok, "\(reply.text)")
                let list = try reply.decode([Centre].self)
                #expect(list == Self.centres.map { Centre(code: $0.code, name: $0.name) })
                for centre in Self.centres {
                    #expect(list.first { $0.code == centre.code }?.name.contains(centre.city) == true, "\(centre.code)")
                }
            }
            let anonymous = try await client.send(.get, "/api/v1/fund-centres")
            expectError(anonymous, .unauthorized, "unauthorized")
        }
        await h.close()
    }

    @Test("An unknown centre at filing is 422 invalid_field on housingFund.centre for every action that needs one; nothing is written",
          arguments: [HousingFundAction.seal, .sealAndExtract, .extract])
    func unknownCentreAtFiling(_ fund: HousingFundAction) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        for centre in ["beijing", "Changchun", "changchun-2"] {
            let reply = try await h.app.test(.router) {
                try await $0.file(filingBody(id, fund: fund, centre: centre), token: agent)
            }
            expectError(reply, .unprocessableContent, "invalid_field", field: .named("housingFund.centre"),
                        secrets: [id, People.account])
        }
        #expect(try await h.count("cases") == 0)
        #expect(try await h.count("tasks") == 0)
        #expect(try await h.streamLength("hr") == 0)
        await h.close()
    }

    @Test("A centre added in the database is listed and accepted at filing at once, without a restart")
    func addedCentreIsAcceptedAtOnce() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = People.man()
        try await h.prequalify(id, name: "张三")
        try await h.app.test(.router) { client in
            expectError(try await client.file(filingBody(id, fund: .seal, centre: "meihekou"), token: agent),
                        .unprocessableContent, "invalid_field", field: .named("housingFund.centre"))
            let created = try await h.infrastructure.postgres.withConnection {
                try FundCentreStore.put(code: "meihekou", name: "梅河口市住房公积金管理中心", on: $0)
            }
            #expect(created)
            let list = try await client.get("/api/v1/fund-centres", token: agent).decode([Centre].self)
            #expect(list.count == 11)
            #expect(list.contains(Centre(code: "meihekou", name: "梅河口市住房公积金管理中心")))
            let filed = try await client.file(filingBody(id, fund: .seal, centre: "meihekou"), token: agent)
            #expect(filed.status == .created, "\(filed.text)")
            #expect(try filed.decode(CaseJSON.self).housingFund.centre == "meihekou")
        }
        await h.close()
    }
}
