/// A passed (or not) retirement pre-check, as the human-resources system feeds it.
///
/// Filing starts by looking it up: without a passed record nothing can be filed. The post category
/// comes from here, never from the ID number's sex (but it must fit it: ``validate()``).
public struct Prequalification: Sendable, Hashable {
    public var idNumber: ResidentID
    public var name: String
    public var category: RetirementCategory
    public var organisation: String
    /// The kind of the organisation that passed the pre-check: an archive institution's people file
    /// for themselves (``WhoFiles``).
    public var organisationKind: OrganisationKind
    public var passed: Bool
    public var contributionMonths: Int
    public var deemedMonths: Int
    public var medicalContributionMonths: Int
    public var fundCentre: String?
    public var fundAccountFrozen: Bool
    public var householdRegistered: Bool
    public var onlyChildParent: Bool
    /// A flexible retirement date human resources approved (弹性退休), or nil for the statutory date.
    public var plannedRetirementDate: LocalDate?

    public init(idNumber: ResidentID, name: String, category: RetirementCategory, organisation: String,
                organisationKind: OrganisationKind = .employer, passed: Bool,
                contributionMonths: Int, deemedMonths: Int, medicalContributionMonths: Int, fundCentre: String?,
                fundAccountFrozen: Bool, householdRegistered: Bool, onlyChildParent: Bool,
                plannedRetirementDate: LocalDate? = nil) {
        self.idNumber = idNumber
        self.name = name
        self.category = category
        self.organisation = organisation
        self.organisationKind = organisationKind
        self.passed = passed
        self.contributionMonths = contributionMonths
        self.deemedMonths = deemedMonths
        self.medicalContributionMonths = medicalContributionMonths
        self.fundCentre = fundCentre
        self.fundAccountFrozen = fundAccountFrozen
        self.householdRegistered = householdRegistered
        self.onlyChildParent = onlyChildParent
        self.plannedRetirementDate = plannedRetirementDate
    }

    /// The statutory retirement date for this person (the 2024 decision's table).
    public var statutoryRetirementDate: LocalDate {
        RetirementRule(category).retirementDate(birthDate: idNumber.birthDate)
    }

    /// *The* retirement date: the approved flexible date if there is one, else the statutory date.
    /// Every rule uses it: the earliest filing date, the real-name deadline, the agencies' conditions.
    public var retirementDate: LocalDate {
        plannedRetirementDate ?? statutoryRetirementDate
    }

    /// The first day a case may be filed: one month before the retirement date.
    public var earliestFilingDate: LocalDate {
        RetirementRule.earliestFilingDate(retirementDate: retirementDate)
    }

    /// Why a record cannot be registered as it is.
    public enum Invalidity: Sendable, Hashable {
        /// The category does not fit the sex of the ID number (a man cannot be `femaleWorker`).
        case categoryDoesNotFitSex
        /// The planned date lies outside the flexible-retirement window.
        case plannedDateOutsideWindow(ClosedRange<LocalDate>)
        /// An earlier date needs the minimum contribution period, which the record does not reach.
        case earlyWithoutMinimumContribution(minimum: Int)
    }

    /// The rules a record must meet before it is stored, or nil when it meets them.
    ///
    /// A planned date may be up to 36 months before the statutory date (never before the original
    /// age, and only when contribution plus deemed months reach the minimum of the year retired in)
    /// or up to 36 months after it (人社部发〔2024〕94号).
    public func validate() -> Invalidity? {
        guard category.fits(idNumber.sex) else { return .categoryDoesNotFitSex }
        guard let planned = plannedRetirementDate else { return nil }
        let window = RetirementRule(category).flexibleRetirementDates(birthDate: idNumber.birthDate)
        guard window.contains(planned) else { return .plannedDateOutsideWindow(window) }
        if planned < statutoryRetirementDate {
            let minimum = RetirementRule.minimumContributionMonths(retirementYear: planned.year)
            guard contributionMonths + deemedMonths >= minimum else { return .earlyWithoutMinimumContribution(minimum: minimum) }
        }
        return nil
    }
}

/// Something an agency tells the filer at submission (the health commission's only-child notice).
public struct Notice: Sendable, Hashable, Codable {
    public var agency: String
    public var text: String

    public init(agency: String, text: String) {
        self.agency = agency
        self.text = text
    }
}
