/// The retiree's personal real-name (face) check that fund extraction needs when an employer files.
///
/// The guide: a retiree whose employer chose extraction must pass the check in the app between
/// filing and 30 days after the retirement date, or the extraction is cancelled (the seal stands).
/// A flexible-employment person files for themself after authenticating, so needs no extra check.
public enum RealNameCheck {
    /// How many days after the retirement date (or, see ``deadline(retirementDate:filedOn:action:)``,
    /// after filing) the check may still be done.
    public static let days = 30

    /// Whether the case needs the check: extraction chosen by an employer's agent.
    public static func isRequired(housingFund: HousingFundAction, filedBy: FilerKind) -> Bool {
        housingFund.extracts && filedBy == .agent
    }

    /// The last day the check may be done (the day itself is still in time).
    ///
    /// The guide's window runs from filing to 30 days after the retirement date
    /// (2025-07-15 → 2025-08-14). Where that window would be empty or nearly so, ours (DOMAIN.md,
    /// "Extraction later") runs 30 days from filing:
    /// - an extraction alone filed after the retirement date: 30 days after the filing day;
    /// - a seal and extraction filed after the guide's window closed: 30 days after the filing day,
    ///   rather than a case whose extraction the sweeper cancels within a minute.
    public static func deadline(retirementDate: LocalDate, filedOn: LocalDate, action: HousingFundAction) -> LocalDate {
        let guide = retirementDate.adding(days: days)
        let fromFiling = filedOn.adding(days: days)
        switch action {
        case .extract where filedOn > retirementDate: return fromFiling
        case .sealAndExtract where filedOn > guide: return fromFiling
        default: return guide
        }
    }

    /// Whether the deadline has passed on `today` (the deadline day itself is still in time).
    public static func isPastDeadline(_ deadline: LocalDate, today: LocalDate) -> Bool {
        today > deadline
    }
}
