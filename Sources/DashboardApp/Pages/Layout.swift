import Foundation
import Storage

/// The page shell: navigation, who is logged in, the log-out form.
enum Layout {
    enum Section: String {
        case overview, cases, failed, none
    }

    static func page(title: String, session: OperatorSession?, section: Section, refresh: String? = nil,
                     body: HTML) -> HTML {
        let nav: HTML
        if let session {
            func link(_ href: String, _ label: String, _ target: Section) -> HTML {
                target == section ? "<a class=\"active\" href=\"\(href)\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
            }
            nav = """
                <nav><span class="brand">退休一件事 · Operations</span>\(link("/", "Overview", .overview))\
                \(link("/cases", "Cases", .cases))\(link("/failed", "Failed work", .failed))\
                <span class="who">\(session.name) (\(session.role.rawValue))</span>\
                <form method="post" action="/logout"><input type="hidden" name="csrf" value="\(session.csrfToken)">\
                <button type="submit">Log out</button></form></nav>
                """
        } else {
            nav = "<nav><span class=\"brand\">退休一件事 · Operations</span></nav>"
        }
        let main: HTML = refresh.map { "<main id=\"main\" data-refresh=\"\($0)\">\(body)</main>" }
            ?? "<main id=\"main\">\(body)</main>"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Retirement one thing</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/app.css">
            <script src="/static/app.js" defer></script>
            </head>
            <body>
            <header>\(nav)</header>
            \(main)
            </body>
            </html>
            """
    }

    /// A status as a coloured badge.
    static func badge(_ status: String) -> HTML {
        "<span class=\"badge s-\(status)\">\(status)</span>"
    }

    static func notice(_ text: String, error: Bool = false) -> HTML {
        error ? "<p class=\"notice error\" role=\"alert\">\(text)</p>" : "<p class=\"notice\" role=\"status\">\(text)</p>"
    }

    /// An `<option>` list with `selected` on the current value; the first option is "any".
    static func options(_ values: [String], selected: String?, any: String = "any") -> HTML {
        var parts: [HTML] = ["<option value=\"\">\(any)</option>"]
        for value in values {
            parts.append(value == selected ? "<option selected value=\"\(value)\">\(value)</option>"
                                           : "<option value=\"\(value)\">\(value)</option>")
        }
        return HTML(parts)
    }
}
