import Foundation
import Testing
@testable import Model

@Suite("StatutoryHolidays")
struct StatutoryHolidaysTests {
    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    static func dates(_ texts: [String]) -> [LocalDate] { texts.map(date) }

    @Test("the law's days are days off in the State Council's notice", arguments: [2025, 2026])
    func statutoryDaysAreOffInTheNotice(year: Int) throws {
        let text = try #require(WorkingDayCalendar.bundledYearTexts.first { $0.contains("\"year\": \(year)") })
        let notice = try CalendarYear(json: text)
        let statutory = try #require(StatutoryHolidays.days(in: year))
        #expect(statutory.count == 13) // 1 + 4 + 1 + 2 + 1 + 1 + 3: no two holidays share a day
        #expect(statutory.filter { !notice.daysOff.contains($0) } == [])
    }

    @Test func days_of_2027() throws {
        let holidays = try #require(StatutoryHolidays.holidays(in: 2027))
        #expect(holidays[.springFestival] == Self.dates(["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]))
        #expect(holidays[.qingming] == [Self.date("2027-04-05")])
        #expect(StatutoryHolidays.days(in: 2027) == Self.dates([
            "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05",
            "2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03",
        ]))
    }

    @Test func provisional_2027_adds_a_weekday_for_each_weekend_holiday_day() throws {
        let year = try #require(StatutoryHolidays.provisionalYear(2027))
        #expect(year.source == .provisional)
        #expect(year.workingWeekendDays.isEmpty)
        #expect(year.daysOff.sorted() == Self.dates([
            "2027-01-01",                                                          // Friday
            "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",                // Sat 6, Sun 7
            "2027-02-09", "2027-02-10",                                            // … their days
            "2027-04-05",                                                          // Monday
            "2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04",                // Sat, Sun, Mon, Tue
            "2027-06-09", "2027-09-15",                                            // Wednesdays
            "2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05",  // Fri–Sun, Mon, Tue
        ]))
    }

    @Test func a_weekend_day_shared_by_two_holidays_gives_one_weekday() throws {
        // 2031: the Mid-Autumn Festival is on Wednesday 1 October; 2077: on Friday 1 October, so
        // National Day runs Friday to Sunday and its weekend days give Monday and Tuesday.
        #expect(StatutoryHolidays.holidays(in: 2031)?[.midAutumn] == [Self.date("2031-10-01")])
        #expect(StatutoryHolidays.days(in: 2031)?.count == 12)
        let year = try #require(StatutoryHolidays.provisionalYear(2077))
        #expect(StatutoryHolidays.holidays(in: 2077)?[.midAutumn] == [Self.date("2077-10-01")])
        #expect(year.daysOff.filter { $0.month == 10 }.sorted() == Self.dates([
            "2077-10-01", "2077-10-02", "2077-10-03", "2077-10-04", "2077-10-05",
        ]))
    }

    @Test func every_provisional_year_is_the_law_plus_one_weekday_per_weekend_holiday_day() throws {
        for year in StatutoryHolidays.years {
            let provisional = try #require(StatutoryHolidays.provisionalYear(year), "\(year)")
            let statutory = try #require(StatutoryHolidays.days(in: year), "\(year)")
            let compensation = provisional.daysOff.subtracting(statutory)
            #expect(provisional.year == year && provisional.source == .provisional)
            #expect(provisional.workingWeekendDays.isEmpty)
            #expect(Set(statutory).isSubset(of: provisional.daysOff))
            #expect(compensation.count == statutory.filter(\.isWeekend).count, "\(year)")
            #expect(compensation.allSatisfy { !$0.isWeekend }, "\(year)")
        }
    }

    @Test("nothing is computed before 2025 or from 2100", arguments: [1949, 2000, 2024, 2100, 2101])
    func outsideTheLawsRange(year: Int) {
        #expect(StatutoryHolidays.provisionalYear(year) == nil)
        #expect(StatutoryHolidays.holidays(in: year) == nil)
        #expect(StatutoryHolidays.days(in: year) == nil)
    }

    @Test func the_range_ends_are_computed() {
        #expect(StatutoryHolidays.provisionalYear(2025) != nil)
        #expect(StatutoryHolidays.provisionalYear(2099) != nil)
    }

    @Test("Qingming's known days", arguments: [
        (2025, "2025-04-04"), (2026, "2026-04-05"), (2027, "2027-04-05"), (2028, "2028-04-04"),
        (2071, "2071-04-05"),  // the Sun reaches 15° a few minutes after midnight
    ])
    func qingmingKnownDays(year: Int, expected: String) {
        #expect(SolarTerms.qingming(in: year) == Self.date(expected))
    }

    /// The classic formula, day = ⌊Y·0.2422 + 4.81⌋ − ⌊L⌋ with Y = year % 100, takes L = (Y−1)/4
    /// only for the terms in January and February; for Qingming, after 29 February, it is Y/4.
    /// With (Y−1)/4 it is a day late in every leap year (2028-04-05 instead of 04-04, as 2024-04-04
    /// and 2020-04-04 show for the years before), so both are checked, each for what it says.
    @Test func qingming_agrees_with_the_classic_formula_for_2025_to_2099() throws {
        var lateInLeapYears: [Int] = []
        for year in StatutoryHolidays.years {
            let y = year % 100
            let base = Int((Double(y) * 0.2422 + 4.81).rounded(.down))
            let computed = try #require(SolarTerms.qingming(in: year), "\(year)")
            #expect(computed == LocalDate(year: year, month: 4, day: base - y / 4), "\(year)")
            if computed != LocalDate(year: year, month: 4, day: base - (y - 1) / 4) { lateInLeapYears.append(year) }
        }
        #expect(lateInLeapYears == Array(stride(from: 2028, through: 2096, by: 4)))
    }

    @Test func the_suns_longitude_crosses_15_degrees_on_qingming_day() throws {
        // 2025: the Sun reaches 15° at about 20:48 Beijing time (VSOP87); this model a few minutes earlier.
        func longitude(atBeijingHour hour: Double) -> Double {
            let julianDay = SolarTerms.julianDay(startOfBeijingDay: Self.date("2025-04-04")) + hour / 24
            let ephemerisDay = julianDay + SolarTerms.deltaTSeconds(julianDay: julianDay) / 86_400
            return SolarTerms.apparentLongitude(julianEphemerisDay: ephemerisDay)
        }
        let (before, after) = (longitude(atBeijingHour: 20.5), longitude(atBeijingHour: 21))
        #expect(before > 14.99 && before < 15)  // the Sun moves about 0.041° an hour
        #expect(after > 15 && after < 15.02)
        // The March equinox, 2025-03-20 17:01 Beijing time: the longitude wraps from 360° to 0°.
        #expect(abs(longitude(atBeijingHour: -24 * 15 + 17 + 1.0 / 60).remainder(dividingBy: 360)) < 0.01)
    }

    @Test func delta_t_is_a_minute_or_two() {
        // Espenak & Meeus: about 74 s in 2025 (observed: 69 s), 114 s in 2060, 200 s in 2099.
        func deltaT(_ date: String) -> Double {
            SolarTerms.deltaTSeconds(julianDay: SolarTerms.julianDay(startOfBeijingDay: Self.date(date)))
        }
        #expect((70...78).contains(deltaT("2025-01-01")))
        #expect((105...125).contains(deltaT("2060-01-01")))
        #expect((190...210).contains(deltaT("2099-01-01")))
    }

    @Test("lunar dates", arguments: [
        (2025, ["2025-01-29", "2025-05-31", "2025-10-06"]),  // leap 6th month: 8/15 after it
        (2026, ["2026-02-17", "2026-06-19", "2026-09-25"]),
        (2027, ["2027-02-06", "2027-06-09", "2027-09-15"]),
        (2028, ["2028-01-26", "2028-05-28", "2028-10-03"]),  // leap 5th month: 5/5 is the ordinary one
        (2034, ["2034-02-19", "2034-06-20", "2034-09-27"]),  // after 2033's leap 11th month
    ])
    func lunarDates(year: Int, expected: [String]) {
        let computed = [(1, 1), (5, 5), (8, 15)].map {
            StatutoryHolidays.lunarDate(month: $0.0, day: $0.1, lunarYearStartingIn: year)
        }
        #expect(computed == Self.dates(expected).map(Optional.some))
    }

    @Test func a_lunar_day_that_does_not_exist_is_nil() {
        // In 2027 the third lunar month has 29 days (3/1 is 04-07, 4/1 is 05-06).
        #expect(StatutoryHolidays.lunarDate(month: 3, day: 29, lunarYearStartingIn: 2027) == Self.date("2027-05-05"))
        #expect(StatutoryHolidays.lunarDate(month: 4, day: 1, lunarYearStartingIn: 2027) == Self.date("2027-05-06"))
        #expect(StatutoryHolidays.lunarDate(month: 3, day: 30, lunarYearStartingIn: 2027) == nil)
    }
}
