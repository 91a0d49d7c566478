import Foundation

/// The holiday notices the service ships with: one data file per year in `Calendars/YYYY.json`
/// (国务院办公厅关于部分节假日安排的通知), in the format documented on ``CalendarYear``.
///
/// To add a year: drop its file into `Sources/Model/Calendars`; `WorkingDayCalendarTests` checks
/// that every shipped file loads. The files are read-only data shipped with the code, so reading
/// them keeps the model deterministic.
extension WorkingDayCalendar {
    /// The calendar built from every shipped year.
    public static func bundled() throws(CalendarDataError) -> WorkingDayCalendar {
        try WorkingDayCalendar(jsonTexts: bundledYearTexts)
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
