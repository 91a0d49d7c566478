import Foundation

/// A calendar date as PostgreSQL's `date` holds it: no time, no zone.
public struct PostgresDate: PostgresEncodable, PostgresDecodable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static var postgresType: PostgresType { .date }
    public var postgresText: String? { String(format: "%04d-%02d-%02d", year, month, day) }

    public init(postgresText text: String) throws {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            throw decodingError(PostgresDate.self)
        }
        self.init(year: year, month: month, day: day)
    }

    public static func < (lhs: PostgresDate, rhs: PostgresDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// `Date` is bound and read as `timestamptz`; every session runs in UTC.
extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .timestamptz }

    public var postgresText: String? {
        let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded(.down))
        let (days, dayMicros) = micros.floorDivided(by: 86_400_000_000)
        let civil = CivilDay(daysSinceEpoch: Int(days))
        let seconds = dayMicros / 1_000_000
        // By hand rather than String(format:), which is slow and this runs for every bound timestamp.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(30)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            for _ in 0..<width {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(civil.year, 4); bytes.append(UInt8(ascii: "-")); digits(civil.month, 2); bytes.append(UInt8(ascii: "-"))
        digits(civil.day, 2); bytes.append(UInt8(ascii: " ")); digits(Int(seconds / 3600), 2)
        bytes.append(UInt8(ascii: ":")); digits(Int(seconds / 60 % 60), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(seconds % 60), 2); bytes.append(UInt8(ascii: ".")); digits(Int(dayMicros % 1_000_000), 6)
        bytes.append(contentsOf: "+00".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads `YYYY-MM-DD HH:MM:SS[.ffffff](+|-)HH[:MM]` as PostgreSQL prints timestamptz in ISO style.
    public init(postgresText text: String) throws {
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) throws -> Int {
            guard range.upperBound <= scalars.count else { throw decodingError(Date.self) }
            var value = 0
            for byte in scalars[range] {
                guard byte >= 48, byte <= 57 else { throw decodingError(Date.self) }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard scalars.count >= 19 else { throw decodingError(Date.self) }
        let year = try number(0..<4), month = try number(5..<7), day = try number(8..<10)
        let hour = try number(11..<13), minute = try number(14..<16), second = try number(17..<19)
        var index = 19
        var micros = 0
        if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(scalars[index] - 48); digits += 1 }
                index += 1
            }
            while digits < 6 { micros *= 10; digits += 1 }
        }
        var offsetSeconds = 0
        if index < scalars.count {
            let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
            let hours = try number(index + 1..<index + 3)
            var minutes = 0
            if index + 5 < scalars.count + 1, index + 3 < scalars.count, scalars[index + 3] == UInt8(ascii: ":") {
                minutes = try number(index + 4..<index + 6)
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        let days = CivilDay(year: year, month: month, day: day).daysSinceEpoch
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        self = Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }
}

/// Days since 1970-01-01 to and from a proleptic Gregorian date (H. Hinnant's algorithms).
struct CivilDay {
    var year: Int, month: Int, day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
