import Testing
@testable import Model

@Suite("RetirementRule")
struct RetirementRuleTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let category: RetirementCategory
        let born: String
        let years: Int
        let months: Int
        let retires: String
        var testDescription: String { "\(category.rawValue) born \(born) → \(years)y\(months)m, \(retires)" }
    }

    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    /// The month before the first affected cohort, the first cohort, step edges, the last month
    /// before the cap, the cap, and beyond it, for each category; plus DOMAIN.md's examples.
    static let table: [Example] = [
        // male: 60, b0 1965-01, +1 per 4 months, cap 36.
        Example(category: .male, born: "1964-12-15", years: 60, months: 0, retires: "2024-12-15"),
        Example(category: .male, born: "1965-01-15", years: 60, months: 1, retires: "2025-02-15"), // DOMAIN.md
        Example(category: .male, born: "1965-04-15", years: 60, months: 1, retires: "2025-05-15"),
        Example(category: .male, born: "1965-05-15", years: 60, months: 2, retires: "2025-07-15"),
        Example(category: .male, born: "1966-01-15", years: 60, months: 4, retires: "2026-05-15"), // DOMAIN.md
        Example(category: .male, born: "1976-08-15", years: 62, months: 11, retires: "2039-07-15"),
        Example(category: .male, born: "1976-09-15", years: 63, months: 0, retires: "2039-09-15"),
        Example(category: .male, born: "1980-01-15", years: 63, months: 0, retires: "2043-01-15"),
        // femaleCadre: 55, b0 1970-01, +1 per 4 months, cap 36.
        Example(category: .femaleCadre, born: "1969-12-15", years: 55, months: 0, retires: "2024-12-15"),
        Example(category: .femaleCadre, born: "1970-01-15", years: 55, months: 1, retires: "2025-02-15"),
        Example(category: .femaleCadre, born: "1970-04-15", years: 55, months: 1, retires: "2025-05-15"),
        Example(category: .femaleCadre, born: "1970-05-15", years: 55, months: 2, retires: "2025-07-15"),
        Example(category: .femaleCadre, born: "1971-04-15", years: 55, months: 4, retires: "2026-08-15"), // DOMAIN.md
        Example(category: .femaleCadre, born: "1981-08-15", years: 57, months: 11, retires: "2039-07-15"),
        Example(category: .femaleCadre, born: "1981-09-15", years: 58, months: 0, retires: "2039-09-15"),
        Example(category: .femaleCadre, born: "1990-01-15", years: 58, months: 0, retires: "2048-01-15"),
        // femaleWorker: 50, b0 1975-01, +1 per 2 months, cap 60.
        Example(category: .femaleWorker, born: "1974-12-15", years: 50, months: 0, retires: "2024-12-15"),
        Example(category: .femaleWorker, born: "1975-01-15", years: 50, months: 1, retires: "2025-02-15"),
        Example(category: .femaleWorker, born: "1975-02-15", years: 50, months: 1, retires: "2025-03-15"),
        Example(category: .femaleWorker, born: "1975-03-15", years: 50, months: 2, retires: "2025-05-15"),
        Example(category: .femaleWorker, born: "1976-06-15", years: 50, months: 9, retires: "2027-03-15"), // DOMAIN.md
        Example(category: .femaleWorker, born: "1984-10-15", years: 54, months: 11, retires: "2039-09-15"),
        Example(category: .femaleWorker, born: "1984-11-15", years: 55, months: 0, retires: "2039-11-15"),
        Example(category: .femaleWorker, born: "1990-06-15", years: 55, months: 0, retires: "2045-06-15"),
    ]

    @Test("statutory age and date", arguments: table)
    func statutory(_ example: Example) {
        let rule = RetirementRule(example.category)
        let born = Self.date(example.born)
        let age = rule.statutoryAge(birthYear: born.year, birthMonth: born.month)
        #expect(age.years == example.years)
        #expect(age.months == example.months)
        #expect(rule.retirementDate(birthDate: born) == Self.date(example.retires))
    }

    @Test("keeps the birth day, clamped to the end of the retirement month", arguments: [
        (RetirementCategory.male, "1965-07-31", "2025-09-30"),      // 60y2m: September has 30 days
        (.male, "1965-12-31", "2026-03-31"),                        // 60y3m: no clamping needed
        (.male, "1965-11-30", "2026-02-28"),                        // 60y3m into a 28-day February
        (.femaleWorker, "1975-12-31", "2026-06-30"),                // 50y6m
        (.femaleCadre, "1970-07-31", "2025-09-30"),                 // 55y2m
        (.male, "1964-02-29", "2024-02-29"),                        // no delay, leap day to leap day
        (.femaleCadre, "1969-02-28", "2024-02-28"),
    ])
    func clamps(category: RetirementCategory, born: String, retires: String) {
        #expect(RetirementRule(category).retirementDate(birthDate: Self.date(born)) == Self.date(retires))
    }

    @Test("earliest filing date is one month before, clamped", arguments: [
        ("2025-07-15", "2025-06-15"),
        ("2026-03-31", "2026-02-28"),
        ("2025-09-30", "2025-08-30"),
        ("2024-03-31", "2024-02-29"),
        ("2026-01-10", "2025-12-10"),
    ])
    func earliestFiling(retires: String, earliest: String) {
        #expect(RetirementRule.earliestFilingDate(retirementDate: Self.date(retires)) == Self.date(earliest))
    }

    @Test func earliest_filing_from_a_birth_date() {
        // API.md's example retiree: a man born 1965-05-15 retires 2025-07-15.
        #expect(RetirementRule(.male).earliestFilingDate(birthDate: Self.date("1965-05-15")) == Self.date("2025-06-15"))
    }

    @Test("delay months follow the formula at every step", arguments: RetirementCategory.allCases)
    func delayFormula(category: RetirementCategory) {
        let rule = RetirementRule(category)
        let (step, cap, b0Year) = switch category {
        case .male: (4, 36, 1965)
        case .femaleCadre: (4, 36, 1970)
        case .femaleWorker: (2, 60, 1975)
        }
        // Walk 20 years of birth months from two years before b0 and check the delay never
        // decreases, grows by at most one per month, changes only at step edges and stops at the cap.
        var previous = 0
        var reachedCapAt: Int?
        for k in -24..<240 {
            let year = b0Year + Int((Double(k) / 12).rounded(.down))
            let month = k - (year - b0Year) * 12 + 1
            let delay = rule.delayMonths(birthYear: year, birthMonth: month)
            let expected = k < 0 ? 0 : min(cap, k / step + 1)
            #expect(delay == expected, "k=\(k)")
            #expect(delay - previous == 0 || delay - previous == 1, "k=\(k)")
            if delay == cap, reachedCapAt == nil { reachedCapAt = k }
            previous = delay
        }
        #expect(reachedCapAt == (cap - 1) * step)
    }

    @Test("flexible retirement window", arguments: [
        (RetirementCategory.male, "1966-01-15", "2026-01-15", "2029-05-15"),
        (.male, "1976-09-15", "2036-09-15", "2042-09-15"),
        (.femaleWorker, "1984-11-15", "2036-11-15", "2042-11-15"),
        (.femaleCadre, "1965-03-10", "2020-03-10", "2023-03-10"),
    ])
    func flexible(category: RetirementCategory, born: String, earliest: String, latest: String) {
        let window = RetirementRule(category).flexibleRetirementDates(birthDate: Self.date(born))
        #expect(window.lowerBound == Self.date(earliest))
        #expect(window.upperBound == Self.date(latest))
    }

    @Test("minimum contribution months by year of retirement", arguments: [
        (2020, 180), (2025, 180), (2029, 180), (2030, 186), (2031, 192), (2035, 216),
        (2038, 234), (2039, 240), (2040, 240), (2060, 240),
    ])
    func minimumContribution(year: Int, months: Int) {
        #expect(RetirementRule.minimumContributionMonths(retirementYear: year) == months)
    }

    @Test func category_raw_values() {
        #expect(RetirementCategory.allCases.map(\.rawValue) == ["male", "femaleCadre", "femaleWorker"])
    }

    @Test func age_description() {
        #expect(RetirementAge(years: 60, months: 4).description == "60y4m")
        #expect(RetirementAge(totalMonths: 663).description == "55y3m")
    }
}
