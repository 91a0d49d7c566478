/// Why holiday-calendar data was rejected. Dates are public facts, so they appear in messages.
public enum CalendarDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not valid JSON of the expected shape.
    case malformed(detail: String)
    /// A listed date does not belong to the year the entry is for.
    case dateOutsideYear(date: LocalDate, year: Int)
    /// A day declared a working weekend day is not a Saturday or Sunday.
    case workingDayNotWeekend(date: LocalDate)
    /// A day is listed both as a day off and as a working day.
    case dayBothOffAndWorking(date: LocalDate)
    /// A period of days off ends before it starts.
    case reversedPeriod(from: LocalDate, through: LocalDate)
    /// Two entries are for the same year.
    case duplicateYear(Int)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .malformed: "calendar_malformed"
        case .dateOutsideYear: "calendar_date_outside_year"
        case .workingDayNotWeekend: "calendar_working_day_not_weekend"
        case .dayBothOffAndWorking: "calendar_day_both_off_and_working"
        case .reversedPeriod: "calendar_reversed_period"
        case .duplicateYear: "calendar_duplicate_year"
        }
    }

    /// A plain-language explanation.
    public var message: String {
        switch self {
        case .malformed(let detail): "The calendar data is not valid: \(detail)"
        case .dateOutsideYear(let date, let year): "The calendar for \(year) lists \(date), which is in another year."
        case .workingDayNotWeekend(let date): "\(date) is listed as a working weekend day but is not a Saturday or Sunday."
        case .dayBothOffAndWorking(let date): "\(date) is listed both as a day off and as a working day."
        case .reversedPeriod(let from, let through): "A period of days off runs from \(from) back to \(through)."
        case .duplicateYear(let year): "The calendar data has more than one entry for \(year)."
        }
    }

    /// The plain-language message.
    public var description: String { message }
}
