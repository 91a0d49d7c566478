import DashboardApp
import Foundation
import Logging
import Hummingbird
import HummingbirdTesting
import Postgres
import Prometheus
import Queue
@testable import Runtime
import Services
import Storage
import Testing
import TestSupport

/// The operator pages through Hummingbird's test client, on real PostgreSQL and Redis: login,
/// sessions, CSRF, roles, the actions, filters, pagination, the timeline and the overview.
@Suite struct DashboardPagesTests {
    static let password = "correct-horse-battery"

    /// A browser's cookie jar over the test client.
    struct Browser {
        var cookies: [String: String] = [:]

        var headers: HTTPFields {
            var fields: HTTPFields = [:]
            if !cookies.isEmpty {
                fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
            }
            return fields
        }

        mutating func absorb(_ reply: Reply) {
            for header in reply.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let (name, value) = (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
                if header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
        }

        mutating func get(_ client: some TestClientProtocol, _ uri: String, json: Bool = false) async throws -> Reply {
            var fields = headers
            if json { fields[.accept] = "application/json" }
            let reply = try await client.send(.get, uri, headers: fields)
            absorb(reply)
            return reply
        }

        mutating func post(_ client: some TestClientProtocol, _ uri: String, _ form: [(String, String)]) async throws -> Reply {
            var fields = headers
            fields[.contentType] = "application/x-www-form-urlencoded"
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
            let reply = try await client.send(.post, uri, headers: fields, body: ByteBuffer(string: body))
            absorb(reply)
            return reply
        }

        /// Logs in through the form; returns the final reply of the POST.
        mutating func logIn(_ client: some TestClientProtocol, name: String, password: String = DashboardPagesTests.password,
                            next: String = "/") async throws -> Reply {
            let form = try await get(client, "/login")
            return try await post(client, "/login", [("csrf", try Self.csrf(in: form.text)), ("next", next),
                                                     ("name", name), ("password", password)])
        }

        /// The CSRF token of the first form of a page.
        static func csrf(in html: String) throws -> String {
            let marker = "name=\"csrf\" value=\""
            let start = try #require(html.range(of: marker)).upperBound
            return String(html[start...].prefix { $0 != "\"" })
        }
    }

    /// A harness with an operator and a viewer, and `cases` seeded cases (see `DemoSeed` for their shape).
    static func setUp(cases: Int = 100) async throws -> APIHarness {
        let h = try await APIHarness()
        let accounts = h.dashboard.accounts
        try await accounts.create(name: "alice", role: .operator, password: password, cost: 4)
        try await accounts.create(name: "victor", role: .viewer, password: password, cost: 4)
        if cases > 0 {
            let now = h.dashboard.now()
            _ = try await h.infrastructure.postgres.withConnection { db in
                try DemoSeed.insertBatch(count: cases, totalSpan: 100 * 86_400, now: now, on: db)
            }
        }
        return h
    }

    static func caseNo(_ h: APIHarness, seq: Int) async throws -> String {
        try await h.infrastructure.postgres.query("SELECT case_no FROM cases WHERE seq = $1", [seq]).first!
            .decode(String.self, "case_no")
    }

    static func task(_ h: APIHarness, seq: Int, item: String) async throws -> (status: String, attempt: Int) {
        let row = try await h.infrastructure.postgres.query("""
            SELECT t.status, t.attempt FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.seq = $1 AND t.item = $2
            """, [seq, item]).first!
        return (try row.decode(String.self, "status"), try row.decode(Int.self, "attempt"))
    }

    static func eventCount(_ h: APIHarness) async throws -> Int {
        try await h.count("events")
    }

    // MARK: Login

    @Test func loginOpensASessionAndLogoutEndsIt() async throws {
        let h = try await Self.setUp(cases: 0)
        try await h.app.test(.router) { client in
            var browser = Browser()
            // Not logged in: a page sends to the login form, its JSON twin answers 401.
            let away = try await browser.get(client, "/cases?status=completed")
            #expect(away.status == .seeOther)
            #expect(away.headers[.location] == "/login?next=%2Fcases%3Fstatus%3Dcompleted")
            #expect(try await browser.get(client, "/", json: true).status == .unauthorized)

            // A wrong password: 401, no session.
            let wrong = try await browser.logIn(client, name: "alice", password: "not-the-password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Name or password is wrong."))
            #expect(browser.cookies["rot_session"] == nil)
            // An unknown name answers exactly the same.
            let unknown = try await browser.logIn(client, name: "mallory")
            #expect(unknown.status == .unauthorized)

            // The right one: back to where the operator was going, with an HttpOnly, SameSite session cookie.
            let ok = try await browser.logIn(client, name: "alice", next: "/cases?status=completed")
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/cases?status=completed")
            let setCookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("rot_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let overview = try await browser.get(client, "/")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("<h1>Overview</h1>") && overview.text.contains("alice (operator)"))
            #expect(overview.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)

            // A redirect elsewhere is refused: only local paths.
            var other = Browser()
            let offsite = try await other.logIn(client, name: "alice", next: "//evil.example/")
            #expect(offsite.headers[.location] == "/")

            // Log out (with the CSRF token): the cookie is cleared and the session no longer works.
            let token = try Browser.csrf(in: overview.text)
            let sessionValue = try #require(browser.cookies["rot_session"])
            let out = try await browser.post(client, "/logout", [("csrf", token)])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["rot_session"] == nil)
            var stale = Browser(cookies: ["rot_session": sessionValue])
            #expect(try await stale.get(client, "/").status == .seeOther)
        }
        let stored = try await h.infrastructure.postgres.query("SELECT count(*) AS n FROM operator_sessions").first!.decode(Int.self, "n")
        #expect(stored == 1) // the second browser's session; the first was deleted at logout
        await h.close()
    }

    @Test func aPasswordResetOrDisablingEndsTheSessions() async throws {
        let h = try await Self.setUp(cases: 0)
        let accounts = h.dashboard.accounts
        func login(_ name: String) async throws -> String {
            guard case .success(let token, _) = try await accounts.login(name: name, password: Self.password) else {
                throw ScratchError("login failed")
            }
            return token
        }
        let alice = try await login("alice")
        let victor = try await login("victor")
        #expect(try await accounts.session(token: alice) != nil)
        try await accounts.create(name: "alice", role: .operator, password: "another-long-password", cost: 4)
        #expect(try await accounts.session(token: alice) == nil)
        #expect(try await accounts.disable(name: "victor"))
        #expect(try await accounts.session(token: victor) == nil)
        #expect(try await accounts.login(name: "victor", password: Self.password) == .invalid)
        #expect(try await accounts.disable(name: "nobody") == false)
        await h.close()
    }

    @Test func loginFormWithoutItsCookieIsRefused() async throws {
        let h = try await Self.setUp(cases: 0)
        try await h.app.test(.router) { client in
            var browser = Browser()
            let form = try await browser.get(client, "/login")
            let token = try Browser.csrf(in: form.text)
            // A forged cross-site login: the token without the cookie that goes with it.
            var forger = Browser()
            let forged = try await forger.post(client, "/login", [("csrf", token), ("name", "alice"), ("password", Self.password)])
            #expect(forged.status == .forbidden)
            #expect(forger.cookies["rot_session"] == nil)
        }
        await h.close()
    }

    @Test func repeatedFailuresLockTheNameOut() async throws {
        let h = try await Self.setUp(cases: 0)
        try await h.app.test(.router) { client in
            var browser = Browser()
            for _ in 0..<5 {
                #expect(try await browser.logIn(client, name: "alice", password: "wrong-password-1").status == .unauthorized)
            }
            // The sixth attempt is refused before the password is even checked: the right one too.
            let limited = try await browser.logIn(client, name: "alice")
            #expect(limited.status == .tooManyRequests)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(browser.cookies["rot_session"] == nil)
            // Another name is not affected.
            #expect(try await browser.logIn(client, name: "victor").status == .seeOther)
        }
        await h.close()
    }

    // MARK: Acting

    @Test func formsWithoutTheSessionsTokenChangeNothing() async throws {
        let h = try await Self.setUp()
        let caseNo = try await Self.caseNo(h, seq: 93) // medical transfer failed
        let events = try await Self.eventCount(h)
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            let path = "/cases/\(caseNo)/tasks/medical.transfer/retrigger"
            let missing = try await browser.post(client, path, [])
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("CSRF check failed"))
            let wrong = try await browser.post(client, path, [("csrf", String(repeating: "0", count: 64))])
            #expect(wrong.status == .forbidden)
            let bulk = try await browser.post(client, "/failed/retrigger", [("csrf", "x"), ("expected", "5")])
            #expect(bulk.status == .forbidden)
        }
        #expect(try await Self.task(h, seq: 93, item: "medical.transfer") == ("failed", 1))
        #expect(try await Self.eventCount(h) == events)
        await h.close()
    }

    @Test func aViewerSeesEverythingAndChangesNothing() async throws {
        let h = try await Self.setUp()
        let caseNo = try await Self.caseNo(h, seq: 93)
        let events = try await Self.eventCount(h)
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "victor")
            for path in ["/", "/cases", "/cases/\(caseNo)", "/failed"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains(">Retrigger<") && !page.text.contains(">Abandon<"), "\(path) offers actions to a viewer")
            }
            let page = try await browser.get(client, "/cases/\(caseNo)")
            let token = try Browser.csrf(in: page.text)
            for verb in ["retrigger", "abandon"] {
                let refused = try await browser.post(client, "/cases/\(caseNo)/tasks/medical.transfer/\(verb)", [("csrf", token)])
                #expect(refused.status == .forbidden)
                #expect(refused.text.contains("viewer"))
            }
            #expect(try await browser.post(client, "/failed/retrigger", [("csrf", token), ("expected", "5")]).status == .forbidden)
            #expect(try await browser.get(client, "/failed/retrigger").status == .forbidden)
        }
        #expect(try await Self.task(h, seq: 93, item: "medical.transfer") == ("failed", 1))
        #expect(try await Self.eventCount(h) == events)
        await h.close()
    }

    @Test func anOperatorRetriggersOneTaskAndTheTimelineShowsWho() async throws {
        let h = try await Self.setUp()
        let caseNo = try await Self.caseNo(h, seq: 93)
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            let page = try await browser.get(client, "/cases/\(caseNo)")
            #expect(page.text.contains(">Retrigger<"))
            let token = try Browser.csrf(in: page.text)
            let done = try await browser.post(client, "/cases/\(caseNo)/tasks/medical.transfer/retrigger",
                                              [("csrf", token), ("back", "/cases/\(caseNo)")])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/cases/\(caseNo)?retriggered=medical.transfer")
            // Retriggering it again is refused with a reason, and changes nothing.
            let again = try await browser.post(client, "/cases/\(caseNo)/tasks/medical.transfer/retrigger",
                                               [("csrf", token), ("back", "/cases/\(caseNo)")])
            #expect(again.headers[.location] == "/cases/\(caseNo)?refused=not_retriggerable")
            let notice = try await browser.get(client, "/cases/\(caseNo)?refused=not_retriggerable").text
            #expect(notice.contains("Not retriggered"))
            // Free text in the parameter is never shown: a crafted link cannot put words on the page.
            let crafted = try await browser.get(client, "/cases/\(caseNo)?refused=Call%20this%20number").text
            #expect(!crafted.contains("Call this number") && crafted.contains("The action was refused."))

            // The timeline, oldest first, ends with the operator's act; the JSON twin says the same.
            let json = try await browser.get(client, "/cases/\(caseNo)", json: true)
            let body = try json.decode(CaseJSON.self)
            let events = try #require(body.events)
            #expect(events.count == 11)
            #expect(events.last?.actor == "operator:alice")
            #expect(events.last?.item == "medical.transfer")
            #expect(events.last?.from == "failed" && events.last?.to == "queued")
            #expect(body.tasks.first { $0.item == "medical.transfer" }?.status == "queued")
            let html = try await browser.get(client, "/cases/\(caseNo)").text
            #expect(html.contains("Timeline (11 events)"))
            #expect(html.contains("<td>operator:alice</td>"))
        }
        // Queued again; the attempt count rises when a worker claims it.
        #expect(try await Self.task(h, seq: 93, item: "medical.transfer") == ("queued", 1))
        // Published for a worker.
        #expect(try await h.streamLength("medical") == 1)
        await h.close()
    }

    @Test func bulkRetriggerConfirmsTheCountAndTakesFundExtractionsFirst() async throws {
        let h = try await Self.setUp()
        // Seeded: seq 92 and 95 dead pension transfers, 93 and 96 failed medical transfers, 94 a failed fund extraction.
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            let list = try await browser.get(client, "/failed", json: true)
            let attention = try list.decode(AttentionJSON.self)
            #expect(attention.total == 5)
            #expect(attention.tasks.first?.item == "fund.extraction") // failed fund extractions lead the list
            #expect(try await browser.get(client, "/failed?status=dead", json: true).decode(AttentionJSON.self).total == 2)

            let confirm = try await browser.get(client, "/failed/retrigger")
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("Retrigger 5 tasks?"))
            #expect(confirm.text.contains("The 1 failed fund extractions among them go first."))
            let token = try Browser.csrf(in: confirm.text)
            // A stale count (someone acted meanwhile) asks again and does nothing.
            let stale = try await browser.post(client, "/failed/retrigger", [("csrf", token), ("expected", "4")])
            #expect(stale.status == .ok)
            #expect(stale.text.contains("changed since you looked"))
            #expect(try await browser.get(client, "/failed", json: true).decode(AttentionJSON.self).total == 5)

            let done = try await browser.post(client, "/failed/retrigger", [("csrf", token), ("expected", "5")])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/failed?retriggered=5&skipped=0")
            #expect(try await browser.get(client, "/failed", json: true).decode(AttentionJSON.self).total == 0)
        }
        for (seq, item) in [(92, "medical.deemedYears"), (93, "medical.transfer"), (94, "fund.extraction"),
                            (95, "medical.deemedYears"), (96, "medical.transfer")] {
            #expect(try await Self.task(h, seq: seq, item: item).status == "queued", "\(seq) \(item)")
        }
        // The audit trail names the operator, and the fund extraction was retriggered first.
        let retriggers = try await h.infrastructure.postgres.query("""
            SELECT item FROM events WHERE actor = 'operator:alice' ORDER BY id
            """).map { try $0.decode(String.self, "item") }
        #expect(retriggers.count == 5)
        #expect(retriggers.first == "fund.extraction")
        await h.close()
    }

    @Test func bulkRetriggerActsOnlyOnWhatTheFilterMatches() async throws {
        let h = try await Self.setUp()
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            let confirm = try await browser.get(client, "/failed/retrigger?status=failed&agency=medical")
            #expect(confirm.text.contains("Retrigger 2 tasks?"))
            #expect(!confirm.text.contains("fund extractions"))
            let token = try Browser.csrf(in: confirm.text)
            let done = try await browser.post(client, "/failed/retrigger",
                                              [("csrf", token), ("expected", "2"), ("status", "failed"), ("agency", "medical")])
            #expect(done.headers[.location] == "/failed?status=failed&agency=medical&retriggered=2&skipped=0")
        }
        #expect(try await Self.task(h, seq: 93, item: "medical.transfer").status == "queued")
        #expect(try await Self.task(h, seq: 96, item: "medical.transfer").status == "queued")
        #expect(try await Self.task(h, seq: 94, item: "fund.extraction").status == "failed")
        #expect(try await Self.task(h, seq: 92, item: "medical.deemedYears").status == "dead")
        await h.close()
    }

    @Test func anOperatorAbandonsAFailedItem() async throws {
        let h = try await Self.setUp()
        let caseNo = try await Self.caseNo(h, seq: 94) // fund extraction failed; everything else succeeded
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            let page = try await browser.get(client, "/failed?item=fund.extraction")
            let token = try Browser.csrf(in: page.text)
            // An operator says why (issue 14): without a reason nothing changes.
            let unexplained = try await browser.post(client, "/cases/\(caseNo)/tasks/fund.extraction/abandon",
                                                     [("csrf", token), ("back", "/failed?item=fund.extraction")])
            #expect(unexplained.headers[.location] == "/failed?item=fund.extraction&refused=invalid_field")
            #expect(try await Self.task(h, seq: 94, item: "fund.extraction").status == "failed")
            let done = try await browser.post(client, "/cases/\(caseNo)/tasks/fund.extraction/abandon",
                                              [("csrf", token), ("back", "/failed?item=fund.extraction"),
                                               ("reason", "退休人员已自行提取")])
            #expect(done.headers[.location] == "/failed?item=fund.extraction&abandoned=fund.extraction")
            let body = try await browser.get(client, "/cases/\(caseNo)", json: true).decode(CaseJSON.self)
            #expect(body.status == "closed")
            #expect(body.events?.last?.actor == "operator:alice")
            #expect(body.events?.last?.detail == "abandoned by operator: 退休人员已自行提取")
        }
        #expect(try await Self.task(h, seq: 94, item: "fund.extraction").status == "abandoned")
        await h.close()
    }

    // MARK: Finding cases

    @Test func filtersNarrowTheCaseList() async throws {
        let h = try await Self.setUp()
        let db = h.infrastructure.postgres
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            func seqs(_ query: String) async throws -> [Int] {
                let reply = try await browser.get(client, "/cases?limit=200&\(query)", json: true)
                #expect(reply.status == .ok, "\(query)")
                return try reply.decode(CaseListJSON.self).cases.map { Int($0.caseNo.suffix(8))! }
            }
            #expect(try await seqs("status=actionRequired") == [96, 95, 94, 93, 92])
            #expect(try await seqs("agency=fund&itemStatus=failed") == [94])
            #expect(try await seqs("agency=medical&itemStatus=dead") == [95, 92])
            #expect(try await seqs("status=closed") == [99, 98, 97])
            #expect(try await seqs("organisation=org-7") == [7])
            #expect(try await seqs("caseNo=\(try await Self.caseNo(h, seq: 42))") == [42])

            // The last four of the ID number, as the masked number shows them.
            let id = try await db.query("SELECT retiree_id_number FROM cases WHERE seq = 17").first!.decode(String.self, "retiree_id_number")
            let bySuffix = try await seqs("idSuffix=\(id.suffix(4))")
            #expect(bySuffix.contains(17))
            let suffixes = try await db.query("SELECT seq FROM cases WHERE right(retiree_id_number, 4) = $1 ORDER BY seq DESC",
                                              [String(id.suffix(4))]).map { try $0.decode(Int.self, "seq") }
            #expect(bySuffix == suffixes)

            // Past their time limit: exactly the cases whose running task is overdue at the harness's clock.
            let now = h.dashboard.now()
            let overdue = try await db.query("""
                SELECT DISTINCT c.seq FROM cases c JOIN tasks t ON t.case_id = c.id
                WHERE t.status = 'running' AND t.due_by < $1 ORDER BY c.seq DESC
                """, [now]).map { try $0.decode(Int.self, "seq") }
            #expect(!overdue.isEmpty)
            #expect(try await seqs("overdue=1") == overdue)
            #expect(try await seqs("overdue=1&status=completed") == [])

            // Filed-date range, in Beijing days.
            let day = try await db.query("""
                SELECT to_char(filed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day FROM cases WHERE seq = 50
                """).first!.decode(String.self, "day")
            let sameDay = try await db.query("""
                SELECT seq FROM cases WHERE to_char(filed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') = $1 ORDER BY seq DESC
                """, [day]).map { try $0.decode(Int.self, "seq") }
            #expect(try await seqs("from=\(day)&to=\(day)") == sameDay)
            #expect(sameDay.contains(50))

            // Bad filters: 400 with a message, in HTML and JSON alike.
            let bad = try await browser.get(client, "/cases?status=bogus")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("status must be one of"))
            #expect(try await browser.get(client, "/cases?from=2025-13-01", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/cases?idSuffix=12", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/cases?cursor=zzz", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/failed?status=queued", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/cases?caseNo=%00", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/cases?organisation=a%01b").status == .badRequest)
            #expect(try await browser.get(client, "/cases?from=0001-01-01", json: true).status == .badRequest)
            #expect(try await browser.get(client, "/cases?to=9999-12-31", json: true).status == .badRequest)
        }
        await h.close()
    }

    @Test func pagesWalkEveryCaseOnceNewestFirst() async throws {
        let h = try await Self.setUp()
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            var seen: [String] = []
            var sizes: [Int] = []
            var uri: String? = "/cases?limit=30"
            while let next = uri {
                let page = try await browser.get(client, next, json: true).decode(CaseListJSON.self)
                sizes.append(page.cases.count)
                seen += page.cases.map(\.caseNo)
                uri = page.nextCursor.map { "/cases?limit=30&cursor=\($0)" }
            }
            #expect(sizes == [30, 30, 30, 10])
            #expect(seen.count == 100 && Set(seen).count == 100)
            #expect(seen == seen.sorted(by: >))
            // With a task filter the pages walk the tasks in case order: the same keyset, no case twice.
            let running = try await h.infrastructure.postgres.query("""
                SELECT c.case_no FROM cases c JOIN tasks t ON t.case_id = c.id WHERE t.status = 'running' ORDER BY c.seq DESC
                """).map { try $0.decode(String.self, "case_no") }
            #expect(running.count == 7)
            var walked: [String] = []
            uri = "/cases?itemStatus=running&limit=3"
            while let next = uri {
                let page = try await browser.get(client, next, json: true).decode(CaseListJSON.self)
                walked += page.cases.map(\.caseNo)
                uri = page.nextCursor.map { "/cases?itemStatus=running&limit=3&cursor=\($0)" }
            }
            #expect(walked == running)
            // The HTML page links to the next one with the filter kept.
            let html = try await browser.get(client, "/cases?status=completed&limit=10").text
            #expect(html.contains("/cases?status=completed&amp;limit=10&amp;cursor=c"))
        }
        await h.close()
    }

    // MARK: Overview

    @Test func theOverviewCountsQueuesWorkersAndDrawsTheLastHour() async throws {
        let h = try await Self.setUp()
        let now = h.dashboard.now()
        let minute = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60)
        try await h.infrastructure.postgres.withConnection { db in
            try SampleStore.add([MinuteSample(minute: minute.addingTimeInterval(-120), agency: "hr", processed: 40, succeeded: 38,
                                              waitMillisSum: 400, waitCount: 40, waitMillisMax: 30),
                                 MinuteSample(minute: minute.addingTimeInterval(-60), agency: "hr", processed: 60, succeeded: 60,
                                              waitMillisSum: 300, waitCount: 60, waitMillisMax: 12),
                                 MinuteSample(minute: minute.addingTimeInterval(-7200), agency: "hr", processed: 999)], on: db)
        }
        // A worker's heartbeat and three messages waiting in the medical stream.
        let beat = WorkerHeartbeat(workerID: "w-1", host: "host-a", pid: 4242, agencies: ["hr", "medical"], slotsInUse: 2,
                                   slots: 128, currentTasks: ["aaaaaaaa-1", "bbbbbbbb-2"], startedAt: Date(), beatAt: Date())
        try await h.infrastructure.redis.withConnection { [prefix = h.keyPrefix] in
            try beat.write(on: $0, prefix: prefix, ttl: .seconds(30))
        }
        let publisher = TaskPublisher(redis: h.infrastructure.redis, prefix: h.keyPrefix)
        try await publisher.publish((0..<3).map { _ in (UUID(), "medical", 1) })

        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "victor")
            let body = try await browser.get(client, "/", json: true).decode(OverviewJSON.self)
            let byAgency = Dictionary(uniqueKeysWithValues: body.agencies.map { ($0.agency, $0) })
            #expect(byAgency["medical"]?.ready == 3)
            #expect(byAgency["medical"]?.failed == 2)
            #expect(byAgency["fund"]?.failed == 1)
            #expect(byAgency["medical"]?.dead == 2)
            #expect(byAgency["hr"]?.ready == 0)
            #expect(body.redisAvailable)
            let overdue = try await h.infrastructure.postgres.query("""
                SELECT agency, count(*) AS n FROM tasks WHERE status = 'running' AND due_by < $1 GROUP BY agency
                """, [now]).reduce(into: [String: Int]()) { $0[try $1.decode(String.self, "agency")] = try $1.decode(Int.self, "n") }
            for agency in ["hr", "social", "medical", "fund"] {
                #expect(byAgency[agency]?.overdue == overdue[agency] ?? 0, "\(agency)")
            }
            #expect(body.workers.map(\.host) == ["host-a"])
            #expect(body.workers.first?.slotsInUse == 2)
            // The last hour only, oldest first.
            #expect(body.samples.map(\.processed) == [40, 60])
            #expect(body.samples.first?.meanWaitMillis == 10)

            let html = try await browser.get(client, "/").text
            #expect(html.contains("data-refresh=\"/?fragment=1\""))
            #expect(html.contains("<polyline") && html.contains("<svg class=\"chart\""))
            #expect(html.contains("<td>host-a</td><td class=\"num\">4242</td>"))
            #expect(html.contains("href=\"/failed?status=dead&amp;agency=medical\">2</a>"))
            // The fragment is the page's main part alone, for the live refresh.
            let fragment = try await browser.get(client, "/?fragment=1").text
            #expect(fragment.hasPrefix("<h1>Overview</h1>") && !fragment.contains("<html"))
        }
        await h.close()
    }

    @Test func metricsReportEachAgencysQueue() async throws {
        let h = try await Self.setUp()
        let registry = PrometheusCollectorRegistry()
        QueueGauges.record(try await h.dashboard.overview.current(), factory: PrometheusMetricsFactory(registry: registry))
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        #expect(text.contains(#"onething_tasks_dead{agency="medical"} 2"#))
        #expect(text.contains(#"onething_tasks_failed{agency="medical"} 2"#))
        #expect(text.contains(#"onething_queue_ready{agency="hr"} 0"#))
        #expect(text.contains("onething_workers_alive 0"))
        await h.close()
    }

    @Test func pagesNeverShowAWholeIDOrAccountNumber() async throws {
        let h = try await Self.setUp()
        let db = h.infrastructure.postgres
        let numbers = try await db.query("SELECT retiree_id_number, bank_account_number FROM cases").flatMap {
            [try $0.decode(String.self, "retiree_id_number"), try $0.decode(String.self, "bank_account_number")]
        }
        let caseNos = try await db.query("SELECT case_no FROM cases WHERE seq IN (93, 94, 17)").map { try $0.decode(String.self, "case_no") }
        try await h.app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client, name: "alice")
            var pages = ["/", "/cases?limit=200", "/failed", "/failed/retrigger"] + caseNos.map { "/cases/\($0)" }
            pages += pages.map { $0 + ($0.contains("?") ? "&" : "?") + "format=json" }
            for path in pages {
                let text = try await browser.get(client, path).text
                #expect(!text.isEmpty)
                for number in numbers where text.contains(number) {
                    Issue.record("\(path) shows a whole ID or account number")
                }
            }
            // The account number shows its last four only (19 digits seeded: 15 hidden).
            let casePage = try await browser.get(client, "/cases/\(caseNos[0])").text
            #expect(casePage.contains("中国工商银行 " + String(repeating: "*", count: 15)))
        }
        await h.close()
    }

    @Test func workersAddTheirTalliesToTheMinuteSamples() async throws {
        let h = try await Self.setUp(cases: 0)
        let fixed = Date(timeIntervalSince1970: 1_764_468_030)
        let samples = MinuteSamples(now: { fixed })
        let metrics = WorkerMetrics(samples: samples)
        metrics.queueWait("hr", messageID: "\(Int(fixed.timeIntervalSince1970 * 1000) - 25)-0", claimedAt: fixed)
        metrics.queueWait("hr", messageID: "\(Int(fixed.timeIntervalSince1970 * 1000) - 5)-0", claimedAt: fixed)
        metrics.outcome(.hrQualification, .succeeded, agency: "hr")
        metrics.outcome(.hrQualification, .retrying, agency: "hr")
        var logger = Logger(label: "samples")
        logger.logLevel = .critical
        let flusher = SampleFlusher(postgres: h.infrastructure.postgres, samples: samples, logger: logger)
        try await flusher.runOnce()
        metrics.outcome(.hrDeemedYears, .succeeded, agency: "hr")
        try await flusher.runOnce() // a second worker, or a later flush, adds to the same row
        let stored = try await h.infrastructure.postgres.withConnection {
            try SampleStore.since(fixed.addingTimeInterval(-3600), on: $0)
        }
        #expect(stored == [MinuteSample(minute: Date(timeIntervalSince1970: 1_764_468_000), agency: "hr", processed: 3,
                                        succeeded: 2, waitMillisSum: 30, waitCount: 2, waitMillisMax: 25)])
        #expect(samples.drain().isEmpty)
        await h.close()
    }
}

struct AttentionJSON: Decodable {
    struct Task: Decodable {
        let caseNo, item, agency, status: String
        let attempts: Int
    }
    let total: Int
    let tasks: [Task]
}

struct OverviewJSON: Decodable {
    struct Queue: Decodable {
        let agency: String
        let ready, inFlight, delayed: Int?
        let failed, dead, overdue: Int
    }
    struct Worker: Decodable {
        let host: String
        let pid: Int
        let slotsInUse, slots: Int
    }
    struct Sample: Decodable {
        let minute, agency: String
        let processed, succeeded: Int
        let meanWaitMillis: Double?
    }
    let redisAvailable: Bool
    let agencies: [Queue]
    let workers: [Worker]
    let samples: [Sample]
}
