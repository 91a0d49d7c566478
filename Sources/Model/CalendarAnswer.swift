/// A result computed from the working-day calendar, with the years it had no data for.
///
/// When a computation touches a year without a holiday notice, those days are treated as
/// weekends-only (Monday to Friday work). That is a guess, so the answer says so and the caller
/// can log it instead of silently trusting it.
public struct CalendarAnswer<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The computed value.
    public let value: Value
    /// The years, ascending, whose days were judged by the weekends-only fallback.
    public let yearsWithoutData: [Int]

    /// Creates an answer.
    public init(value: Value, yearsWithoutData: [Int]) {
        self.value = value
        self.yearsWithoutData = yearsWithoutData
    }

    /// Whether any day was judged by the weekends-only fallback.
    public var usedFallback: Bool { !yearsWithoutData.isEmpty }
}
