import Foundation
import Hummingbird
import Model
import Services
import Storage

/// `/cases`: every case, filtered, newest first, a page at a time (keyset on the case sequence).
enum CasesPage {
    /// A parsed query: the filter, the page, and the query text to build links from.
    struct Query {
        var filter = CaseFilter()
        var beforeSeq: Int?
        var limit = 50
        /// The filter's own parameters, in a fixed order, for the next-page link and the form.
        var values: [(String, String)] = []

        func value(_ name: String) -> String? { values.first { $0.0 == name }?.1 }
    }

    static let pageSizes = 1...200
    /// Filing dates a search may name (the service did not exist before, and PostgreSQL has no year 0).
    static let years = 1990...2200

    static func parse(_ parameters: Hummingbird.Parameters, now: Date) throws -> Query {
        var query = Query()
        func text(_ name: String, max: Int = 64) throws -> String? {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard raw.count <= max else { throw PageError.badRequest("\(name) is at most \(max) characters.") }
            guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw PageError.badRequest("\(name) may not contain control characters.")
            }
            query.values.append((name, raw))
            return raw
        }
        if let status = try text("status") {
            guard let parsed = CaseStatus(rawValue: status) else {
                throw PageError.badRequest("status must be one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter.status = parsed
        }
        if let agency = try text("agency") {
            guard let parsed = Agency(rawValue: agency) else {
                throw PageError.badRequest("agency must be one of \(Agency.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter.agency = parsed
        }
        if let state = try text("itemStatus") {
            guard let parsed = TaskStatus(rawValue: state) else {
                throw PageError.badRequest("itemStatus must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter.itemStatus = parsed
        }
        if let overdue = try text("overdue") {
            guard overdue == "1" else { throw PageError.badRequest("overdue is 1 or absent.") }
            query.filter.overdueAt = now
        }
        let offset = LocalDate.chinaStandardTimeOffset
        if let from = try text("from") {
            guard let day = LocalDate(from), Self.years.contains(day.year) else {
                throw PageError.badRequest("from is a date from 1990 to 2200: YYYY-MM-DD.")
            }
            query.filter.filedFrom = day.startOfDay(utcOffsetSeconds: offset)
        }
        if let to = try text("to") {
            guard let day = LocalDate(to), Self.years.contains(day.year) else {
                throw PageError.badRequest("to is a date from 1990 to 2200: YYYY-MM-DD.")
            }
            query.filter.filedBefore = day.adding(days: 1).startOfDay(utcOffsetSeconds: offset)
        }
        if let caseNo = try text("caseNo", max: 40) { query.filter.caseNo = caseNo }
        if let suffix = try text("idSuffix", max: 4) {
            guard suffix.count == 4, suffix.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "X" || $0 == "x") }) else {
                throw PageError.badRequest("idSuffix is the last 4 characters of the ID number, as the masked number shows.")
            }
            query.filter.idSuffix = suffix.uppercased()
        }
        if let organisation = try text("organisation") { query.filter.organisation = organisation }
        if let limit = parameters.get("limit"), !limit.isEmpty {
            guard let parsed = Int(limit), pageSizes.contains(parsed) else {
                throw PageError.badRequest("limit is a whole number from 1 to 200.")
            }
            query.limit = parsed
            query.values.append(("limit", limit))
        }
        if let cursor = parameters.get("cursor"), !cursor.isEmpty {
            guard let seq = CaseQueries.decodeCursor(cursor) else {
                throw PageError.badRequest("The cursor is not one this page gave out; start again without it.")
            }
            query.beforeSeq = seq
        }
        return query
    }

    static func render(_ query: Query, cases: [CaseSummary], nextCursor: String?) -> HTML {
        let rows: HTML = cases.isEmpty
            ? "<tr><td colspan=\"6\" class=\"muted\">No case matches.</td></tr>"
            : HTML(cases.map { summary in
                """
                <tr><td><a href="/cases/\(summary.caseNo)">\(summary.caseNo)</a></td><td>\(Layout.badge(summary.status.rawValue))</td>\
                <td>\(Format.time(summary.filedAt))</td><td>\(summary.retireeName) <span class="muted">\(maskID(summary.retireeIDNumber))</span></td>\
                <td>\(summary.organisation ?? "—")</td><td>\(summary.retirementDate.iso8601)</td></tr>
                """
            })
        let next: HTML = nextCursor.map { cursor in
            "<a class=\"button\" href=\"/cases?\(link(query.values + [("cursor", cursor)]))\">Older cases →</a>"
        } ?? .empty
        let first: HTML = query.beforeSeq == nil ? .empty
            : " <a href=\"/cases?\(link(query.values))\">First page</a>"
        return """
            <h1>Cases</h1>
            <form class="filters card" method="get" action="/cases">
            <label>Case status<select name="status">\(Layout.options(CaseStatus.allCases.map(\.rawValue), selected: query.value("status")))</select></label>
            <label>Agency<select name="agency">\(Layout.options(Agency.allCases.map(\.rawValue), selected: query.value("agency")))</select></label>
            <label>Item state<select name="itemStatus">\(Layout.options(TaskStatus.allCases.map(\.rawValue), selected: query.value("itemStatus")))</select></label>
            <label>Past time limit<select name="overdue">\(Layout.options(["1"], selected: query.value("overdue")))</select></label>
            <label>Filed from<input type="date" name="from" value="\(query.value("from"))"></label>
            <label>Filed to<input type="date" name="to" value="\(query.value("to"))"></label>
            <label>Case number<input name="caseNo" maxlength="40" value="\(query.value("caseNo"))"></label>
            <label>ID ends with<input name="idSuffix" maxlength="4" size="5" placeholder="0036" value="\(query.value("idSuffix"))"></label>
            <label>Organisation<input name="organisation" maxlength="64" value="\(query.value("organisation"))"></label>
            <button class="act" type="submit">Filter</button> <a href="/cases">Clear</a>
            </form>
            <div class="card scroll"><table>
            <thead><tr><th>Case</th><th>Status</th><th>Filed</th><th>Retiree</th><th>Organisation</th><th>Retirement</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <p class="pager">\(next)\(first)</p>
            """
    }

    /// A query string from name-value pairs, each percent-encoded.
    static func link(_ values: [(String, String)]) -> String {
        values.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
