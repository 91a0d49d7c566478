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
        (1, "2026-12-31", "2027-01-01", [2027]),   // really a holiday, but 2027 has no data
        (1, "2027-03-05", "2027-03-08", [2027]),
        (0, "2024-06-01", "2024-06-03", [2024]),
        (3, "2024-12-30", "2025-01-03", [2024]),   // 12-31 judged by fallback, then 2025 data
        (-1, "2027-01-01", "2026-12-31", []),      // the start day itself is never judged
    ])
    func fallback(n: Int, start: String, expected: String, years: [Int]) throws {
        let answer = try Self.calendar().addingWorkingDays(n, to: Self.date(start))
        #expect(answer.value == Self.date(expected))
        #expect(answer.yearsWithoutData == years)
        #expect(answer.usedFallback == !years.isEmpty)
    }

    @Test func unknown_year_is_reported_as_not_covered() throws {
        let calendar = try Self.calendar()
        #expect(!calendar.covers(Self.date("2027-01-01")))
        #expect(calendar.isWorkingDay(Self.date("2027-01-01")))
        #expect(!calendar.isWorkingDay(Self.date("2027-01-02")))
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
