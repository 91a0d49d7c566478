import Foundation

/// One year of the State Council's holiday notice: the days off and the weekend days that are
/// declared working days (调休).
///
/// Built from the JSON text of one year, so that next year's notice is a data change:
/// ```json
/// { "year": 2026,
///   "daysOff": [{"name": "New Year's Day", "from": "2026-01-01", "through": "2026-01-03"}],
///   "workingWeekendDays": ["2026-01-04"] }
/// ```
/// `through` may be omitted for a single day. Every date must lie in `year`, every working weekend
/// day must be a Saturday or Sunday, and no day may be both off and working. A parsed file is
/// ``CalendarSource/official``; ``StatutoryHolidays/provisionalYear(_:)`` builds provisional ones.
public struct CalendarYear: Sendable, Hashable {
    /// The year covered.
    public let year: Int
    /// Every day off declared for the year, weekend or not.
    public let daysOff: Set<LocalDate>
    /// The weekend days declared working days.
    public let workingWeekendDays: Set<LocalDate>
    /// Whether the days come from the State Council's notice or were computed without it.
    public let source: CalendarSource

    /// Creates a year after checking its days (see the type's documentation).
    public init(
        year: Int, daysOff: Set<LocalDate>, workingWeekendDays: Set<LocalDate>, source: CalendarSource = .official
    ) throws(CalendarDataError) {
        for date in daysOff.union(workingWeekendDays).sorted() where date.year != year {
            throw .dateOutsideYear(date: date, year: year)
        }
        for date in workingWeekendDays.sorted() where !date.isWeekend {
            throw .workingDayNotWeekend(date: date)
        }
        if let both = daysOff.intersection(workingWeekendDays).min() {
            throw .dayBothOffAndWorking(date: both)
        }
        self.year = year
        self.daysOff = daysOff
        self.workingWeekendDays = workingWeekendDays
        self.source = source
    }

    /// Parses the JSON text of one year (format in the type's documentation).
    public init(json: String) throws(CalendarDataError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json.utf8))
        } catch {
            throw .malformed(detail: String(describing: error))
        }
        var daysOff: Set<LocalDate> = []
        for period in file.daysOff {
            let through = period.through ?? period.from
            guard period.from <= through else { throw .reversedPeriod(from: period.from, through: through) }
            var day = period.from
            while day <= through {
                daysOff.insert(day)
                day = day.adding(days: 1)
            }
        }
        try self.init(year: file.year, daysOff: daysOff, workingWeekendDays: Set(file.workingWeekendDays))
    }

    private struct File: Decodable {
        struct Period: Decodable {
            var name: String?
            var from: LocalDate
            var through: LocalDate?
        }
        var year: Int
        var daysOff: [Period]
        var workingWeekendDays: [LocalDate]
    }
}
