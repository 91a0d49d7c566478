/// A passed (or not) retirement pre-check, as the human-resources system feeds it.
///
/// Filing starts by looking it up: without a passed record nothing can be filed. The post category
/// comes from here, never from the ID number's sex.
public struct Prequalification: Sendable, Hashable {
    public var idNumber: ResidentID
    public var name: String
    public var category: RetirementCategory
    public var organisation: String
    public var passed: Bool
    public var contributionMonths: Int
    public var deemedMonths: Int
    public var medicalContributionMonths: Int
    public var fundCentre: String?
    public var fundAccountFrozen: Bool
    public var householdRegistered: Bool
    public var onlyChildParent: Bool

    public init(idNumber: ResidentID, name: String, category: RetirementCategory, organisation: String, passed: Bool,
                contributionMonths: Int, deemedMonths: Int, medicalContributionMonths: Int, fundCentre: String?,
                fundAccountFrozen: Bool, householdRegistered: Bool, onlyChildParent: Bool) {
        self.idNumber = idNumber
        self.name = name
        self.category = category
        self.organisation = organisation
        self.passed = passed
        self.contributionMonths = contributionMonths
        self.deemedMonths = deemedMonths
        self.medicalContributionMonths = medicalContributionMonths
        self.fundCentre = fundCentre
        self.fundAccountFrozen = fundAccountFrozen
        self.householdRegistered = householdRegistered
        self.onlyChildParent = onlyChildParent
    }

    /// The statutory retirement date for this person.
    public var retirementDate: LocalDate {
        RetirementRule(category).retirementDate(birthDate: idNumber.birthDate)
    }

    /// The first day a case may be filed: one month before the retirement date.
    public var earliestFilingDate: LocalDate {
        RetirementRule.earliestFilingDate(retirementDate: retirementDate)
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
