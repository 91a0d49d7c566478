import Foundation
import Model

/// A fragment of HTML. Interpolated text is escaped; only other `HTML` values go in as they are,
/// so a page cannot be assembled with unescaped data by accident.
struct HTML: ExpressibleByStringInterpolation, Sendable {
    private(set) var raw: String

    init(raw: String) {
        self.raw = raw
    }

    init(stringLiteral value: String) {
        raw = value
    }

    init(stringInterpolation: StringInterpolation) {
        raw = stringInterpolation.output
    }

    static let empty = HTML(raw: "")

    /// Joins fragments.
    init(_ parts: [HTML]) {
        raw = parts.map(\.raw).joined()
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var output = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) {
            output += literal
        }

        mutating func appendInterpolation(_ text: String) {
            output += HTML.escape(text)
        }

        mutating func appendInterpolation(_ text: String?) {
            output += HTML.escape(text ?? "")
        }

        mutating func appendInterpolation(_ number: Int) {
            output += String(number)
        }

        mutating func appendInterpolation(_ html: HTML) {
            output += html.raw
        }

        mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { output += part.raw }
        }
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Formatting shared by the pages.
enum Format {
    /// `2025-07-15 09:30` in Beijing time, the time operators work in.
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let offset = LocalDate.chinaStandardTimeOffset
        let day = LocalDate(date, utcOffsetSeconds: offset)
        let inDay = max(0, Int((date.timeIntervalSince1970 + Double(offset)).rounded(.down)) - day.daysSinceEpoch * 86_400)
        return "\(day.iso8601) \(two(inDay / 3600)):\(two(inDay % 3600 / 60))"
    }

    /// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func age(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        let whole = Int(seconds.rounded())
        if whole < 120 { return "\(whole) s" }
        if whole < 7200 { return "\(whole / 60) min" }
        if whole < 172_800 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        return "\(whole / 86_400) d \(whole % 86_400 / 3600) h"
    }

    static func count(_ value: Int?) -> String {
        value.map(String.init) ?? "—"
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
