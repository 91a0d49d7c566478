import Foundation
import Model
import Storage

/// `/cases/{caseNo}`: the case, every task's state, and the full timeline of events.
enum CasePage {
    static func fragment(_ record: CaseRecord, events: [EventRecord], session: OperatorSession, now: Date,
                         notice: HTML = .empty) -> HTML {
        let canAct = session.role == .operator
        let back = "/cases/\(record.caseNo)"
        // In the catalogue's order (the order the work flows), not the store's.
        let order = Dictionary(uniqueKeysWithValues: Item.allCases.enumerated().map { ($1, $0) })
        let tasks = HTML(record.tasks.sorted { order[$0.item, default: 0] < order[$1.item, default: 0] }.map { task in
            let overdue = task.isOverdue(at: now)
            let stalled = task.isStalled(at: now)
            var actions: [HTML] = []
            if canAct && (task.status == .failed || task.status == .dead) {
                actions.append(TaskActions.button("retrigger", caseNo: record.caseNo, item: task.item.rawValue,
                                                  csrf: session.csrfToken, back: back))
            }
            if canAct && (task.status == .failed || task.status == .awaitingConditions) {
                actions.append(TaskActions.button("abandon", caseNo: record.caseNo, item: task.item.rawValue,
                                                  csrf: session.csrfToken, back: back))
            }
            return """
                <tr><td>\(task.item.rawValue)</td><td>\(task.agency.rawValue)</td><td>\(Layout.badge(task.status.rawValue))</td>\
                <td class="num">\(task.attempt)</td><td>\(Format.time(task.nextAttemptAt))</td>\
                <td>\(Format.time(task.dueBy))\(overdue ? " <span class=\"bad\">overdue</span>" as HTML : .empty)</td>\
                <td class="wrap">\(stalled ? "<span class=\"bad\">stalled</span> " as HTML : .empty)\
                \(task.lastError.map { Redaction.maskNumbers($0) } ?? "")</td>\
                <td class="wrap">\(Self.result(task.result))</td><td class="actions">\(actions)</td></tr>
                """
        })
        let timeline = HTML(events.map { event in
            """
            <tr><td>\(Format.time(event.at))</td><td>\(event.item?.rawValue ?? "case")</td>\
            <td>\(event.from.map { Layout.badge($0) } ?? .empty) → \(Layout.badge(event.to))</td>\
            <td class="num">\(event.attempt.map(String.init) ?? "")</td><td>\(event.actor)</td>\
            <td class="wrap">\(event.detail.map { Redaction.maskNumbers($0) } ?? "")</td></tr>
            """
        })
        let realName: String = !record.realNameRequired ? "not required"
            : record.realNameDoneAt.map { "done \(Format.time($0))" } ?? "due by \(record.realNameDeadline?.iso8601 ?? "—")"
        return """
            <h1>Case \(record.caseNo) \(Layout.badge(record.status.rawValue))</h1>
            \(notice)
            <div class="card"><dl class="facts">
            <dt>Retiree</dt><dd>\(record.retireeName) · \(maskID(record.retireeIDNumber)) · \(record.sex.rawValue) · \(record.category.rawValue)</dd>
            <dt>Retirement date</dt><dd>\(record.retirementDate.iso8601)\(record.retirementDate != record.statutoryRetirementDate
                ? " (flexible; statutory \(record.statutoryRetirementDate.iso8601))" : "")</dd>
            <dt>Filed</dt><dd>\(Format.time(record.filedAt)) by \(record.filedBy.rawValue)\(record.organisation.map { " for \($0)" } ?? "")</dd>
            <dt>Housing fund</dt><dd>\(record.choices.housingFund.rawValue)\(record.fundCentre.map { " (\($0))" } ?? "")</dd>
            <dt>Bank account</dt><dd>\(record.bankAccount.map { "\($0.bank) \($0.masked)" } ?? "—")</dd>
            <dt>Real-name check</dt><dd>\(realName)</dd>
            </dl></div>
            <h2>Tasks</h2>
            <div class="card scroll"><table>
            <thead><tr><th>Item</th><th>Agency</th><th>State</th><th class="num">Attempts</th><th>Next attempt</th>\
            <th>Due by</th><th>Last error</th><th>Result</th><th></th></tr></thead>
            <tbody>\(tasks)</tbody></table></div>
            <h2>Timeline (\(events.count) events)</h2>
            <div class="card scroll"><table>
            <thead><tr><th>At</th><th>Item</th><th>Change</th><th class="num">Attempt</th><th>By</th><th>Detail</th></tr></thead>
            <tbody>\(timeline)</tbody></table></div>
            """
    }
}

extension CasePage {
    /// What the agency reported, as `name: value` pairs (text redacted as everywhere).
    static func result(_ result: TaskResult?) -> HTML {
        guard let result else { return .empty }
        return HTML(result.fields.keys.sorted().map { key in
            let value: String = switch result[key] {
            case .string(let text): Redaction.maskNumbers(text)
            case .integer(let number): String(number)
            case .number(let number): String(number)
            case .bool(let flag): flag ? "yes" : "no"
            case nil: ""
            }
            return "<span class=\"kv\">\(key): \(value)</span> "
        })
    }
}

/// The retrigger and abandon buttons: small forms with the session's CSRF token.
enum TaskActions {
    /// Abandoning asks for a reason, which the event keeps.
    static func button(_ action: String, caseNo: String, item: String, csrf: String, back: String) -> HTML {
        let style = action == "abandon" ? "act danger" : "act"
        let label = action == "abandon" ? "Abandon" : "Retrigger"
        let reason: HTML = action == "abandon"
            ? "<input class=\"reason\" type=\"text\" name=\"reason\" required maxlength=\"500\" placeholder=\"reason\" aria-label=\"reason\">"
            : .empty
        return """
            <form class="inline" method="post" action="/cases/\(caseNo)/tasks/\(item)/\(action)">\
            <input type="hidden" name="csrf" value="\(csrf)"><input type="hidden" name="back" value="\(back)">\
            \(reason)<button class="\(style)" type="submit">\(label)</button></form>
            """
    }
}
