/// The joint items a filer ticked. Ticking nothing still handles the retirement qualification.
public struct FilingChoices: Sendable, Hashable, Codable {
    /// Pension benefit claim (养老保险待遇申领).
    public var pensionBenefit: Bool
    /// Medical insurance in-service to retired (医保在职转退休).
    public var medicalTransfer: Bool
    /// Housing provident fund: nothing, seal, or seal and extract.
    public var housingFund: HousingFundAction

    /// Whether this is an extraction alone (`housingFund: extract`): the case holds `fund.extraction`
    /// only, so nothing else may be ticked with it (``isCoherent``).
    public var isExtractionAlone: Bool { housingFund == .extract }

    /// Whether the choices can be filed together: an extraction alone goes with nothing else.
    public var isCoherent: Bool { !isExtractionAlone || (!pensionBenefit && !medicalTransfer) }

    /// Creates a set of choices; by default nothing is ticked.
    public init(pensionBenefit: Bool = false, medicalTransfer: Bool = false, housingFund: HousingFundAction = .none) {
        self.pensionBenefit = pensionBenefit
        self.medicalTransfer = medicalTransfer
        self.housingFund = housingFund
    }
}
