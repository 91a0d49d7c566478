import Foundation

/// Working days: Monday to Friday except the State Council's days off, plus the weekend days it
/// declares working days.
///
/// The calendar is data: one ``CalendarYear`` per holiday notice (see
/// `WorkingDayCalendar+Data.swift`), and, in the calendar built by ``standard(extraTexts:)``, a
/// provisional year (``StatutoryHolidays``) for every year of the holiday law without a notice. A
/// day in a year with neither falls back to weekends-only. Every method that may guess reports it
/// through ``CalendarAnswer``, ``source(of:)`` or ``isOfficial(_:)``.
public struct WorkingDayCalendar: Sendable, Hashable {
    private let years: [Int: CalendarYear]

    /// Creates a calendar from its years; two entries for one year are an error.
    public init(years: [CalendarYear]) throws(CalendarDataError) {
        var byYear: [Int: CalendarYear] = [:]
        for year in years {
            guard byYear[year.year] == nil else { throw .duplicateYear(year.year) }
            byYear[year.year] = year
        }
        self.years = byYear
    }

    /// Creates a calendar from the JSON text of each year.
    public init(jsonTexts: [String]) throws(CalendarDataError) {
        var parsed: [CalendarYear] = []
        for text in jsonTexts { parsed.append(try CalendarYear(json: text)) }
        try self.init(years: parsed)
    }

    /// The years with holiday data, official or provisional, ascending.
    public var knownYears: [Int] { years.keys.sorted() }

    /// The years with a provisional year and no notice, ascending.
    public var provisionalYears: [Int] { years.values.filter { $0.source == .provisional }.map(\.year).sorted() }

    /// The data for a year, official or provisional; nil for a year judged by weekends only.
    public func year(_ year: Int) -> CalendarYear? { years[year] }

    /// Where a year's data comes from; nil for a year judged by weekends only.
    public func source(of year: Int) -> CalendarSource? { years[year]?.source }

    /// The years a time limit counted on `today` can reach (this year and the next: a limit starting
    /// in late December ends in January) that are only provisional: what the warnings are about.
    public func provisionalYears(inUseOn today: LocalDate) -> [Int] {
        [today.year, today.year + 1].filter { source(of: $0) == .provisional }
    }

    /// Whether the holiday data, official or provisional, covers this date's year (if not, it is
    /// judged by weekends only). A provisional year counts, as it is far closer to the notice than
    /// weekends only; ``isOfficial(_:)`` tells whether the notice itself covers the date.
    public func covers(_ date: LocalDate) -> Bool { years[date.year] != nil }

    /// Whether this date's year has the State Council's notice.
    public func isOfficial(_ date: LocalDate) -> Bool { years[date.year]?.source == .official }

    /// Whether the date is a working day. For a year without data: Monday to Friday; check
    /// ``covers(_:)`` to know whether that fallback was used, ``isOfficial(_:)`` whether the answer
    /// is certain.
    public func isWorkingDay(_ date: LocalDate) -> Bool {
        guard let year = years[date.year] else { return !date.isWeekend }
        if year.workingWeekendDays.contains(date) { return true }
        if year.daysOff.contains(date) { return false }
        return !date.isWeekend
    }

    /// The date `n` working days after `date` (before it when `n` is negative).
    ///
    /// The start day itself is never counted for `n != 0`: one working day after a Friday is the
    /// next Monday. For `n == 0` the answer is `date` itself when it is a working day, otherwise the
    /// next working day — "the same day", rolled forward to when the agencies are open.
    public func addingWorkingDays(_ n: Int, to date: LocalDate) -> CalendarAnswer<LocalDate> {
        var missing: Set<Int> = [], provisional: Set<Int> = []
        func working(_ day: LocalDate) -> Bool {
            switch years[day.year]?.source {
            case nil: missing.insert(day.year)
            case .provisional: provisional.insert(day.year)
            case .official: break
            }
            return isWorkingDay(day)
        }
        var day = date
        if n == 0 {
            while !working(day) { day = day.adding(days: 1) }
        } else {
            let step = n > 0 ? 1 : -1
            var remaining = abs(n)
            while remaining > 0 {
                day = day.adding(days: step)
                if working(day) { remaining -= 1 }
            }
        }
        return CalendarAnswer(value: day, yearsWithoutData: missing.sorted(), provisionalYears: provisional.sorted())
    }

    /// The last day on which an agency may finish work with a time limit of `workingDays`, counted
    /// from the day its conditions were met.
    ///
    /// As in Chinese administrative practice the starting day is not counted, so a 5-working-day
    /// limit starting on a Monday ends on the next Monday; a limit of 0 ("same day") ends on the
    /// starting day, or the next working day if it starts on a day off.
    public func dueDate(timeLimitWorkingDays workingDays: Int, countedFrom start: LocalDate) -> CalendarAnswer<LocalDate> {
        addingWorkingDays(max(0, workingDays), to: start)
    }

    /// The instant a time limit runs out: the end of the due day (``dueDate(timeLimitWorkingDays:countedFrom:)``)
    /// in the agencies' time zone, i.e. the start of the following day, exclusive.
    ///
    /// - Parameters:
    ///   - start: when the conditions were met; its day is taken at `utcOffsetSeconds`.
    ///   - utcOffsetSeconds: the agencies' offset from UTC; Beijing time by default.
    public func dueBy(
        timeLimitWorkingDays workingDays: Int,
        from start: Date,
        utcOffsetSeconds: Int = LocalDate.chinaStandardTimeOffset
    ) -> CalendarAnswer<Date> {
        let day = dueDate(timeLimitWorkingDays: workingDays, countedFrom: LocalDate(start, utcOffsetSeconds: utcOffsetSeconds))
        return CalendarAnswer(
            value: day.value.adding(days: 1).startOfDay(utcOffsetSeconds: utcOffsetSeconds),
            yearsWithoutData: day.yearsWithoutData,
            provisionalYears: day.provisionalYears)
    }
}
