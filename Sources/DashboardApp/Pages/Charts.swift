import Foundation
import Model
import Storage

/// Line charts drawn as inline SVG from the per-minute samples: one line per agency over the last hour.
enum Charts {
    static let colours: [Agency: String] = [.hr: "#1f5fbf", .social: "#1b7f4c", .medical: "#b26a00", .fund: "#8e44ad"]

    /// `value` picks the number plotted from a sample (nil: no point that minute).
    static func chart(title: String, unit: String, samples: [MinuteSample], now: Date,
                      value: (MinuteSample) -> Double?) -> HTML {
        let (width, height, left, bottom, top) = (600.0, 200.0, 48.0, 22.0, 10.0)
        let lastMinute = Int(now.timeIntervalSince1970) / 60
        let firstMinute = lastMinute - 59
        var series: [Agency: [Int: Double]] = [:]
        for sample in samples {
            guard let agency = Agency(rawValue: sample.agency), let number = value(sample) else { continue }
            let minute = Int(sample.minute.timeIntervalSince1970) / 60
            guard minute >= firstMinute, minute <= lastMinute else { continue }
            series[agency, default: [:]][minute] = number
        }
        let peak = series.values.flatMap(\.values).max() ?? 0
        let top2 = niceStep(peak / 4) * 4
        func x(_ minute: Int) -> Double { left + (width - left - 8) * Double(minute - firstMinute) / 59 }
        func y(_ number: Double) -> Double { height - bottom - (height - bottom - top) * (top2 > 0 ? number / top2 : 0) }
        var parts: [HTML] = []
        for step in 0...4 {
            let number = top2 * Double(step) / 4
            let lineY = format(y(number))
            parts.append("<line x1=\"\(format(left))\" x2=\"\(format(width - 8))\" y1=\"\(lineY)\" y2=\"\(lineY)\" stroke=\"#e3e7ec\"/>")
            parts.append("<text x=\"\(format(left - 6))\" y=\"\(lineY)\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#5b6775\">\(label(number))</text>")
        }
        for (offset, text) in [(0, "-60 min"), (30, "-30 min"), (59, "now")] {
            let anchor = offset == 0 ? "start" : offset == 59 ? "end" : "middle"
            parts.append("<text x=\"\(format(x(firstMinute + offset)))\" y=\"\(format(height - 6))\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#5b6775\">\(text)</text>")
        }
        for agency in Agency.allCases {
            guard let points = series[agency], !points.isEmpty else { continue }
            let coordinates = points.keys.sorted().map { "\(format(x($0))),\(format(y(points[$0]!)))" }.joined(separator: " ")
            let colour = colours[agency] ?? "#333"
            if points.count == 1 {
                let minute = points.keys.first!
                parts.append("<circle cx=\"\(format(x(minute)))\" cy=\"\(format(y(points[minute]!)))\" r=\"3\" fill=\"\(colour)\"/>")
            } else {
                parts.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates)\"/>")
            }
        }
        let legend = HTML(Agency.allCases.map { "<span><i class=\"l-\($0.rawValue)\"></i>\($0.rawValue)</span>" })
        return """
            <div class="card"><h2>\(title)</h2>
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(title), \(unit), last hour">\
            <title>\(title) (\(unit)), last hour</title>\(parts)</svg>
            <div class="legend">\(legend)<span class="muted">\(unit)</span></div></div>
            """
    }

    /// The grid step: 1, 2 or 5 times a power of ten, at least `value` (and at least 0.25, so an
    /// empty or tiny chart still has readable ticks).
    static func niceStep(_ value: Double) -> Double {
        guard value > 0.25 else { return 0.25 }
        let power = pow(10, log10(value).rounded(.down))
        for factor in [1.0, 2.0, 5.0] where factor * power >= value { return factor * power }
        return 10 * power
    }

    private static func label(_ number: Double) -> String {
        number >= 1000 ? "\(format(number / 1000))k" : format(number)
    }

    private static func format(_ number: Double) -> String {
        let rounded = (number * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
