import Foundation
import Logging
import Metrics
import Model

/// The working-day calendar a process serves with: the shipped State Council notices, the notices an
/// operator dropped into `CALENDAR_DIR` (`*.json`, one year each; a file for a shipped year replaces
/// it), and a provisional year computed from the holiday law for every year still without one.
///
/// Read at start-up, so a new notice needs a restart, not a rebuild. A provisional year in use (this
/// year or the next) is a warning in the log, `onething_calendar_provisional{year}` = 1 on
/// `/metrics` (refreshed by ``recordProvisional(_:today:factory:)``), and a notice on the overview.
public enum CalendarSettings {
    /// Loads the calendar; a file that is not a valid notice stops the process with its name and why.
    public static func load(logger: Logger, now: Date = Date()) throws -> WorkingDayCalendar {
        var texts: [String] = []
        if let folder = Environment.value("CALENDAR_DIR") {
            let url = URL(fileURLWithPath: folder, isDirectory: true)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".json") }.sorted()
            } catch {
                throw CalendarFolderError(description: "CALENDAR_DIR \(folder) cannot be read")
            }
            for name in names {
                guard let text = try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) else {
                    throw CalendarFolderError(description: "CALENDAR_DIR: \(name) cannot be read as UTF-8")
                }
                do { _ = try CalendarYear(json: text) } catch {
                    throw CalendarFolderError(description: "CALENDAR_DIR: \(name): \(error.message)")
                }
                texts.append(text)
            }
            logger.info("calendar notices loaded from CALENDAR_DIR", metadata: ["files": "\(names)"])
        }
        let calendar: WorkingDayCalendar
        do {
            calendar = try WorkingDayCalendar.standard(extraTexts: texts)
        } catch {
            throw CalendarFolderError(description: "CALENDAR_DIR: \(error.message)")
        }
        let today = LocalDate(now, utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        for year in calendar.provisionalYears(inUseOn: today) {
            logger.warning("the working-day calendar for this year is provisional: computed from the holiday law, without the State Council's notice; add the notice's file to CALENDAR_DIR and restart",
                           metadata: ["year": "\(year)"])
        }
        return calendar
    }

    /// Sets `onething_calendar_provisional{year}` for this year and the next: 1 while provisional, 0 once official.
    public static func recordProvisional(_ calendar: WorkingDayCalendar, today: LocalDate,
                                         factory: any MetricsFactory = MetricsSystem.factory) {
        let provisional = Set(calendar.provisionalYears(inUseOn: today))
        for year in [today.year, today.year + 1] {
            Gauge(label: "onething_calendar_provisional", dimensions: [("year", String(year))], factory: factory)
                .record(provisional.contains(year) ? 1 : 0)
        }
    }
}

/// A `CALENDAR_DIR` that cannot be used; the description names the file and the fault.
public struct CalendarFolderError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
