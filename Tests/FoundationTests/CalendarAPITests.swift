import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Testing
import TestSupport

/// `GET /api/v1/calendar/{year}`: official years from the State Council's notice, provisional ones
/// computed from the holiday law; the overview and `/metrics` say when a year in use is provisional.
@Suite("The working-day calendar (HTTP, overview, metrics)")
struct CalendarAPITests {
    struct CalendarJSON: Decodable {
        let year: Int
        let source: String
        let daysOff: [String]
        let workingWeekendDays: [String]
    }

    /// Every day from `from` through `through`.
    static func days(_ from: String, _ through: String) -> [String] {
        var day = LocalDate(from)!
        var result: [String] = []
        while day <= LocalDate(through)! {
            result.append(day.iso8601)
            day = day.adding(days: 1)
        }
        return result
    }

    @Test("2026 is official: the notice's days off and working weekend days (DOMAIN.md), for every role")
    func officialYear() async throws {
        let h = try await APIHarness()
        let tokens = [try await h.token(.agent, organisation: "acme"), try await h.token(.operator),
                      try await h.token(.individual, idNumber: People.man())]
        let daysOff = [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
                       ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
                       ("2026-10-01", "2026-10-07")].flatMap { Self.days($0.0, $0.1) }
        try await h.app.test(.router) { client in
            for token in tokens {
                let reply = try await client.get("/api/v1/calendar/2026", token: token)
                #expect(reply.status == .ok, "\(reply.text)")
                let body = try reply.decode(CalendarJSON.self)
                #expect(body.year == 2026)
                #expect(body.source == "official")
                #expect(body.daysOff == daysOff)
                #expect(body.workingWeekendDays == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
            }
            let y2025 = try await client.get("/api/v1/calendar/2025", token: tokens[0]).decode(CalendarJSON.self)
            #expect(y2025.source == "official")
            #expect(y2025.daysOff.first == "2025-01-01" && y2025.daysOff.contains("2025-10-08"))
            #expect(y2025.workingWeekendDays == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])
            expectError(try await client.send(.get, "/api/v1/calendar/2026"), .unauthorized, "unauthorized")
        }
        await h.close()
    }

    @Test("2027 has no notice yet: provisional, the law's holidays (the Spring Festival eve 2027-02-05, Qingming 2027-04-05), no working weekend days")
    func provisionalYear() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let reply = try await h.app.test(.router) { try await $0.get("/api/v1/calendar/2027", token: agent) }
        #expect(reply.status == .ok, "\(reply.text)")
        let body = try reply.decode(CalendarJSON.self)
        #expect(body.year == 2027)
        #expect(body.source == "provisional")
        #expect(body.workingWeekendDays == [])
        for day in ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05",
                    "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-02", "2027-10-03"] {
            #expect(body.daysOff.contains(day), "\(day)")
        }
        #expect(body.daysOff == body.daysOff.sorted())
        #expect(body.daysOff.allSatisfy { $0.hasPrefix("2027-") })
        #expect(!body.daysOff.contains("2027-02-04") && !body.daysOff.contains("2027-04-06"))
        await h.close()
    }

    @Test("a year without data is 404; a year that is not four digits or outside the range is 422 invalid_field on year",
          arguments: [("2024", 404), ("abc", 422), ("1800", 422), ("20270", 422), ("027", 422), ("-2027", 422), ("2027.5", 422)])
    func unknownAndMalformedYears(year: String, status: Int) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let reply = try await h.app.test(.router) { try await $0.get("/api/v1/calendar/\(year)", token: agent) }
        if status == 404 {
            expectError(reply, .notFound, "not_found")
        } else {
            expectError(reply, .unprocessableContent, "invalid_field", field: .named("year"))
        }
        await h.close()
    }

    @Test("the overview JSON lists the provisional years in use: [2027] in late 2026, [] in mid 2025; the page says so",
          arguments: [(2026, 11, 30, [2027]), (2025, 6, 15, [])])
    func overviewNamesProvisionalYears(year: Int, month: Int, day: Int, provisional: [Int]) async throws {
        let h = try await APIHarness(now: beijing(year, month, day))
        try await h.dashboard.accounts.create(name: "alice", role: .operator, password: DashboardPagesTests.password, cost: 4)
        try await h.app.test(.router) { client in
            var browser = DashboardPagesTests.Browser()
            _ = try await browser.logIn(client, name: "alice")
            let json = try await browser.get(client, "/?format=json")
            #expect(json.status == .ok, "\(json.text)")
            #expect(json.object["provisionalCalendarYears"] as? [Int] == provisional, "\(json.text)")
            let page = try await browser.get(client, "/")
            #expect(page.text.contains("is provisional") == !provisional.isEmpty)
            if !provisional.isEmpty {
                #expect(page.text.contains("The working-day calendar for 2027 is provisional"))
            }
        }
        await h.close()
    }

    @Test("a dashboard process whose clock is in late 2026 reports onething_calendar_provisional{year=\"2027\"} 1 on /metrics")
    func metricsNameTheProvisionalYear() async throws {
        let schema = try TestSchema("cal")
        let clockFile = NSTemporaryDirectory() + "clock-\(UUID().uuidString.prefix(8)).txt"
        try "2026-11-30T02:00:00Z".write(toFile: clockFile, atomically: true, encoding: .utf8)
        defer { unlink(clockFile) }
        let port = try freeLoopbackPort()
        let dashboard = try ChildProcess(try builtExecutable("dashboard"), [
            "serve", "--database-schema", schema.name, "--key-prefix", TestEnvironment.uniqueName("cal"),
            "--port", "\(port)", "--log-level", "warning",
        ], environment: [
            "DATABASE_URL": TestEnvironment.databaseURL, "REDIS_URL": TestEnvironment.redisURL,
            "ONETHING_TEST_CLOCK_FILE": clockFile, "CALENDAR_DIR": "", "AGENCY_MODE": "",
        ])
        let up = try await waitUntil(timeout: .seconds(60)) { (try? httpGet("http://127.0.0.1:\(port)/healthz")) != nil }
        #expect(up, "the dashboard did not start: \(dashboard.log)")
        let metrics = try httpGet("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.contains(#"onething_calendar_provisional{year="2027"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"onething_calendar_provisional{year="2026"} 0"#), "\(metrics)")
        let calendar = try httpRequest("GET", "http://127.0.0.1:\(port)/api/v1/calendar/2027")
        #expect(calendar.status == 401)
        dashboard.signal(SIGTERM)
        #expect(try await dashboard.wait(timeout: .seconds(20)) == 0, "\(dashboard.log)")
        try schema.drop()
    }
}
