/// The unified pension payment day (统一的待遇发放日): the day of the month pensions are paid.
///
/// Configured per deployment (`PENSION_PAYMENT_DAY`, 1–28, so every month has it).
public struct PensionPaymentDay: Sendable, Hashable {
    /// The day of the month, 1...28.
    public let dayOfMonth: Int

    /// Creates a payment day, or `nil` outside 1...28.
    public init?(dayOfMonth: Int) {
        guard (1...28).contains(dayOfMonth) else { return nil }
        self.dayOfMonth = dayOfMonth
    }

    /// The first payment date on or after `date`: this month's when it has not passed, otherwise
    /// next month's.
    public func nextPaymentDate(onOrAfter date: LocalDate) -> LocalDate {
        let thisMonth = date.adding(days: dayOfMonth - date.day)
        return thisMonth >= date ? thisMonth : thisMonth.adding(months: 1)
    }
}
