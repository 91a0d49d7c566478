/// An age in whole years and months, as the retirement tables state it ("60 years 4 months").
public struct RetirementAge: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The age in months.
    public let totalMonths: Int

    /// Creates an age from a number of months.
    public init(totalMonths: Int) { self.totalMonths = totalMonths }

    /// Creates an age from years and months.
    public init(years: Int, months: Int = 0) { self.totalMonths = years * 12 + months }

    /// The whole years.
    public var years: Int { totalMonths / 12 }
    /// The months beyond the whole years, 0...11.
    public var months: Int { totalMonths % 12 }

    /// For example `60y4m`.
    public var description: String { "\(years)y\(months)m" }

    public static func < (lhs: RetirementAge, rhs: RetirementAge) -> Bool {
        lhs.totalMonths < rhs.totalMonths
    }
}
