/// The retiree's personal real-name (face) check that fund extraction needs when an employer files.
///
/// The guide: a retiree whose employer chose extraction must pass the check in the app between
/// filing and 30 days after the retirement date, or the extraction is cancelled (the seal stands).
/// A flexible-employment person files for themself after authenticating, so needs no extra check.
public enum RealNameCheck {
    /// How many days after the retirement date the check may still be done.
    public static let daysAfterRetirement = 30

    /// Whether the case needs the check.
    public static func isRequired(housingFund: HousingFundAction, filedBy: FilerKind) -> Bool {
        housingFund == .sealAndExtract && filedBy == .agent
    }

    /// The last day the check may be done: retirement date plus 30 days (2025-07-15 → 2025-08-14).
    public static func deadline(retirementDate: LocalDate) -> LocalDate {
        retirementDate.adding(days: daysAfterRetirement)
    }

    /// Whether the deadline has passed on `today` (the deadline day itself is still in time).
    public static func isPastDeadline(retirementDate: LocalDate, today: LocalDate) -> Bool {
        today > deadline(retirementDate: retirementDate)
    }
}
