/// A result computed from the working-day calendar, with the years it was less than sure about.
///
/// A year with the State Council's notice is certain. A year without one but within the holiday
/// law's range is judged from its provisional year (the statutory days off, no working weekends):
/// usually right about the days off, never about the rearranged working weekends. Any other year
/// is judged by weekends only (Monday to Friday work). Both are guesses, so the answer says which
/// years were guessed and how, and the caller can log it instead of silently trusting it.
public struct CalendarAnswer<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The computed value.
    public let value: Value
    /// The years, ascending, whose days were judged by the weekends-only fallback.
    public let yearsWithoutData: [Int]
    /// The years, ascending, whose days were judged from a provisional year.
    public let provisionalYears: [Int]

    /// Creates an answer.
    public init(value: Value, yearsWithoutData: [Int], provisionalYears: [Int] = []) {
        self.value = value
        self.yearsWithoutData = yearsWithoutData
        self.provisionalYears = provisionalYears
    }

    /// Whether any day was judged by the weekends-only fallback.
    public var usedFallback: Bool { !yearsWithoutData.isEmpty }

    /// Whether any day was judged from a provisional year.
    public var usedProvisional: Bool { !provisionalYears.isEmpty }
}
