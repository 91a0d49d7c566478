import Foundation

/// The holiday notices the service ships with: one data file per year in `Calendars/YYYY.json`
/// (国务院办公厅关于部分节假日安排的通知), in the format documented on ``CalendarYear``.
///
/// To add a year: drop its file into `Sources/Model/Calendars`; `WorkingDayCalendarTests` checks
/// that every shipped file loads. Between releases, an operator's files reach
/// ``WorkingDayCalendar/standard(extraTexts:)`` instead. The files are read-only data shipped with the code, so reading
/// them keeps the model deterministic.
extension WorkingDayCalendar {
    /// The calendar built from every shipped year, and nothing else: a year without a shipped
    /// notice is judged by weekends only. See ``standard(extraTexts:)`` for the one to serve with.
    public static func bundled() throws(CalendarDataError) -> WorkingDayCalendar {
        try WorkingDayCalendar(jsonTexts: bundledYearTexts)
    }

    /// The calendar to serve with: the shipped years, then `extraTexts` (notices an operator has
    /// added since the release), then a provisional year for every year of
    /// ``StatutoryHolidays/years`` still without a notice.
    ///
    /// An extra file for a shipped year replaces it, as a newer file for the same notice (e.g. a
    /// correction) must win over the release's; two extra files for one year are
    /// ``CalendarDataError/duplicateYear(_:)``, since neither is known to be the newer.
    public static func standard(extraTexts: [String] = []) throws(CalendarDataError) -> WorkingDayCalendar {
        var official: [Int: CalendarYear] = [:]
        for text in bundledYearTexts {
            let year = try CalendarYear(json: text)
            guard official.updateValue(year, forKey: year.year) == nil else { throw .duplicateYear(year.year) }
        }
        var extraYears: Set<Int> = []
        for text in extraTexts {
            let year = try CalendarYear(json: text)
            guard extraYears.insert(year.year).inserted else { throw .duplicateYear(year.year) }
            official[year.year] = year
        }
        let provisional = StatutoryHolidays.years.filter { official[$0] == nil }
            .compactMap(StatutoryHolidays.provisionalYear)
        return try WorkingDayCalendar(years: Array(official.values) + provisional)
    }

    /// The JSON text of every shipped year, in year order (empty if the data files are missing,
    /// which the tests catch).
    public static let bundledYearTexts: [String] = {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Calendars"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }()
}
