/// The statutory retirement age rule of the NPC Standing Committee decision of 2024-09-13 (in force
/// 2025-01-01) for one category, plus the filing and contribution rules that follow from it.
///
/// The delay is counted in birth months from the first affected birth month `b0`:
/// `k = (birthYear - b0Year) * 12 + (birthMonth - b0Month)`,
/// `delay = k < 0 ? 0 : min(cap, k / step + 1)` months. The official tables are by birth month;
/// for a birth date the birth day is kept and clamped to the last day of the retirement month.
public struct RetirementRule: Sendable, Hashable {
    /// The category this rule is for.
    public let category: RetirementCategory
    /// The statutory age before the reform.
    public let originalAge: RetirementAge
    /// The first birth month whose retirement is delayed (year and month).
    public let firstAffectedBirthYear: Int
    /// The month (1...12) of the first affected birth month.
    public let firstAffectedBirthMonth: Int
    /// How many consecutive birth months share each additional month of delay.
    public let birthMonthsPerStep: Int
    /// The largest delay, in months.
    public let maximumDelayMonths: Int

    /// How far flexible retirement may move the date from the statutory age, either way, in months.
    public static let flexibleRetirementMonths = 36

    /// The rule for a category, from the table of the 2024 decision.
    public init(_ category: RetirementCategory) {
        self.category = category
        switch category {
        case .male:
            (originalAge, firstAffectedBirthYear, birthMonthsPerStep, maximumDelayMonths) =
                (RetirementAge(years: 60), 1965, 4, 36)
        case .femaleCadre:
            (originalAge, firstAffectedBirthYear, birthMonthsPerStep, maximumDelayMonths) =
                (RetirementAge(years: 55), 1970, 4, 36)
        case .femaleWorker:
            (originalAge, firstAffectedBirthYear, birthMonthsPerStep, maximumDelayMonths) =
                (RetirementAge(years: 50), 1975, 2, 60)
        }
        firstAffectedBirthMonth = 1
    }

    /// The delay in months for someone born in the given month.
    public func delayMonths(birthYear: Int, birthMonth: Int) -> Int {
        let k = (birthYear - firstAffectedBirthYear) * 12 + (birthMonth - firstAffectedBirthMonth)
        return k < 0 ? 0 : min(maximumDelayMonths, k / birthMonthsPerStep + 1)
    }

    /// The statutory retirement age for someone born in the given month.
    public func statutoryAge(birthYear: Int, birthMonth: Int) -> RetirementAge {
        RetirementAge(totalMonths: originalAge.totalMonths + delayMonths(birthYear: birthYear, birthMonth: birthMonth))
    }

    /// The statutory retirement date: the birth date plus the statutory age, the day clamped to the
    /// end of the month (born on the 31st, retiring in a 30-day month → the 30th).
    public func retirementDate(birthDate: LocalDate) -> LocalDate {
        birthDate.adding(months: statutoryAge(birthYear: birthDate.year, birthMonth: birthDate.month).totalMonths)
    }

    /// The earliest day a case may be filed: one month before the retirement date, clamped to the
    /// end of the month (retiring 2026-03-31 → 2026-02-28).
    public func earliestFilingDate(birthDate: LocalDate) -> LocalDate {
        Self.earliestFilingDate(retirementDate: retirementDate(birthDate: birthDate))
    }

    /// The earliest day a case may be filed for a given retirement date.
    public static func earliestFilingDate(retirementDate: LocalDate) -> LocalDate {
        retirementDate.adding(months: -1)
    }

    /// The range of retirement dates open by flexible retirement: up to 36 months before the
    /// statutory date but never below the original age, and up to 36 months after it.
    ///
    /// Retiring early also needs the minimum contribution period; that check belongs to the caller,
    /// which knows the contribution record.
    public func flexibleRetirementDates(birthDate: LocalDate) -> ClosedRange<LocalDate> {
        let statutory = statutoryAge(birthYear: birthDate.year, birthMonth: birthDate.month).totalMonths
        let earliest = max(originalAge.totalMonths, statutory - Self.flexibleRetirementMonths)
        return birthDate.adding(months: earliest)...birthDate.adding(months: statutory + Self.flexibleRetirementMonths)
    }

    /// The minimum contribution period (actual plus deemed months) for a monthly pension, by the year
    /// of retirement: 180 months up to 2029, then 6 more each year, reaching 240 from 2039.
    public static func minimumContributionMonths(retirementYear: Int) -> Int {
        guard retirementYear >= 2030 else { return 180 }
        return min(240, 180 + 6 * (retirementYear - 2029))
    }
}
