import Foundation

/// The days off fixed by law (全国年节及纪念日放假办法, as revised in 2024), and the provisional
/// calendar year they give while the State Council's notice for that year is not yet loaded.
///
/// The law's days off are New Year's Day (1 January), the Spring Festival (the eve and the first
/// three days of the lunar year), Qingming (the solar term's day), Labour Day (1–2 May), the Dragon
/// Boat Festival (lunar 5/5), the Mid-Autumn Festival (lunar 8/15) and National Day (1–3 October);
/// a holiday day on a Saturday or Sunday gives a weekday off after it. The notice then moves days
/// around (调休) in ways no rule predicts, so a provisional year has no working weekend days and is
/// marked ``CalendarSource/provisional``.
///
/// Lunar dates come from Foundation's Chinese calendar in Beijing time, Qingming from the Sun's
/// position (``SolarTerms``). The rules before 2025 were different, so no earlier year is ever
/// computed this way; from 2100 on nothing is computed either (no time limit reaches that far).
public enum StatutoryHolidays {
    /// The years a provisional calendar is computed for.
    public static let years: ClosedRange<Int> = 2025...2099

    /// A holiday of the law, in calendar order of its usual dates.
    public enum Holiday: String, Sendable, Hashable, CaseIterable, Codable {
        case newYearsDay, springFestival, qingming, labourDay, dragonBoat, midAutumn, nationalDay
    }

    /// The days of each holiday in `year`, ascending; nil outside ``years`` or if a date cannot be
    /// computed. Two holidays may share a day: the Mid-Autumn Festival sometimes falls on 1–3 October.
    public static func holidays(in year: Int) -> [Holiday: [LocalDate]]? {
        guard years.contains(year),
              let newYear = LocalDate(year: year, month: 1, day: 1),
              let lunarNewYear = lunarDate(month: 1, day: 1, lunarYearStartingIn: year),
              let qingming = SolarTerms.qingming(in: year),
              let labourDay = LocalDate(year: year, month: 5, day: 1),
              let dragonBoat = lunarDate(month: 5, day: 5, lunarYearStartingIn: year),
              let midAutumn = lunarDate(month: 8, day: 15, lunarYearStartingIn: year),
              let nationalDay = LocalDate(year: year, month: 10, day: 1)
        else { return nil }
        func run(_ first: LocalDate, _ count: Int) -> [LocalDate] { (0..<count).map { first.adding(days: $0) } }
        return [
            .newYearsDay: [newYear],
            .springFestival: run(lunarNewYear.adding(days: -1), 4), // the eve is the day before 1/1
            .qingming: [qingming],
            .labourDay: run(labourDay, 2),
            .dragonBoat: [dragonBoat],
            .midAutumn: [midAutumn],
            .nationalDay: run(nationalDay, 3),
        ]
    }

    /// Every statutory day off in `year`, ascending and each once, without the compensating
    /// weekdays; nil outside ``years``.
    public static func days(in year: Int) -> [LocalDate]? {
        holidays(in: year).map { Set($0.values.joined()).sorted() }
    }

    /// The provisional calendar of `year`: the statutory days off, plus for each of them that falls
    /// on a Saturday or Sunday its own compensating day, the first Monday to Friday after that
    /// holiday that is not already off; no working weekend days. Nil outside ``years``.
    public static func provisionalYear(_ year: Int) -> CalendarYear? {
        guard let holidays = holidays(in: year) else { return nil }
        var daysOff = Set(holidays.values.joined())
        var compensated: Set<LocalDate> = [] // a day shared by two holidays gives one day, not two
        let byLastDay = holidays.values.compactMap { days in days.last.map { (last: $0, days: days) } }
        for (last, days) in byLastDay.sorted(by: { $0.last < $1.last }) {
            for day in days where day.isWeekend && compensated.insert(day).inserted {
                var weekday = last.adding(days: 1)
                while weekday.isWeekend || daysOff.contains(weekday) { weekday = weekday.adding(days: 1) }
                daysOff.insert(weekday)
            }
        }
        return try? CalendarYear(year: year, daysOff: daysOff, workingWeekendDays: [], source: .provisional)
    }

    /// The Gregorian day of lunar `month`/`day` (the ordinary month, never its leap repetition) in
    /// the lunar year that starts in January or February of `year`, by Foundation's Chinese
    /// calendar in Beijing time; nil if that lunar day does not exist (e.g. a 30th in a short month).
    static func lunarDate(month: Int, day: Int, lunarYearStartingIn year: Int) -> LocalDate? {
        var chinese = Calendar(identifier: .chinese)
        guard let zone = TimeZone(identifier: "Asia/Shanghai")
                ?? TimeZone(secondsFromGMT: LocalDate.chinaStandardTimeOffset),
              let midYear = LocalDate(year: year, month: 7, day: 1) // always inside that lunar year
        else { return nil }
        chinese.timeZone = zone
        let cycle = chinese.dateComponents([.era, .year], from: noonInBeijing(midYear))
        var wanted = DateComponents(era: cycle.era, year: cycle.year, month: month, day: day, hour: 12)
        wanted.isLeapMonth = false
        guard let instant = chinese.date(from: wanted) else { return nil }
        // date(from:) rolls an impossible day over into the next one: check it landed where asked.
        let found = chinese.dateComponents([.month, .day], from: instant)
        guard found.month == month, found.day == day, found.isLeapMonth != true else { return nil }
        return LocalDate(instant, utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
    }

    private static func noonInBeijing(_ date: LocalDate) -> Date {
        date.startOfDay(utcOffsetSeconds: LocalDate.chinaStandardTimeOffset).addingTimeInterval(12 * 3600)
    }
}
