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
        HTTPAgencies(baseURLs: Dictionary(uniqueKeysWithValues: Agency.allCases.map { ($0, base) }), timeout: timeout)
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
            return Self.json(.ok, #"{"outcome": "succeeded", "result": "registered"}"#)
        }
        router.post("/unmet/tasks") { _, _ in Self.json(.ok, #"{"outcome": "conditionNotMet", "reason": "not yet"}"#) }
        router.post("/down/tasks") { _, _ in Self.json(.serviceUnavailable, "{}") }
        router.post("/refusing/tasks") { _, _ in Self.json(.badRequest, #"{"error": "no"}"#) }
        router.post("/garbage/tasks") { _, _ in Self.json(.ok, #"{"outcome": "maybe"}"#) }
        router.post("/slow/tasks") { _, _ -> Response in
            try await Task.sleep(for: .milliseconds(2500))
            return Self.json(.ok, #"{"outcome": "succeeded", "result": "late"}"#)
        }
        let request = try Self.request()
        try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            #expect(try await Self.gateway("\(base)/ok").perform(request) == .succeeded(result: "registered"))
            #expect(try await Self.gateway("\(base)/unmet").perform(request) == .conditionNotMet(reason: "not yet"))
            for path in ["down", "refusing", "garbage"] {
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

    @Test("AGENCY_BASE_URLS needs every agency with an http(s) URL")
    func baseURLs() throws {
        let urls = try HTTPAgencies.parseBaseURLs("hr=http://a:1/hr, social=http://a:1/social/,medical=https://m.example,fund=http://f")
        #expect(urls[.social] == "http://a:1/social")
        #expect(urls[.medical] == "https://m.example")
        #expect(throws: TransientAgencyError.self) { try HTTPAgencies.parseBaseURLs("hr=http://a,social=http://b") }
        #expect(throws: TransientAgencyError.self) {
            try HTTPAgencies.parseBaseURLs("hr=ftp://a,social=http://b,medical=http://c,fund=http://d")
        }
    }
}
