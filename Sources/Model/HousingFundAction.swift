/// What the filer asks the housing fund centre to do.
public enum HousingFundAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nothing.
    case none
    /// Seal the account only; the retiree can extract later.
    case seal
    /// Seal the account and pay the balance to the retiree's own bank account.
    case sealAndExtract
    /// Extraction alone, for an account an earlier case sealed (the guide: "也可委托企业再次发起退休
    /// '一件事'提取公积金"). Such a case holds `fund.extraction` and nothing else.
    case extract

    /// Whether the account is sealed by this case.
    public var seals: Bool { self == .seal || self == .sealAndExtract }

    /// Whether the balance is paid out by this case (so a bank account is needed).
    public var extracts: Bool { self == .sealAndExtract || self == .extract }
}
