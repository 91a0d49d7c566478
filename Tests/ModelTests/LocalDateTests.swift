import Foundation
import Testing
@testable import Model

@Suite("LocalDate")
struct LocalDateTests {
    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    @Test("parses strict YYYY-MM-DD", arguments: [
        ("2026-01-04", 2026, 1, 4),
        ("2024-02-29", 2024, 2, 29),
        ("0001-01-01", 1, 1, 1),
        ("9999-12-31", 9999, 12, 31),
    ])
    func parses(text: String, year: Int, month: Int, day: Int) throws {
        let date = try #require(LocalDate(text))
        #expect(date.year == year)
        #expect(date.month == month)
        #expect(date.day == day)
        #expect(date.iso8601 == text)
        #expect(date.description == text)
    }

    @Test("rejects anything else", arguments: [
        "", "2026-02-29", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "0000-01-01",
        "2026-1-01", "2026/01/01", "20260101", "2026-01-0a", "２０２６-01-01", " 2026-01-01", "2026-01-011",
    ])
    func rejects(text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func pads_small_years() throws {
        let date = try #require(LocalDate(year: 5, month: 3, day: 7))
        #expect(date.iso8601 == "0005-03-07")
    }

    @Test("adds months, clamping to the end of the month", arguments: [
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2025-03-31", -1, "2025-02-28"),
        ("2025-05-31", 4, "2025-09-30"),
        ("2025-12-15", 1, "2026-01-15"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2025-01-15", -13, "2023-12-15"),
        ("1965-05-15", 722, "2025-07-15"),
        ("2025-08-30", 0, "2025-08-30"),
    ])
    func addsMonths(start: String, months: Int, expected: String) {
        #expect(Self.date(start).adding(months: months) == Self.date(expected))
    }

    @Test("adds days across month, leap-day and year boundaries", arguments: [
        ("2025-12-31", 1, "2026-01-01"),
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2025-07-15", 30, "2025-08-14"),
        ("1970-01-01", -1, "1969-12-31"),
        ("2026-01-01", 365, "2027-01-01"),
    ])
    func addsDays(start: String, days: Int, expected: String) {
        #expect(Self.date(start).adding(days: days) == Self.date(expected))
        #expect(Self.date(start).days(to: Self.date(expected)) == days)
    }

    @Test("knows the weekday", arguments: [
        ("1970-01-01", Weekday.thursday),
        ("1900-01-01", .monday),
        ("1965-05-15", .saturday),
        ("2000-02-29", .tuesday),
        ("2026-01-01", .thursday),
        ("2026-01-04", .sunday),
        ("2026-02-14", .saturday),
        ("2027-01-01", .friday),
    ])
    func weekday(text: String, expected: Weekday) {
        #expect(Self.date(text).weekday == expected)
        #expect(Self.date(text).isWeekend == (expected == .saturday || expected == .sunday))
    }

    @Test func orders_chronologically() {
        let dates = ["2026-01-01", "2025-12-31", "2025-02-01", "2025-01-31"].map(Self.date)
        #expect(dates.sorted().map(\.iso8601) == ["2025-01-31", "2025-02-01", "2025-12-31", "2026-01-01"])
    }

    @Test("converts to and from UTC instants", arguments: [
        ("2026-01-01", 1_767_225_600.0),
        ("2000-02-29", 951_782_400.0),
        ("1900-01-01", -2_208_988_800.0),
    ])
    func utcInstants(text: String, seconds: Double) {
        let date = Self.date(text)
        #expect(date.startOfDay() == Date(timeIntervalSince1970: seconds))
        #expect(LocalDate(Date(timeIntervalSince1970: seconds)) == date)
        #expect(LocalDate(Date(timeIntervalSince1970: seconds + 86_399)) == date)
        #expect(LocalDate(Date(timeIntervalSince1970: seconds - 1)) == date.adding(days: -1))
    }

    @Test func converts_with_a_fixed_offset() {
        // 2025-12-31T16:00:00Z is midnight in Beijing.
        let midnightBeijing = Date(timeIntervalSince1970: 1_767_196_800)
        let offset = LocalDate.chinaStandardTimeOffset
        #expect(LocalDate(midnightBeijing, utcOffsetSeconds: offset) == Self.date("2026-01-01"))
        #expect(LocalDate(midnightBeijing.addingTimeInterval(-1), utcOffsetSeconds: offset) == Self.date("2025-12-31"))
        #expect(LocalDate(midnightBeijing) == Self.date("2025-12-31"))
        #expect(Self.date("2026-01-01").startOfDay(utcOffsetSeconds: offset) == midnightBeijing)
    }

    @Test func extreme_instants_are_clamped() {
        #expect(LocalDate(Date(timeIntervalSince1970: .infinity)) == LocalDate(year: 1970, month: 1, day: 1))
        #expect(LocalDate(Date(timeIntervalSince1970: 1e18)) == LocalDate(year: 9999, month: 12, day: 31))
        #expect(LocalDate(Date(timeIntervalSince1970: -1e18)) == LocalDate(year: 1, month: 1, day: 1))
    }

    @Test func day_count_agrees_with_foundation_over_three_centuries() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var mismatches: [String] = []
        // Every 7th day from 1900-01-01 to about 2200 (~15 600 days checked).
        for days in stride(from: -25_567, through: 84_000, by: 7) {
            let date = LocalDate(daysSinceEpoch: days)
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            if parts.year != date.year || parts.month != date.month || parts.day != date.day || date.daysSinceEpoch != days {
                mismatches.append("\(days): \(date)")
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test func codable_as_a_string() throws {
        let data = try JSONEncoder().encode([Self.date("2026-01-04")])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-01-04"]"#)
        let decoded = try JSONDecoder().decode([LocalDate].self, from: Data(#"["2024-02-29"]"#.utf8))
        #expect(decoded == [Self.date("2024-02-29")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([LocalDate].self, from: Data(#"["2025-02-29"]"#.utf8))
        }
    }

    @Test func month_lengths() {
        #expect(LocalDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(LocalDate.daysInMonth(year: 1900, month: 2) == 28)
        #expect(LocalDate.daysInMonth(year: 2000, month: 2) == 29)
        #expect(LocalDate.daysInMonth(year: 2025, month: 4) == 30)
        #expect(LocalDate.daysInMonth(year: 2025, month: 12) == 31)
        #expect(Self.date("2026-02-10").lastDayOfMonth == Self.date("2026-02-28"))
    }
}
