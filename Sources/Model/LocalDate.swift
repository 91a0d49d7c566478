import Foundation

/// A calendar day with no time and no time zone, written `YYYY-MM-DD`.
///
/// Birth dates, retirement dates, holidays and deadlines are days, not instants: mixing them with
/// `Date` invites off-by-one-day errors at midnight. Arithmetic is done on a day count from
/// 1970-01-01 in the proleptic Gregorian calendar, so nothing here depends on `Calendar`,
/// `TimeZone` or the process locale.
public struct LocalDate: Sendable, Hashable, Comparable {
    /// The year: 1...9999 for dates parsed or built from parts (arithmetic far enough can leave it).
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...(days in that month).
    public let day: Int

    /// The fixed offset of China Standard Time (UTC+8, no daylight saving), in seconds.
    ///
    /// Agencies count days and deadlines in Beijing time; this is the offset to pass to the
    /// `Date` conversions when turning an instant into "today" for them.
    public static let chinaStandardTimeOffset = 8 * 3600

    /// Creates a date from its parts, or `nil` when they name no real day (e.g. 2025-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses a strict `YYYY-MM-DD` string; anything else (other separators, missing zero padding,
    /// impossible days) gives `nil`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = LocalDate.number(bytes[0..<4]),
              let month = LocalDate.number(bytes[5..<7]),
              let day = LocalDate.number(bytes[8..<10])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Creates a date from a count of days since 1970-01-01 (which is day 0).
    public init(daysSinceEpoch: Int) {
        // Howard Hinnant's civil_from_days: exact for the whole proleptic Gregorian calendar.
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// The day this instant falls on at the given offset from UTC (UTC itself by default).
    public init(_ date: Date, utcOffsetSeconds: Int = 0) {
        // Clamped to 0001-01-01...9999-12-31 (a non-finite instant counts as the epoch), so that
        // no instant can trap the conversion.
        let raw = (date.timeIntervalSince1970 + Double(utcOffsetSeconds)).rounded(.down)
        let seconds = raw.isFinite ? Int(min(max(raw, -62_135_596_800), 253_402_300_799)) : 0
        self.init(daysSinceEpoch: Self.floorDivide(seconds, 86_400))
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The instant this day starts at the given offset from UTC (UTC midnight by default).
    public func startOfDay(utcOffsetSeconds: Int = 0) -> Date {
        Date(timeIntervalSince1970: Double(daysSinceEpoch * 86_400 - utcOffsetSeconds))
    }

    /// The day `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The same day `months` months later (earlier when negative), clamped to the last day of the
    /// target month: 2024-01-31 plus one month is 2024-02-29.
    public func adding(months: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + months
        let newYear = Self.floorDivide(index, 12)
        let newMonth = index - newYear * 12 + 1
        let newDay = min(day, Self.daysInMonth(year: newYear, month: newMonth))
        return LocalDate(unchecked: newYear, newMonth, newDay)
    }

    /// The number of days from this date to `other` (positive when `other` is later).
    public func days(to other: LocalDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        Weekday.allCases[Self.floorMod(daysSinceEpoch + 3, 7)]
    }

    /// Whether the day is a Saturday or a Sunday.
    public var isWeekend: Bool { weekday == .saturday || weekday == .sunday }

    /// The last day of this date's month.
    public var lastDayOfMonth: LocalDate {
        LocalDate(unchecked: year, month, Self.daysInMonth(year: year, month: month))
    }

    /// The `YYYY-MM-DD` form.
    public var iso8601: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month (28...31); 0 for a month outside 1...12.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    // MARK: - Private

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func floorMod(_ a: Int, _ b: Int) -> Int {
        a - floorDivide(a, b) * b
    }
}

extension LocalDate: CustomStringConvertible {
    /// The `YYYY-MM-DD` form.
    public var description: String { iso8601 }
}

extension LocalDate: Codable {
    /// Decodes from a `YYYY-MM-DD` string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "Expected a date written YYYY-MM-DD.")
        }
        self = date
    }

    /// Encodes as a `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

/// A day of the week, Monday first (ISO 8601 order).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Codable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday
}
