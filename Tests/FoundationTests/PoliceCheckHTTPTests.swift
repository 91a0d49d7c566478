import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Synchronization
import Testing
import TestSupport

/// The police household check made over HTTP while the filer waits (`HTTPAgencies` as the filing
/// service's agencies, a live local server as the police and the health commission): registered,
/// not registered, and no answer — 503 `agency_unavailable` with `Retry-After`, nothing written.
@Suite("The police check over HTTP (filing)")
struct PoliceCheckHTTPTests {
    enum Police: String, Sendable, CaseIterable {
        case registered, notRegistered, closedPort, tooSlow
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Test("filing with the police answering over HTTP", arguments: Police.allCases)
    func policeOverHTTP(_ police: Police) async throws {
        let asked = Mutex<[String]>([])
        let router = Router()
        router.post("/police/:answer/household-checks") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 65_536)
            let wire = try JSONDecoder().decode(AgencyWire.HouseholdCheckRequest.self, from: Data(body.readableBytesView))
            asked.withLock { $0.append(wire.idNumber) }
            switch try context.parameters.require("answer") {
            case "yes": return Self.json(#"{"registered": true}"#)
            case "slow":
                try await Task.sleep(for: .seconds(12))
                return Self.json(#"{"registered": true}"#)
            default: return Self.json(#"{"registered": false, "reason": "户籍信息未能确认：请到户籍所在地派出所核实。"}"#)
            }
        }
        router.post("/health/notices") { _, _ in Self.json(#"{"text": "卫健部门告知：独生子女父母奖励可向户籍地申请。"}"#) }
        let closed = try freeLoopbackPort()
        try await Application(router: router).test(.live) { server in
            let base = "http://127.0.0.1:\(try #require(server.port))"
            let policeURL = switch police {
            case .registered: "\(base)/police/yes"
            case .notRegistered: "\(base)/police/no"
            case .tooSlow: "\(base)/police/slow"
            case .closedPort: "http://127.0.0.1:\(closed)/police"
            }
            let agencies = HTTPAgencies(endpoints: AgencyEndpoints(notices: [.police: policeURL, .health: "\(base)/health"]),
                                        checkTimeout: .seconds(5))
            let h = try await APIHarness(agencies: agencies)
            let agent = try await h.token(.agent, organisation: "acme")
            let id = People.man()
            // The simulated register would say registered: the answer comes from the police server alone.
            try await h.prequalify(id, name: "张三", householdRegistered: police != .registered)
            let reply = try await h.app.test(.router) {
                try await $0.file(filingBody(id, pension: true, fund: .seal), token: agent)
            }
            switch police {
            case .registered:
                #expect(reply.status == .created, "\(reply.text)")
                let body = try reply.decode(CaseJSON.self)
                #expect(body.notices.map(\.text) == ["卫健部门告知：独生子女父母奖励可向户籍地申请。"])
                #expect(try await h.count("cases") == 1)
                #expect(try await h.streamLength("hr") == 1)
            case .notRegistered:
                let error = expectError(reply, .unprocessableContent, "household_check_failed", secrets: [id])
                #expect(error["message"] as? String == "户籍信息未能确认：请到户籍所在地派出所核实。")
            case .closedPort, .tooSlow:
                expectError(reply, .serviceUnavailable, "agency_unavailable", secrets: [id])
                // The slow police would have said "registered" after 12 s: a 503 means the 5 s check timeout cut it off.
                #expect(reply.headers[.retryAfter] == "60")
            }
            if police != .registered {
                for table in ["cases", "tasks", "events"] {
                    #expect(try await h.count(table) == 0, "\(table)")
                }
                for agency in Agency.allCases {
                    #expect(try await h.streamLength(agency.rawValue) == 0, "\(agency.rawValue)")
                }
            }
            // The police were asked once, with the whole number (they need it); a closed port hears nothing.
            #expect(asked.withLock { $0 } == (police == .closedPort ? [] : [id]))
            await h.close()
        }
    }
}
