import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing
import TestSupport

/// What the agencies receive and what the case then shows, with `AGENCY_MODE=http` pointed at an
/// agency server of the test's own that records every request: the dashboard's police check and
/// health notice at filing, and the workers' task requests — the fund's to the centre the filer
/// chose, with the bank account only for the extraction — answered with `result` objects.
extension EndToEndTests {
    /// Every request the test's agencies received: the path's first segment and the body.
    actor Received {
        private(set) var requests: [(agency: String, body: Data)] = []
        func add(_ agency: String, _ body: Data) { requests.append((agency, body)) }
        func tasks() throws -> [(agency: String, request: AgencyWire.Request)] {
            try requests.filter { !["police", "health"].contains($0.agency) }
                .map { ($0.agency, try JSONDecoder().decode(AgencyWire.Request.self, from: $0.body)) }
        }
        func count(_ agency: String) -> Int { requests.filter { $0.agency == agency }.count }
    }

    static let flexibleWorker = APIHarness.residentID(birth: "19650515", sequence: 5)
    static let fullAccount = "6222020200112233445"

    @Test("HTTP agencies: the police check and the notice are called at filing; the fund requests go to the chosen centre, the extraction with the bank account; the results show on the case")
    func agencyContract() async throws {
        let received = Received()
        let router = Router()
        router.post("/police/household-checks") { request, _ -> Response in
            var request = request
            await received.add("police", Data(buffer: try await request.collectBody(upTo: 65_536)))
            return Self.json(#"{"registered": true}"#)
        }
        router.post("/health/notices") { request, _ -> Response in
            var request = request
            await received.add("health", Data(buffer: try await request.collectBody(upTo: 65_536)))
            return Self.json(#"{"text": "测试卫健部门：城镇独生子女父母奖励告知"}"#)
        }
        router.post("/:agency/tasks") { request, context -> Response in
            var request = request
            let body = Data(buffer: try await request.collectBody(upTo: 65_536))
            let agency = try context.parameters.require("agency")
            await received.add(agency, body)
            guard let wire = try? JSONDecoder().decode(AgencyWire.Request.self, from: body) else {
                return Response(status: .badRequest)
            }
            // Each answer a result object; the extraction's echoes the account whole, which must
            // never be stored or shown that way.
            let result = switch wire.item {
            case "fund.seal": #"{"sealedOn": "2025-07-20"}"#
            case "fund.extraction": #"{"amount": "123456.78", "paidOn": "2025-07-21", "accountNumber": "\#(Self.fullAccount)"}"#
            default: #"{"effectiveOn": "\#(wire.retirementDate.iso8601)"}"#
            }
            return Self.json(#"{"outcome": "succeeded", "result": \#(result)}"#)
        }
        try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            // The pre-qualification's centre is changchun; the filer chooses jilin, which has a URL of its own.
            let urls = ["hr", "social", "medical", "fund", "police", "health"].map { "\($0)=\(base)/\($0)" }
                + ["fund.jilin=\(base)/fund-jilin"]
            let record = Prequalification(
                idNumber: try ResidentID(parsing: Self.flexibleWorker), name: "李四", category: .male,
                organisation: "archive-e2e", organisationKind: .archive, passed: true, contributionMonths: 300,
                deemedMonths: 24, medicalContributionMonths: 300, fundCentre: "changchun", fundAccountFrozen: false,
                householdRegistered: true, onlyChildParent: true)
            let day = Self.payable(onOrAfter: Self.retirement.adding(days: 3))
            let system = try await System(mode: "http", clock: Self.at(day), paymentDay: day.day, prequalifications: [record],
                                          agencyURLs: urls.joined(separator: ","))
            let person = try await system.token(.individual, idNumber: Self.flexibleWorker)
            let filing = #"{"retiree": {"name": "李四", "idNumber": "\#(Self.flexibleWorker)"}, "pensionBenefit": false, "medicalTransfer": false, "housingFund": {"action": "sealAndExtract", "centre": "jilin"}, "bankAccount": {"bank": "中国建设银行", "accountNumber": "\#(Self.fullAccount)", "holderName": "李四"}}"#
            let filed = try system.api("POST", "/api/v1/cases", token: person, body: filing)
            #expect(filed.status == 201, "\(filed.body)\n\(system.logs)")
            #expect(filed.body.contains("测试卫健部门"), "the health commission's notice is the one it sent")
            #expect(await received.count("police") == 1)
            let police = try JSONDecoder().decode(AgencyWire.HouseholdCheckRequest.self,
                                                  from: try #require(await received.requests.first { $0.agency == "police" }).body)
            #expect(police == AgencyWire.HouseholdCheckRequest(idNumber: Self.flexibleWorker, name: "李四"))

            let done = try await system.settle { tasks in tasks.count == 3 && tasks.values.allSatisfy { $0 == "succeeded" } }
            let tasks = try await system.tasks()
            #expect(done, "\(tasks)\n\(system.logs)")

            // What the workers sent: the fund's work to the chosen centre, the account to the extraction only.
            let sent = try await received.tasks()
            #expect(Set(sent.map { "\($0.agency) \($0.request.item)" })
                    == ["hr hr.qualification", "fund-jilin fund.seal", "fund-jilin fund.extraction"])
            #expect(await received.count("fund") == 0)
            for (_, request) in sent {
                switch request.item {
                case "fund.seal":
                    #expect(request.housingFund == .init(action: .sealAndExtract, centre: "jilin"))
                    #expect(request.bankAccount == nil)
                case "fund.extraction":
                    #expect(request.housingFund == .init(action: .sealAndExtract, centre: "jilin"))
                    #expect(request.bankAccount == BankAccount(bank: "中国建设银行", accountNumber: Self.fullAccount, holderName: "李四"))
                default:
                    #expect(request.housingFund == nil && request.bankAccount == nil, "\(request.item)")
                }
                #expect(request.retiree.idNumber == Self.flexibleWorker)
            }

            // What the case shows: the results, with the echoed account number cut to its last four.
            let number = try await system.caseNo()
            let shown = try system.api("GET", "/api/v1/cases/\(number)", token: person)
            #expect(shown.status == 200)
            #expect(!shown.body.contains(Self.fullAccount), "the full account number is shown")
            let body = try JSONSerialization.jsonObject(with: Data(shown.body.utf8)) as? [String: Any]
            let results = Dictionary(uniqueKeysWithValues: ((body?["tasks"] as? [[String: Any]]) ?? []).map {
                ($0["item"] as? String ?? "", $0["result"] as? [String: Any] ?? [:])
            })
            #expect(results["fund.extraction"]?["amount"] as? String == "123456.78")
            #expect(results["fund.extraction"]?["paidOn"] as? String == "2025-07-21")
            #expect(results["fund.extraction"]?["accountNumber"] as? String == "***************3445")
            #expect(results["fund.seal"]?["sealedOn"] as? String == "2025-07-20")
            #expect(results["hr.qualification"]?["effectiveOn"] as? String == Self.retirement.iso8601)
            #expect(body?["status"] as? String == "completed")
            #expect((body?["realNameCheck"] as? [String: Any])?["required"] as? Bool == false)
            await system.stop()
        }
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
