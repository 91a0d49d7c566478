/// What the filer asks the housing fund centre to do.
public enum HousingFundAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nothing.
    case none
    /// Seal the account only; the retiree can extract later.
    case seal
    /// Seal the account and pay the balance to the retiree's own bank account.
    case sealAndExtract
}
