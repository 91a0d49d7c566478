import Foundation
import Hummingbird
import Model
import Storage

/// `/failed`: failed and dead tasks, failed fund extractions first; retrigger one, all that match,
/// or abandon a failed one.
enum FailedWorkPage {
    static let shown = 50

    struct Query {
        var filter = AttentionFilter()
        var values: [(String, String)] = []

        func value(_ name: String) -> String? { values.first { $0.0 == name }?.1 }
    }

    /// Reads the filter from a query string or a form (the same names).
    static func parse(_ get: (String) -> String?) throws -> Query {
        var query = Query()
        func text(_ name: String) -> String? {
            guard let raw = get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        if let status = text("status") {
            guard status == "failed" || status == "dead" else { throw PageError.badRequest("status is failed, dead or absent.") }
            query.filter.status = TaskStatus(rawValue: status)
            query.values.append(("status", status))
        }
        if let agency = text("agency") {
            guard let parsed = Agency(rawValue: agency) else {
                throw PageError.badRequest("agency must be one of \(Agency.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter.agency = parsed
            query.values.append(("agency", agency))
        }
        if let item = text("item") {
            guard let parsed = Item(rawValue: item) else {
                throw PageError.badRequest("item must be one of \(Item.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter.item = parsed
            query.values.append(("item", item))
        }
        return query
    }

    static func render(_ query: Query, tasks: [AttentionTask], total: Int, session: OperatorSession, notice: HTML) -> HTML {
        let canAct = session.role == .operator
        let back = "/failed" + (query.values.isEmpty ? "" : "?" + CasesPage.link(query.values))
        let rows: HTML = tasks.isEmpty
            ? "<tr><td colspan=\"8\" class=\"muted\">Nothing failed or dead matches.</td></tr>"
            : HTML(tasks.map { task in
                var actions: [HTML] = []
                if canAct {
                    actions.append(TaskActions.button("retrigger", caseNo: task.caseNo, item: task.item.rawValue,
                                                      csrf: session.csrfToken, back: back))
                    if task.status == .failed {
                        actions.append(TaskActions.button("abandon", caseNo: task.caseNo, item: task.item.rawValue,
                                                          csrf: session.csrfToken, back: back))
                    }
                }
                return """
                    <tr><td><a href="/cases/\(task.caseNo)">\(task.caseNo)</a></td><td>\(task.item.rawValue)</td>\
                    <td>\(Layout.badge(task.status.rawValue))</td><td class="num">\(task.attempt)</td>\
                    <td class="wrap">\(task.lastError.map { Redaction.maskNumbers($0) } ?? "")</td><td>\(Format.time(task.updatedAt))</td>\
                    <td>\(task.retireeName) <span class="muted">\(maskID(task.retireeIDNumber))</span></td><td class="actions">\(actions)</td></tr>
                    """
            })
        let bulk: HTML = canAct && total > 0
            ? "<a class=\"button\" href=\"/failed/retrigger?\(CasesPage.link(query.values))\">Retrigger all \(total) that match…</a>"
            : .empty
        let more: HTML = total > tasks.count ? "<p class=\"muted\">Showing the first \(tasks.count) of \(total).</p>" : .empty
        return """
            <h1>Failed work</h1>
            \(notice)
            <form class="filters card" method="get" action="/failed">
            <label>State<select name="status">\(Layout.options(["failed", "dead"], selected: query.value("status"), any: "failed or dead"))</select></label>
            <label>Agency<select name="agency">\(Layout.options(Agency.allCases.map(\.rawValue), selected: query.value("agency")))</select></label>
            <label>Item<select name="item">\(Layout.options(Item.allCases.map(\.rawValue), selected: query.value("item")))</select></label>
            <button class="act" type="submit">Filter</button> <a href="/failed">Clear</a>
            </form>
            <p><strong>\(total)</strong> tasks match. \(bulk)</p>
            <div class="card scroll"><table>
            <thead><tr><th>Case</th><th>Item</th><th>State</th><th class="num">Attempts</th><th>Last error</th><th>Since</th>\
            <th>Retiree</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(more)
            """
    }

    /// The confirmation before a bulk retrigger: how many, and what goes first.
    static func confirm(_ query: Query, total: Int, fundExtractions: Int, session: OperatorSession) -> HTML {
        let hidden = HTML(query.values.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" })
        let described = query.values.isEmpty ? "every failed or dead task"
            : query.values.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
        return """
            <h1>Retrigger \(total) tasks?</h1>
            <div class="card">
            <p>This gives a new attempt to the <strong>\(total)</strong> tasks that match: \(described).
            \(fundExtractions > 0 ? "The \(fundExtractions) failed fund extractions among them go first." : "")
            Each is written to the audit trail under your name.</p>
            <form method="post" action="/failed/retrigger">
            <input type="hidden" name="csrf" value="\(session.csrfToken)">
            <input type="hidden" name="expected" value="\(total)">
            \(hidden)
            <button class="act" type="submit">Retrigger \(total) tasks</button>
            <a href="/failed?\(CasesPage.link(query.values))">Cancel</a>
            </form></div>
            """
    }
}

/// The failed-work page's JSON twin.
struct AttentionBody: Encodable {
    struct Task: Encodable {
        let caseNo: String
        let item: String
        let agency: String
        let status: String
        let attempts: Int
        let lastError: String?
        let updatedAt: String
        let retiree: CaseSummaryBody.SummaryRetiree
    }

    let total: Int
    let tasks: [Task]

    init(total: Int, tasks: [AttentionTask]) {
        self.total = total
        self.tasks = tasks.map {
            Task(caseNo: $0.caseNo, item: $0.item.rawValue, agency: $0.agency.rawValue, status: $0.status.rawValue,
                 attempts: $0.attempt, lastError: $0.lastError.map { Redaction.maskNumbers($0) }, updatedAt: rfc3339($0.updatedAt),
                 retiree: .init(name: $0.retireeName, idNumber: maskID($0.retireeIDNumber)))
        }
    }
}
