import Foundation
import Model
import Services
import Storage
import Testing
import TestSupport

/// A full case with known ID and account numbers, through the real processes logging at `trace`:
/// neither number appears whole in any log line, API response or operator page, including the
/// refusals that quote what was sent, and no response carries the digits a mask hides.
@Suite("Personal data", .serialized)
struct PersonalDataTests {
    static let account = "6222020200112233445"

    @Test func neitherNumberAppearsWholeAnywhere() async throws {
        let id = EndToEndTests.man
        let wrongCheck = String(id.dropLast()) + (id.last == "0" ? "1" : "0")
        let system = try await EndToEndTests.startedAfterRetirement(mode: "simulated", try EndToEndTests.prequalification(),
                                                                    logLevel: "trace")
        let agent = try await system.token(.agent, organisation: "acme")
        let retiree = try await system.token(.individual, idNumber: id)
        let staff = try await system.token(.operator)
        var bodies: [(String, String)] = []
        func call(_ method: String, _ path: String, _ token: String, _ body: String? = nil) throws -> Int {
            let reply = try system.api(method, path, token: token, body: body)
            bodies.append(("\(method) \(path)", reply.body))
            return reply.status
        }
        func filing(account: String, holder: String = "张三", idNumber: String = id) -> String {
            #"{"retiree": {"name": "张三", "idNumber": "\#(idNumber)"}, "pensionBenefit": true, "medicalTransfer": true, "housingFund": {"action": "sealAndExtract", "centre": "changchun"}, "bankAccount": {"bank": "中国工商银行", "accountNumber": "\#(account)", "holderName": "\#(holder)"}}"#
        }

        #expect(try call("GET", "/api/v1/prequalifications/\(id)?name=%E5%BC%A0%E4%B8%89", agent) == 200)
        #expect(try call("GET", "/api/v1/prequalifications/\(wrongCheck)", agent) == 422)
        #expect(try call("POST", "/api/v1/cases", agent, filing(account: Self.account, idNumber: wrongCheck)) == 422)
        #expect(try call("POST", "/api/v1/cases", agent, filing(account: "62220202001122334455667")) == 422)
        #expect(try call("POST", "/api/v1/cases", agent, filing(account: Self.account, holder: "李四")) == 422)
        #expect(try call("POST", "/api/v1/cases", agent, filing(account: Self.account)) == 201)
        #expect(try call("POST", "/api/v1/cases", agent, filing(account: Self.account)) == 409)
        let number = try await system.caseNo()
        #expect(try call("POST", "/api/v1/cases/\(number)/real-name-check", retiree, "{}") == 200)
        let completed = try await system.settle { tasks in tasks.count == 10 && tasks.values.allSatisfy { $0 == "succeeded" } }
        #expect(completed, "\(system.logs)")
        for token in [agent, retiree, staff] {
            #expect(try call("GET", "/api/v1/cases/\(number)?include=events", token) == 200)
            #expect(try call("GET", "/api/v1/cases", token) == 200)
        }

        // The operator pages and their JSON twins, with a session made for the test.
        let session = OperatorAccounts.randomToken()
        try await system.infrastructure.postgres.withConnection { db in
            try OperatorStore.upsert(name: "pd-operator", role: .operator, passwordHash: "unused", on: db)
            let operatorID = try #require(try OperatorStore.find(name: "pd-operator", on: db)).id
            try OperatorStore.createSession(token: session, operatorID: operatorID, csrfToken: "x", now: Date(),
                                            expiresAt: Date().addingTimeInterval(3600), on: db)
        }
        for path in ["/", "/cases", "/cases/\(number)", "/failed", "/metrics"] {
            for suffix in path == "/metrics" ? [""] : ["", path.contains("?") ? "&format=json" : "?format=json"] {
                let reply = try httpRequest("GET", "http://127.0.0.1:\(system.dashboardPort)\(path)\(suffix)",
                                            headers: ["Cookie": "rot_session=\(session)"])
                #expect(reply.status == 200, "\(path)\(suffix)")
                bodies.append(("page \(path)\(suffix)", reply.body))
            }
        }
        await system.stop()

        let logs = system.logs
        #expect(logs.split(separator: "\n").count > 50, "trace logging produced too little to be a test")
        for secret in [id, wrongCheck, Self.account, "62220202001122334455667"] {
            for (what, body) in bodies where body.contains(secret) {
                Issue.record("\(what) shows a whole ID or account number")
            }
            for line in logs.split(separator: "\n") where line.contains(secret) {
                Issue.record("a log line shows a whole ID or account number: \(line.prefix(200))")
            }
        }
        // Nothing beside a mask gives the hidden digits back: the birth date the ID's mask hides is in
        // no response, in any field or form (until issue 14 the bodies carried `birthDate`).
        let hidden = String(id.dropFirst(6).prefix(8))
        let dashed = "\(hidden.prefix(4))-\(hidden.dropFirst(4).prefix(2))-\(hidden.suffix(2))"
        for (what, body) in bodies where body.contains(hidden) || body.contains(dashed) || body.contains("birthDate") {
            Issue.record("\(what) shows the birth date the masked ID hides")
        }
        // The masked forms are what is shown.
        #expect(bodies.contains { $0.1.contains(maskedID(id)) })
        #expect(bodies.contains { $0.1.contains(String(repeating: "*", count: 15) + "3445") })
    }

    func maskedID(_ id: String) -> String { id.prefix(6) + "********" + id.suffix(4) }
}
