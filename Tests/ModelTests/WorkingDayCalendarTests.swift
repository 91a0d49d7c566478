import Foundation
import Testing
@testable import Model

@Suite("WorkingDayCalendar")
struct WorkingDayCalendarTests {
    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    static func calendar() throws -> WorkingDayCalendar {
        try WorkingDayCalendar.bundled()
    }

    static func standard(_ extraTexts: [String] = []) throws -> WorkingDayCalendar {
        try WorkingDayCalendar.standard(extraTexts: extraTexts)
    }

    /// A notice for `year` with New Year's Day as its only day off.
    static func notice(_ year: Int) -> String {
        #"{"year": \#(year), "daysOff": [{"name": "New Year's Day", "from": "\#(year)-01-01"}], "workingWeekendDays": []}"#
    }

    @Test func ships_2025_and_2026() throws {
        #expect(try Self.calendar().knownYears == [2025, 2026])
    }

    @Test("shipped data matches the State Council notices", arguments: [
        (2025, 28, ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]),
        (2026, 33, ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]),
    ])
    func shippedData(year: Int, daysOff: Int, workingWeekendDays: [String]) throws {
        let text = try #require(WorkingDayCalendar.bundledYearTexts.first { $0.contains("\"year\": \(year)") })
        let parsed = try CalendarYear(json: text)
        #expect(parsed.year == year)
        #expect(parsed.daysOff.count == daysOff)
        #expect(parsed.workingWeekendDays.sorted().map(\.iso8601) == workingWeekendDays)
    }

    @Test("working days", arguments: [
        // 2026
        ("2026-01-01", false), ("2026-01-02", false), ("2026-01-03", false), ("2026-01-04", true),
        ("2026-01-05", true), ("2026-02-13", true), ("2026-02-14", true), ("2026-02-15", false),
        ("2026-02-16", false), ("2026-02-23", false), ("2026-02-24", true), ("2026-02-28", true),
        ("2026-03-01", false), ("2026-03-07", false), ("2026-04-06", false), ("2026-04-07", true),
        ("2026-05-05", false), ("2026-05-09", true), ("2026-06-19", false), ("2026-09-20", true),
        ("2026-09-25", false), ("2026-10-07", false), ("2026-10-08", true), ("2026-10-10", true),
        ("2026-10-11", false),
        // 2025
        ("2025-01-01", false), ("2025-01-26", true), ("2025-01-27", true), ("2025-01-28", false),
        ("2025-02-04", false), ("2025-02-05", true), ("2025-02-08", true), ("2025-04-27", true),
        ("2025-06-02", false), ("2025-09-28", true), ("2025-10-08", false), ("2025-10-09", true),
        ("2025-10-11", true), ("2025-12-31", true),
    ])
    func workingDay(day: String, working: Bool) throws {
        let calendar = try Self.calendar()
        #expect(calendar.isWorkingDay(Self.date(day)) == working)
        #expect(calendar.covers(Self.date(day)))
    }

    @Test("adding working days", arguments: [
        (1, "2026-02-13", "2026-02-14"),   // Friday → the adjusted working Saturday
        (1, "2026-02-14", "2026-02-24"),   // across the whole Spring Festival
        (5, "2026-02-13", "2026-02-27"),
        (6, "2026-02-13", "2026-02-28"),   // lands on the adjusted working Saturday
        (1, "2025-12-31", "2026-01-04"),   // across the year boundary and New Year, onto a working Sunday
        (3, "2025-12-30", "2026-01-05"),
        (1, "2025-01-27", "2025-02-05"),   // 2025 Spring Festival
        (5, "2025-09-30", "2025-10-14"),   // National Day, with the working Saturday 10-11
        (0, "2026-02-24", "2026-02-24"),   // 0: a working day is itself
        (0, "2026-02-15", "2026-02-24"),   // 0: a day off rolls forward
        (0, "2026-01-03", "2026-01-04"),
        (-1, "2026-02-24", "2026-02-14"),
        (-1, "2026-01-05", "2026-01-04"),
        (-2, "2026-01-05", "2025-12-31"),
    ])
    func adding(n: Int, start: String, expected: String) throws {
        let answer = try Self.calendar().addingWorkingDays(n, to: Self.date(start))
        #expect(answer.value == Self.date(expected))
        #expect(!answer.usedFallback)
        #expect(answer.yearsWithoutData == [])
    }

    @Test("falls back to weekends only outside the known years, and says so", arguments: [
        (1, "2099-12-31", "2100-01-01", [2100], []),      // really a holiday, but 2100 has no data
        (1, "2100-03-05", "2100-03-08", [2100], []),
        (0, "2024-06-01", "2024-06-03", [2024], []),
        (3, "2024-12-30", "2025-01-03", [2024], []),      // 12-31 judged by fallback, then 2025 data
        (-1, "2100-01-01", "2099-12-31", [], [2099]),     // the start day itself is never judged
    ])
    func fallback(n: Int, start: String, expected: String, years: [Int], provisional: [Int]) throws {
        let answer = try Self.standard().addingWorkingDays(n, to: Self.date(start))
        #expect(answer.value == Self.date(expected))
        #expect(answer.yearsWithoutData == years)
        #expect(answer.usedFallback == !years.isEmpty)
        #expect(answer.provisionalYears == provisional)
    }

    @Test func unknown_year_is_reported_as_not_covered() throws {
        let calendar = try Self.standard()
        for year in [2024, 2100] {
            #expect(!calendar.covers(Self.date("\(year)-01-01")))
            #expect(calendar.source(of: year) == nil)
            #expect(calendar.year(year) == nil)
        }
        #expect(calendar.isWorkingDay(Self.date("2100-01-01")))
        #expect(!calendar.isWorkingDay(Self.date("2100-01-02")))
        #expect(calendar.isWorkingDay(Self.date("2024-10-01"))) // a Tuesday: no data before 2025
    }

    @Test func the_bundled_calendar_alone_still_judges_2027_by_weekends_only() throws {
        let calendar = try Self.calendar()
        #expect(!calendar.covers(Self.date("2027-01-01")))
        #expect(calendar.isWorkingDay(Self.date("2027-01-01")))
        #expect(!calendar.isWorkingDay(Self.date("2027-01-02")))
        #expect(calendar.provisionalYears == [])
        #expect(calendar.addingWorkingDays(1, to: Self.date("2026-12-31")).yearsWithoutData == [2027])
    }

    @Test func the_standard_calendar_has_a_provisional_year_for_every_year_without_a_notice() throws {
        let calendar = try Self.standard()
        #expect(calendar.provisionalYears == Array(2027...2099))
        #expect(calendar.knownYears == Array(2025...2099))
        #expect(calendar.source(of: 2025) == .official)
        #expect(calendar.source(of: 2026) == .official)
        #expect(calendar.source(of: 2027) == .provisional)
        #expect(calendar.year(2026) == (try CalendarYear(json: WorkingDayCalendar.bundledYearTexts[1])))
        #expect(calendar.isOfficial(Self.date("2026-12-31")))
        #expect(!calendar.isOfficial(Self.date("2027-01-01")))
        #expect(calendar.covers(Self.date("2027-01-01")))
    }

    @Test("2027 is judged from its provisional year", arguments: [
        ("2027-01-01", false),  // New Year's Day: a working day by weekends only
        ("2027-02-04", true),
        ("2027-02-05", false),  // Spring Festival eve
        ("2027-02-06", false), ("2027-02-07", false), ("2027-02-08", false),
        ("2027-02-09", false), ("2027-02-10", false),  // for Saturday 6 and Sunday 7 February
        ("2027-02-11", true),
        ("2027-03-03", true),   // an ordinary Wednesday
        ("2027-04-05", false),  // Qingming
        ("2027-05-08", false),  // a Saturday: no working weekends without the notice
        ("2027-10-05", false),  // for Sunday 3 October
        ("2027-10-06", true),
    ])
    func provisional2027(day: String, working: Bool) throws {
        let calendar = try Self.standard()
        #expect(calendar.isWorkingDay(Self.date(day)) == working)
        #expect(calendar.covers(Self.date(day)))
        #expect(!calendar.isOfficial(Self.date(day)))
    }

    @Test func due_dates_into_2027_say_they_are_provisional() throws {
        let standard = try Self.standard()
        // Monday 2026-12-28: 12-29, 12-30, 12-31, then (1 January off) 01-04 and 01-05.
        let due = standard.dueDate(timeLimitWorkingDays: 5, countedFrom: Self.date("2026-12-28"))
        #expect(due.value == Self.date("2027-01-05"))
        #expect(due.provisionalYears == [2027])
        #expect(due.usedProvisional)
        #expect(due.yearsWithoutData == [])
        #expect(!due.usedFallback)
        // The same limit by weekends only counts New Year's Day.
        let fallback = try Self.calendar().dueDate(timeLimitWorkingDays: 5, countedFrom: Self.date("2026-12-28"))
        #expect(fallback.value == Self.date("2027-01-04"))
        #expect(fallback.yearsWithoutData == [2027] && fallback.provisionalYears == [])
        // The instant carries it too: the end of 2027-01-05 in Beijing.
        let monday = Date(timeIntervalSince1970: 1_798_444_800) // 2026-12-28T08:00Z
        let instant = standard.dueBy(timeLimitWorkingDays: 5, from: monday)
        #expect(instant.value == Date(timeIntervalSince1970: 1_799_164_800)) // 2027-01-05T16:00Z, 01-06 00:00 Beijing
        #expect(instant.provisionalYears == [2027] && !instant.usedFallback)
        // Within the official years nothing is provisional.
        #expect(!standard.dueDate(timeLimitWorkingDays: 5, countedFrom: Self.date("2026-02-13")).usedProvisional)
    }

    @Test func an_extra_notice_for_2027_makes_it_official() throws {
        let calendar = try Self.standard([Self.notice(2027)])
        #expect(calendar.source(of: 2027) == .official)
        #expect(calendar.provisionalYears == Array(2028...2099))
        #expect(!calendar.isWorkingDay(Self.date("2027-01-01")))
        #expect(calendar.isWorkingDay(Self.date("2027-02-09"))) // the notice wins over the rule
        let due = calendar.dueDate(timeLimitWorkingDays: 5, countedFrom: Self.date("2026-12-28"))
        #expect(due.value == Self.date("2027-01-05") && !due.usedProvisional && !due.usedFallback)
    }

    @Test func an_extra_notice_replaces_the_shipped_one() throws {
        let calendar = try Self.standard([Self.notice(2026)])
        #expect(calendar.source(of: 2026) == .official)
        #expect(calendar.year(2026)?.daysOff == [Self.date("2026-01-01")])
        #expect(calendar.isWorkingDay(Self.date("2026-02-16")))   // off in the shipped file
        #expect(!calendar.isWorkingDay(Self.date("2026-02-14")))  // a working Saturday in it
        #expect(!calendar.isWorkingDay(Self.date("2025-10-01")))  // 2025 still as shipped
    }

    @Test func two_extra_notices_for_one_year_are_rejected() {
        #expect(throws: CalendarDataError.duplicateYear(2027)) {
            try WorkingDayCalendar.standard(extraTexts: [Self.notice(2027), Self.notice(2027)])
        }
        do throws(CalendarDataError) {
            _ = try WorkingDayCalendar.standard(extraTexts: ["{"])
            Issue.record("expected a rejection")
        } catch {
            #expect(error.code == "calendar_malformed")
        }
    }

    @Test("due dates of time limits", arguments: [
        (0, "2026-02-15", "2026-02-24"),   // same day, filed during the holiday
        (0, "2026-02-13", "2026-02-13"),
        (3, "2026-02-12", "2026-02-24"),   // 02-13, 02-14, 02-24
        (5, "2026-09-24", "2026-10-09"),   // 09-25..27 and 10-01..07 off, 10-10 is after
    ])
    func dueDate(limit: Int, start: String, expected: String) throws {
        let answer = try Self.calendar().dueDate(timeLimitWorkingDays: limit, countedFrom: Self.date(start))
        #expect(answer.value == Self.date(expected))
    }

    @Test func due_instant_is_the_end_of_the_due_day_in_beijing() throws {
        let calendar = try Self.calendar()
        // Friday 2026-02-13 18:00 Beijing: five working days end on Friday 02-27.
        let friday = Date(timeIntervalSince1970: 1_770_976_800) // 2026-02-13T10:00:00Z
        let due = calendar.dueBy(timeLimitWorkingDays: 5, from: friday)
        #expect(due.value == Date(timeIntervalSince1970: 1_772_208_000)) // 2026-02-27T16:00:00Z
        #expect(!due.usedFallback)
        // 01:00 Beijing on Saturday 02-14 (still Friday in UTC): counted from the Saturday.
        let saturday = Date(timeIntervalSince1970: 1_771_002_000) // 2026-02-13T17:00:00Z
        #expect(calendar.dueBy(timeLimitWorkingDays: 5, from: saturday).value == Date(timeIntervalSince1970: 1_772_294_400)) // 2026-02-28T16:00:00Z
    }

    @Test func adding_a_year_is_adding_one_json_text() throws {
        let year2027 = #"""
        {"year": 2027, "daysOff": [{"name": "New Year's Day", "from": "2027-01-01"}], "workingWeekendDays": []}
        """#
        let calendar = try WorkingDayCalendar(jsonTexts: WorkingDayCalendar.bundledYearTexts + [year2027])
        #expect(calendar.knownYears == [2025, 2026, 2027])
        let answer = calendar.addingWorkingDays(1, to: Self.date("2026-12-31"))
        #expect(answer.value == Self.date("2027-01-04"))
        #expect(!answer.usedFallback)
    }

    @Test("rejects bad calendar data", arguments: [
        (#"{"year": 2026, "daysOff": [], "workingWeekendDays": ["2025-12-27"]}"#,
         CalendarDataError.dateOutsideYear(date: LocalDate(year: 2025, month: 12, day: 27)!, year: 2026)),
        (#"{"year": 2026, "daysOff": [], "workingWeekendDays": ["2026-01-05"]}"#,
         .workingDayNotWeekend(date: LocalDate(year: 2026, month: 1, day: 5)!)),
        (#"{"year": 2026, "daysOff": [{"from": "2026-01-03", "through": "2026-01-04"}], "workingWeekendDays": ["2026-01-04"]}"#,
         .dayBothOffAndWorking(date: LocalDate(year: 2026, month: 1, day: 4)!)),
        (#"{"year": 2026, "daysOff": [{"from": "2026-01-03", "through": "2026-01-01"}], "workingWeekendDays": []}"#,
         .reversedPeriod(from: LocalDate(year: 2026, month: 1, day: 3)!, through: LocalDate(year: 2026, month: 1, day: 1)!)),
    ])
    func rejectsBadData(json: String, expected: CalendarDataError) {
        #expect(throws: expected) { try CalendarYear(json: json) }
    }

    @Test("rejects malformed JSON", arguments: [
        "", "{", #"{"year": 2026}"#, #"{"year": 2026, "daysOff": [], "workingWeekendDays": ["2026-02-30"]}"#,
    ])
    func rejectsMalformed(json: String) {
        do throws(CalendarDataError) {
            _ = try CalendarYear(json: json)
            Issue.record("expected a rejection")
        } catch {
            #expect(error.code == "calendar_malformed")
        }
    }

    @Test func rejects_a_duplicate_year() {
        let texts = WorkingDayCalendar.bundledYearTexts + [WorkingDayCalendar.bundledYearTexts[1]]
        #expect(throws: CalendarDataError.duplicateYear(2026)) { try WorkingDayCalendar(jsonTexts: texts) }
    }
}
