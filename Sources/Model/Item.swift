/// A piece of work one agency does for a case (联办事项).
///
/// The raw values are the `item` strings of the HTTP API, the database and the queues. What each
/// item waits for, its time limit and its retry policy live in ``ItemCatalogue``.
public enum Item: String, Sendable, Hashable, Codable, CaseIterable {
    /// Confirm retirement qualification (退休资格确认).
    case hrQualification = "hr.qualification"
    /// Determine pension deemed contribution years (养老保险视同缴费年限认定).
    case hrDeemedYears = "hr.deemedYears"
    /// Pension insurance in-service to retired (养老保险在职转退休).
    case socialPensionTransfer = "social.pensionTransfer"
    /// Approve the basic pension and occupational annuity (待遇核定).
    case socialBenefitApproval = "social.benefitApproval"
    /// Pay the pension on the unified payment day (待遇发放).
    case socialBenefitPayment = "social.benefitPayment"
    /// End work-injury and unemployment insurance contributions (缴费关系终止).
    case socialInsuranceTermination = "social.insuranceTermination"
    /// Determine medical deemed contribution years (医保视同缴费年限核定).
    case medicalDeemedYears = "medical.deemedYears"
    /// Medical insurance in-service to retired (医保在职转退休).
    case medicalTransfer = "medical.transfer"
    /// Seal the housing fund account (公积金账户封存).
    case fundSeal = "fund.seal"
    /// Extract the housing fund balance (公积金提取).
    case fundExtraction = "fund.extraction"

    /// The agency that does this item.
    public var agency: Agency { ItemCatalogue.definition(of: self).agency }
}
