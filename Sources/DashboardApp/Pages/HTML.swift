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

    /// Escapes `& < > " '`, working on UTF-8 bytes (every special character is ASCII, so no
    /// multi-byte sequence is touched); text without any comes back as it is, without copying.
    static func escape(_ text: String) -> String {
        func special(_ byte: UInt8) -> Bool {
            byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
        }
        guard text.utf8.contains(where: special) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: escaped.append(contentsOf: "&amp;".utf8)
            case 0x3C: escaped.append(contentsOf: "&lt;".utf8)
            case 0x3E: escaped.append(contentsOf: "&gt;".utf8)
            case 0x22: escaped.append(contentsOf: "&quot;".utf8)
            case 0x27: escaped.append(contentsOf: "&#39;".utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
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
