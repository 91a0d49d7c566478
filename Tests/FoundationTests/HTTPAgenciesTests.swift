import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing
import TestSupport

@Suite("The HTTP agency adapter")
struct HTTPAgenciesTests {
    static func request() throws -> AgencyRequest {
        AgencyRequest(idempotencyKey: "0b7c2d9e-1111-4222-8333-944455556666", item: .hrQualification, caseNo: "RT2025113000000001",
                      retirementDate: LocalDate(year: 2025, month: 7, day: 15)!,
                      prequalification: Prequalification(
                          idNumber: try ResidentID(parsing: APIHarness.residentID(birth: "19650515", sequence: 3)), name: "张三",
                          category: .male, organisation: "acme", passed: true, contributionMonths: 300, deemedMonths: 24,
                          medicalContributionMonths: 300, fundCentre: nil, fundAccountFrozen: false,
                          householdRegistered: true, onlyChildParent: false))
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func gateway(_ base: String, timeout: Duration = .seconds(5)) -> HTTPAgencies {
        HTTPAgencies(endpoints: AgencyEndpoints(agencies: Dictionary(uniqueKeysWithValues: Agency.allCases.map { ($0, base) })),
                     timeout: timeout)
    }

    @Test("contract answers become outcomes; 5xx, other statuses, bodies outside the contract, timeouts and refused connections are transient")
    func faults() async throws {
        let router = Router()
        // Answers only a request that follows the contract, with the idempotency key in header and body.
        router.post("/ok/tasks") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 65_536)
            guard let wire = try? JSONDecoder().decode(AgencyWire.Request.self, from: Data(body.readableBytesView)),
                  wire.agencyRequest == (try Self.request()),
                  request.headers[.init("Idempotency-Key")!] == wire.idempotencyKey
            else { return Self.json(.unprocessableContent, "{}") }
            return Self.json(.ok, #"{"outcome": "succeeded", "result": {"effectiveOn": "2025-07-15"}}"#)
        }
        router.post("/unmet/tasks") { _, _ in Self.json(.ok, #"{"outcome": "conditionNotMet", "reason": "not yet"}"#) }
        router.post("/down/tasks") { _, _ in Self.json(.serviceUnavailable, "{}") }
        router.post("/refusing/tasks") { _, _ in Self.json(.badRequest, #"{"error": "no"}"#) }
        router.post("/garbage/tasks") { _, _ in Self.json(.ok, #"{"outcome": "maybe"}"#) }
        router.post("/slow/tasks") { _, _ -> Response in
            try await Task.sleep(for: .milliseconds(2500))
            return Self.json(.ok, #"{"outcome": "succeeded", "result": {}}"#)
        }
        // A result that is not an object, or too big, is outside the contract.
        router.post("/textresult/tasks") { _, _ in Self.json(.ok, #"{"outcome": "succeeded", "result": "done"}"#) }
        router.post("/bigresult/tasks") { _, _ in
            let fields = (0..<30).map { "\"k\($0)\": 1" }.joined(separator: ", ")
            return Self.json(.ok, "{\"outcome\": \"succeeded\", \"result\": {\(fields)}}")
        }
        let request = try Self.request()
        try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            #expect(try await Self.gateway("\(base)/ok").perform(request)
                    == .succeeded(result: TaskResult(["effectiveOn": .string("2025-07-15")])))
            #expect(try await Self.gateway("\(base)/unmet").perform(request) == .conditionNotMet(reason: "not yet"))
            for path in ["down", "refusing", "garbage", "textresult", "bigresult"] {
                await #expect(throws: TransientAgencyError.self, "\(path)") {
                    try await Self.gateway("\(base)/\(path)").perform(request)
                }
            }
            await #expect(throws: TransientAgencyError.self, "slow") {
                try await Self.gateway("\(base)/slow", timeout: .seconds(1)).perform(request)
            }
        }
        let closed = try freeLoopbackPort()
        await #expect(throws: TransientAgencyError.self, "refused") {
            try await Self.gateway("http://127.0.0.1:\(closed)").perform(request)
        }
    }

    @Test("AGENCY_BASE_URLS: every agency an executable needs, with an http(s) URL; a fund centre's own URL, else fund=")
    func baseURLs() throws {
        let endpoints = try AgencyEndpoints.parse(
            "hr=http://a:1/hr, social=http://a:1/social/,medical=https://m.example,fund=http://f,fund.jilin=http://j/,police=http://p,health=http://h")
        #expect(endpoints.agencies[.social] == "http://a:1/social")
        #expect(endpoints.agencies[.medical] == "https://m.example")
        #expect(endpoints.fundCentres == ["jilin": "http://j"])
        #expect(endpoints.notices == [.police: "http://p", .health: "http://h"])
        try endpoints.require(agencies: Agency.allCases, notices: NoticeAgency.allCases)
        var request = try Self.request()
        request.item = .fundSeal
        request.housingFund = .init(action: .seal, centre: "jilin")
        #expect(endpoints.baseURL(for: request) == "http://j")
        request.housingFund = .init(action: .seal, centre: "changchun")
        #expect(endpoints.baseURL(for: request) == "http://f")
        request.item = .hrQualification
        request.housingFund = .init(action: .seal, centre: "jilin")
        #expect(endpoints.baseURL(for: request) == "http://a:1/hr")

        let partial = try AgencyEndpoints.parse("hr=http://a,social=http://b")
        #expect(throws: AgencyEndpoints.ParseError.self) { try partial.require(agencies: Agency.allCases) }
        #expect(throws: AgencyEndpoints.ParseError.self) { try partial.require(notices: [.police]) }
        #expect(throws: AgencyEndpoints.ParseError.self) {
            try AgencyEndpoints.parse("hr=ftp://a,social=http://b,medical=http://c,fund=http://d")
        }
        #expect(throws: AgencyEndpoints.ParseError.self) { try AgencyEndpoints.parse("tax=http://t") }
    }

    @Test("the police check and the health notice are calls: no police answer throws, no health answer gives the general notice")
    func filingChecks() async throws {
        let router = Router()
        let record = try Self.request().prequalification
        router.post("/police/household-checks") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 65_536)
            guard let wire = try? JSONDecoder().decode(AgencyWire.HouseholdCheckRequest.self, from: Data(body.readableBytesView)),
                  wire.idNumber == record.idNumber.number, wire.name == record.name
            else { return Self.json(.unprocessableContent, "{}") }
            return Self.json(.ok, #"{"registered": false, "reason": "户籍信息未能确认"}"#)
        }
        router.post("/health/notices") { _, _ in Self.json(.ok, #"{"text": "卫健部门告知"}"#) }
        router.post("/slow/household-checks") { _, _ -> Response in
            try await Task.sleep(for: .milliseconds(2500))
            return Self.json(.ok, #"{"registered": true}"#)
        }
        router.post("/down/notices") { _, _ in Self.json(.serviceUnavailable, "{}") }
        try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let live = HTTPAgencies(endpoints: AgencyEndpoints(notices: [.police: "\(base)/police", .health: "\(base)/health"]))
            #expect(try await live.checkHousehold(record) == .notRegistered(reason: "户籍信息未能确认"))
            #expect(try await live.healthNotice(record) == Notice(agency: "health", text: "卫健部门告知"))
            let failing = HTTPAgencies(endpoints: AgencyEndpoints(notices: [.police: "\(base)/slow", .health: "\(base)/down"]),
                                       checkTimeout: .seconds(1))
            await #expect(throws: TransientAgencyError.self) { try await failing.checkHousehold(record) }
            #expect(try await failing.healthNotice(record) == SimulatedAgencies.generalHealthNotice)
        }
    }
}
