import Foundation
import Model

/// What the simulated agencies report when they do an item's work: plausible figures computed from
/// the pre-qualification, so the case shows what a real agency would tell the filer and the retiree.
///
/// The pension follows the shape of the enterprise scheme: a basic pension of the province's average
/// wage × 1 % per year of contribution (actual plus deemed), plus the personal account (8 % of that
/// wage a month) divided by the months of the retirement age's divisor (139 at 60, 170 at 55, 195
/// at 50). The wage is a round figure, not a published one: these are a simulator's numbers.
enum SimulatedResults {
    /// The average monthly wage the simulator counts with, in yuan.
    static let averageWage = 7_000

    static func result(for request: AgencyRequest, today: LocalDate) -> TaskResult {
        let record = request.prequalification
        switch request.item {
        case .hrDeemedYears, .medicalDeemedYears:
            return TaskResult(["deemedMonths": .integer(record.deemedMonths)])
        case .socialBenefitApproval:
            return TaskResult(["monthlyPension": .string(yuan(monthlyPensionCents(record))), "annuityMonthly": .string("0.00")])
        case .socialBenefitPayment:
            return TaskResult(["paidOn": .string(today.iso8601), "amount": .string(yuan(monthlyPensionCents(record)))])
        case .fundSeal:
            return TaskResult(["sealedOn": .string(today.iso8601)])
        case .fundExtraction:
            var fields: [String: TaskResult.Value] = [
                "amount": .string(yuan(fundBalanceCents(record))), "paidOn": .string(today.iso8601),
            ]
            if let account = request.bankAccount { fields["accountNumber"] = .string(account.masked) }
            return TaskResult(fields)
        case .hrQualification, .socialPensionTransfer, .socialInsuranceTermination, .medicalTransfer:
            return TaskResult(["effectiveOn": .string(request.retirementDate.iso8601)])
        }
    }

    /// The monthly pension in fen (hundredths of a yuan).
    static func monthlyPensionCents(_ record: Prequalification) -> Int {
        let months = record.contributionMonths + record.deemedMonths
        let basic = averageWage * 100 * months / 12 / 100
        let divisor = switch record.category {
        case .male: 139
        case .femaleCadre: 170
        case .femaleWorker: 195
        }
        let personal = record.contributionMonths * averageWage * 8 / divisor
        return basic + personal
    }

    /// The housing-fund balance in fen: a deposit of 1,200 yuan a month of contribution.
    static func fundBalanceCents(_ record: Prequalification) -> Int {
        record.contributionMonths * 1_200 * 100
    }

    /// Fen as a decimal string of yuan: 309863 → "3098.63".
    static func yuan(_ cents: Int) -> String {
        let fraction = cents % 100
        return "\(cents / 100)." + (fraction < 10 ? "0\(fraction)" : "\(fraction)")
    }
}
