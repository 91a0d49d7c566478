import Foundation
import Hummingbird
import Logging
import Model
import Postgres
import Services
import Storage

/// What the operator pages need from the rest of the system.
public struct DashboardDependencies: Sendable {
    public let accounts: OperatorAccounts
    public let overview: LiveOverview
    public let postgres: PostgresPool
    /// The case list and a case's page read here: the replica when fresh, else the primary.
    public let reads: PostgresReadPool
    public let actions: CaseActions
    public let now: @Sendable () -> Date
    /// The working-day calendar, for the overview's notice when a year in use is provisional.
    public let calendar: WorkingDayCalendar
    /// Adds `Secure` to the cookies: set it when the dashboard is served over HTTPS.
    public let secureCookies: Bool
    let sessions = SessionCache()

    public init(accounts: OperatorAccounts, overview: LiveOverview, postgres: PostgresPool, actions: CaseActions,
                now: @escaping @Sendable () -> Date, calendar: WorkingDayCalendar, secureCookies: Bool = false,
                reads: PostgresReadPool? = nil) {
        self.accounts = accounts
        self.overview = overview
        self.postgres = postgres
        self.reads = reads ?? PostgresReadPool(primary: postgres)
        self.actions = actions
        self.now = now
        self.calendar = calendar
        self.secureCookies = secureCookies
    }

    /// This year and the next, when only provisional: the overview says so.
    var provisionalCalendarYears: [Int] {
        calendar.provisionalYears(inUseOn: LocalDate(now(), utcOffsetSeconds: LocalDate.chinaStandardTimeOffset))
    }
}

/// The operator pages under `/`: log in and out, overview, cases, a case, failed work, and the
/// actions. Every page answers its JSON twin to `?format=json` or `Accept: application/json`.
/// Every form carries the session's CSRF token; a `viewer` may look but not act.
enum DashboardPages {
    static let sessionCookie = "rot_session"
    static let loginCookie = "rot_login"

    typealias Handler = @Sendable (Request, BasicRequestContext, OperatorSession) async throws -> Response

    static func add(to router: Router<BasicRequestContext>, dependencies deps: DashboardDependencies, logger: Logger) {
        router.get("/static/app.css") { _, _ in PageResponse.asset(Assets.css, contentType: "text/css; charset=utf-8") }
        router.get("/static/app.js") { _, _ in
            PageResponse.asset(Assets.javascript, contentType: "text/javascript; charset=utf-8")
        }

        router.get("/login") { request, _ in
            let token = OperatorAccounts.randomToken()
            return PageResponse.html(LoginPage.render(csrf: token, next: safeNext(request.uri.queryParameters.get("next"))),
                                     cookies: [cookie(loginCookie, token, path: "/login", maxAge: 3600, deps)])
        }

        router.post("/login") { request, _ in
            let form = try await FormFields.read(request)
            let next = safeNext(form["next"])
            let name = String((form["name"] ?? "").prefix(64))
            guard let expected = request.cookie(loginCookie), let sent = form["csrf"], secretsMatch(expected, sent) else {
                // A stale or forged form: start again with a fresh token.
                let token = OperatorAccounts.randomToken()
                return PageResponse.html(
                    LoginPage.render(csrf: token, next: next,
                                     message: Layout.notice("The form had expired; log in again.", error: true), name: name),
                    status: .forbidden, cookies: [cookie(loginCookie, token, path: "/login", maxAge: 3600, deps)])
            }
            switch try await deps.accounts.login(name: name, password: form["password"] ?? "") {
            case .success(let token, _):
                logger.info("operator logged in", metadata: ["operator": "\(name)"])
                return PageResponse.redirect(next, cookies: [
                    cookie(sessionCookie, token, path: "/", maxAge: Int(deps.accounts.sessionLifetime), deps),
                    cookie(loginCookie, "", path: "/login", maxAge: 0, deps),
                ])
            case .invalid:
                logger.notice("operator login refused", metadata: ["operator": "\(name)"])
                return PageResponse.html(
                    LoginPage.render(csrf: expected, next: next,
                                     message: Layout.notice("Name or password is wrong.", error: true), name: name),
                    status: .unauthorized)
            case .rateLimited(let seconds):
                logger.warning("operator login rate-limited", metadata: ["operator": "\(name)"])
                var response = PageResponse.html(
                    LoginPage.render(csrf: expected, next: next, message: Layout.notice(
                        "Too many failed attempts for this name; try again in \(Format.age(Double(seconds))).", error: true),
                        name: name),
                    status: .tooManyRequests)
                response.headers[.retryAfter] = String(seconds)
                return response
            }
        }

        router.post("/logout", use: action(deps, logger, viewerMay: true) { request, _, _, _ in
            if let token = request.cookie(sessionCookie) {
                deps.sessions.remove(token)
                try await deps.accounts.logout(token: token)
            }
            return PageResponse.redirect("/login", cookies: [cookie(sessionCookie, "", path: "/", maxAge: 0, deps)])
        })

        router.get("/", use: page(deps, logger) { request, _, session in
            let overview = try await deps.overview.current()
            let provisional = deps.provisionalCalendarYears
            if request.wantsJSON { return PageResponse.json(OverviewBody(overview, provisionalCalendarYears: provisional)) }
            let fragment = OverviewPage.fragment(overview, provisionalCalendarYears: provisional)
            if request.uri.queryParameters.get("fragment") == "1" { return PageResponse.html(fragment) }
            return PageResponse.html(Layout.page(title: "Overview", session: session, section: .overview,
                                                 refresh: "/?fragment=1", body: fragment))
        })

        router.get("/cases", use: page(deps, logger) { request, _, session in
            let query = try CasesPage.parse(request.uri.queryParameters, now: deps.now())
            let page = try await deps.reads.withConnection { db in
                try CaseSearch.cases(query.filter, limit: query.limit + 1, beforeSeq: query.beforeSeq, on: db)
            }
            let cases = Array(page.prefix(query.limit))
            let next = page.count > query.limit ? cases.last.map { CaseQueries.encodeCursor($0.seq) } : nil
            if request.wantsJSON {
                return PageResponse.json(CaseListBody(cases: cases.map(CaseSummaryBody.init), nextCursor: next))
            }
            return PageResponse.html(Layout.page(title: "Cases", session: session, section: .cases,
                                                 body: CasesPage.render(query, cases: cases, nextCursor: next)))
        })

        router.get("/cases/:caseNo", use: page(deps, logger) { request, context, session in
            let caseNo = try context.parameters.require("caseNo")
            // After an operator's action (its redirect carries the notice) the page shows what they
            // just wrote, so it reads the primary; otherwise a replica's second or two of lag is fine.
            let justActed = ["refused", "retriggered", "abandoned"].contains { request.uri.queryParameters.get($0) != nil }
            let read: @Sendable (PostgresConnection) throws -> (CaseRecord, [EventRecord])? = { db in
                guard caseNo.count <= 40, let record = try CaseStore.find(caseNo: caseNo, on: db) else { return nil }
                return (record, try CaseStore.events(caseID: record.id, on: db))
            }
            let found = justActed ? try await deps.postgres.withConnection(read) : try await deps.reads.withConnection(read)
            guard let (record, events) = found else { throw PageError.notFound("No case with this number.") }
            let now = deps.now()
            if request.wantsJSON { return PageResponse.json(CaseBody(record: record, events: events, warnings: nil, now: now)) }
            let notice = doneNotice(request)
            let fragment = CasePage.fragment(record, events: events, session: session, now: now, notice: notice)
            if request.uri.queryParameters.get("fragment") == "1" { return PageResponse.html(fragment) }
            return PageResponse.html(Layout.page(title: "Case \(record.caseNo)", session: session, section: .cases,
                                                 refresh: "/cases/\(CasesPage.encode(record.caseNo))?fragment=1", body: fragment))
        })

        router.get("/failed", use: page(deps, logger) { request, _, session in
            let query = try FailedWorkPage.parse { request.uri.queryParameters.get($0) }
            // Without an item filter the count is the overview's (per agency and state, at most a
            // second old, refreshed at once after an action here); with one it is counted.
            let known: Int? = query.filter.item == nil ? try await failedCount(query.filter, deps) : nil
            let (tasks, total) = try await deps.postgres.withConnection { db in
                (try CaseSearch.attention(query.filter, limit: FailedWorkPage.shown, on: db),
                 try known ?? CaseSearch.attentionCount(query.filter, on: db))
            }
            if request.wantsJSON { return PageResponse.json(AttentionBody(total: total, tasks: tasks)) }
            return PageResponse.html(Layout.page(title: "Failed work", session: session, section: .failed,
                                                 body: FailedWorkPage.render(query, tasks: tasks, total: total, session: session,
                                                                             notice: doneNotice(request))))
        })

        router.get("/failed/retrigger", use: page(deps, logger) { request, _, session in
            guard session.role == .operator else { throw viewerRefusal }
            let query = try FailedWorkPage.parse { request.uri.queryParameters.get($0) }
            return try await confirmPage(query, session: session, deps: deps, notice: .empty)
        })

        router.post("/failed/retrigger", use: action(deps, logger) { _, _, session, form in
            let query = try FailedWorkPage.parse { form[$0] }
            let total = try await deps.postgres.withConnection { try CaseSearch.attentionCount(query.filter, on: $0) }
            guard let expected = form["expected"].flatMap(Int.init), expected == total else {
                return try await confirmPage(query, session: session, deps: deps, notice: Layout.notice(
                    "The number of matching tasks changed since you looked; check it and confirm again.", error: true))
            }
            let outcome = try await deps.actions.retriggerAll(query.filter, by: caller(session), limit: expected)
            deps.overview.invalidate()
            logger.notice("bulk retrigger", metadata: ["operator": "\(session.name)", "retriggered": "\(outcome.retriggered.count)",
                                                      "skipped": "\(outcome.skipped)"])
            return PageResponse.redirect("/failed?" + CasesPage.link(query.values + [
                ("retriggered", String(outcome.retriggered.count)), ("skipped", String(outcome.skipped)),
            ]))
        })

        for verb in ["retrigger", "abandon"] {
            router.post("/cases/:caseNo/tasks/:item/\(verb)", use: action(deps, logger) { _, context, session, form in
                let caseNo = try context.parameters.require("caseNo")
                let item = try context.parameters.require("item")
                let back = safeNext(form["back"] ?? "/cases/\(CasesPage.encode(caseNo))")
                do {
                    if verb == "retrigger" {
                        _ = try await deps.actions.retrigger(caseNo: caseNo, item: item, by: caller(session))
                    } else {
                        _ = try await deps.actions.abandon(caseNo: caseNo, item: item, reason: form["reason"],
                                                           by: caller(session))
                    }
                } catch let error as ServiceError where error.code != .notFound {
                    return PageResponse.redirect(withQuery(back, [("refused", error.code.rawValue)]))
                }
                deps.overview.invalidate()
                return PageResponse.redirect(withQuery(back, [(verb == "retrigger" ? "retriggered" : "abandoned", item)]))
            })
        }
    }

    // MARK: Sessions and errors

    static let viewerRefusal = PageError.forbidden("Your role is viewer: you can look at everything, but acting needs the operator role.")

    /// The operator as the services know it: actions are audited as `operator:NAME`.
    static func caller(_ session: OperatorSession) -> Caller {
        Caller(tokenID: "session:\(session.operatorID.uuidString.lowercased())", role: .operator, name: session.name)
    }

    /// A page (GET): needs a session.
    static func page(_ deps: DashboardDependencies, _ logger: Logger, _ body: @escaping Handler)
        -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, context in
            await respond(request, deps, logger) {
                let session = try await authenticate(request, deps)
                return try await body(request, context, session)
            }
        }
    }

    /// A form post: needs a session, the session's CSRF token and, unless `viewerMay`, the operator role.
    static func action(_ deps: DashboardDependencies, _ logger: Logger, viewerMay: Bool = false,
                       _ body: @escaping @Sendable (Request, BasicRequestContext, OperatorSession, FormFields) async throws -> Response)
        -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, context in
            await respond(request, deps, logger) {
                let session = try await authenticate(request, deps)
                let form = try await FormFields.read(request)
                guard let sent = form["csrf"], secretsMatch(sent, session.csrfToken) else {
                    throw PageError.forbidden("This form is stale or did not come from this dashboard (CSRF check failed). Reload the page and try again.")
                }
                guard viewerMay || session.role == .operator else { throw viewerRefusal }
                return try await body(request, context, session, form)
            }
        }
    }

    static func authenticate(_ request: Request, _ deps: DashboardDependencies) async throws -> OperatorSession {
        guard let token = request.cookie(sessionCookie) else {
            throw LoginRequired(next: request.method == .get ? request.pathAndQuery : "/")
        }
        if let cached = deps.sessions.get(token), cached.expiresAt > deps.now() { return cached }
        guard let session = try await deps.accounts.session(token: token) else {
            throw LoginRequired(next: request.method == .get ? request.pathAndQuery : "/")
        }
        deps.sessions.put(token, session)
        return session
    }

    static func respond(_ request: Request, _ deps: DashboardDependencies, _ logger: Logger,
                        _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let required as LoginRequired {
            if request.wantsJSON || request.uri.queryParameters.get("fragment") == "1" {
                return PageResponse.json(["error": ["code": "unauthorized", "message": "Log in at /login first."]],
                                         status: .unauthorized)
            }
            return PageResponse.redirect("/login?next=" + CasesPage.encode(required.next))
        } catch let error as PageError {
            return errorPage(request, status: error.status, message: error.message)
        } catch let error as ServiceError {
            return errorPage(request, status: APIErrorBody.status(of: error.code), message: error.message)
        } catch {
            logger.error("page failed", metadata: ["path": "\(Redaction.maskNumbers(request.uri.path))", "error": "\(error)"])
            return errorPage(request, status: .internalServerError, message: "Something went wrong on our side; try again in a moment.")
        }
    }

    static func errorPage(_ request: Request, status: HTTPResponse.Status, message: String) -> Response {
        if request.wantsJSON {
            return PageResponse.json(["error": ["code": "http_\(status.code)", "message": message]], status: status)
        }
        return PageResponse.html(Layout.page(title: status.reasonPhrase, session: nil, section: .none, body: """
            <h1>\(status.reasonPhrase)</h1>\(Layout.notice(message, error: true))<p><a href="/">Back to the overview</a></p>
            """), status: status)
    }

    // MARK: Helpers

    /// Failed and dead tasks matching an agency and state filter, from the overview's counts.
    static func failedCount(_ filter: AttentionFilter, _ deps: DashboardDependencies) async throws -> Int {
        let overview = try await deps.overview.current()
        return overview.agencies.filter { filter.agency == nil || filter.agency == $0.agency }.reduce(0) { sum, queue in
            sum + (filter.status == .dead ? 0 : queue.failed) + (filter.status == .failed ? 0 : queue.dead)
        }
    }

    static func confirmPage(_ query: FailedWorkPage.Query, session: OperatorSession, deps: DashboardDependencies,
                            notice: HTML) async throws -> Response {
        let filter = query.filter
        // The failed fund extractions among the matches, which bulk retrigger takes first.
        var fundFilter: AttentionFilter?
        if filter.status != .dead, filter.item == nil || filter.item == .fundExtraction,
           filter.agency == nil || filter.agency == .fund {
            fundFilter = AttentionFilter(status: .failed, agency: .fund, item: .fundExtraction)
        }
        let fundExtractions = fundFilter
        let (total, fund) = try await deps.postgres.withConnection { db in
            (try CaseSearch.attentionCount(filter, on: db), try fundExtractions.map { try CaseSearch.attentionCount($0, on: db) } ?? 0)
        }
        return PageResponse.html(Layout.page(title: "Retrigger", session: session, section: .failed, body: """
            \(notice)\(FailedWorkPage.confirm(query, total: total, fundExtractions: fund, session: session))
            """))
    }

    /// What the last action did, from the query its redirect carried.
    static func doneNotice(_ request: Request) -> HTML {
        let parameters = request.uri.queryParameters
        if let refused = parameters.get("refused") {
            // A code, never free text: a crafted link cannot put words on this page.
            let message = switch refused {
            case ServiceError.Code.notRetriggerable.rawValue:
                "Not retriggered: only a failed item, or a dead one, can be retriggered, and this one has moved on."
            case ServiceError.Code.notAbandonable.rawValue:
                "Not abandoned: only a failed item can be given up, and this one has moved on."
            default: "The action was refused."
            }
            return Layout.notice(message, error: true)
        }
        if let item = parameters.get("retriggered"), let skipped = parameters.get("skipped") {
            return Layout.notice("Retriggered \(item.prefix(12)) tasks\(skipped == "0" ? "" : "; \(skipped.prefix(12)) had moved on and were skipped").")
        }
        if let item = parameters.get("retriggered") { return Layout.notice("\(item.prefix(40)) retriggered: a new attempt is queued.") }
        if let item = parameters.get("abandoned") { return Layout.notice("\(item.prefix(40)) abandoned; what waited for it is cancelled.") }
        return .empty
    }

    /// A local path to return to: anything else (another site, `//host`) becomes `/`.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.count <= 512,
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
        else { return "/" }
        return next
    }

    static func withQuery(_ path: String, _ values: [(String, String)]) -> String {
        let base = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        var existing = path.contains("?") ? String(path.split(separator: "?", maxSplits: 1)[1]) : ""
        // Drop the previous action's notice.
        existing = existing.split(separator: "&").filter { pair in
            !["retriggered", "abandoned", "refused", "skipped"].contains(where: { pair.hasPrefix("\($0)=") })
        }.joined(separator: "&")
        let added = CasesPage.link(values)
        return base + "?" + (existing.isEmpty ? added : existing + "&" + added)
    }

    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int, _ deps: DashboardDependencies) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(deps.secureCookies ? "; Secure" : "")"
    }
}
