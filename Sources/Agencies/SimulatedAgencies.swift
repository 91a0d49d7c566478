import Foundation
import Model

/// The agencies simulated from the pre-qualification data, so the whole system runs with no outside system.
///
/// Rules (deterministic from the data): HR items succeed for a passed pre-qualification; the
/// benefit approval needs the retirement date to have come and contribution + deemed months to
/// reach the minimum of the retirement year; the medical transfer needs the medical contribution
/// months (300 for men, 240 for women by default); extraction fails while the fund account is
/// frozen or without an account in the retiree's name; everything else succeeds, reporting the
/// figures of ``SimulatedResults``. Every effect goes through the ledger by idempotency key.
public struct SimulatedAgencies: AgencyGateway {
    public let ledger: (any EffectLedger)?
    public let now: @Sendable () -> Date
    /// Probability in 0...1 of a transient fault per call, for chaos tests.
    public let transientFailureRate: Double
    public let medicalMonthsMen: Int
    public let medicalMonthsWomen: Int
    /// How long each call takes (calls in one batch overlap, as concurrent calls would).
    public let latency: Duration

    public init(ledger: (any EffectLedger)? = nil, transientFailureRate: Double = 0, medicalMonthsMen: Int = 300,
                medicalMonthsWomen: Int = 240, latency: Duration = .zero,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.latency = latency
        self.ledger = ledger
        self.transientFailureRate = transientFailureRate
        self.medicalMonthsMen = medicalMonthsMen
        self.medicalMonthsWomen = medicalMonthsWomen
        self.now = now
    }

    public func perform(_ request: AgencyRequest) async throws -> AgencyOutcome {
        try await perform(batch: [request])[0].get()
    }

    /// Decides every request by the rules, then, with one ledger call, records the effects of those
    /// that succeed and looks up the others for a success recorded earlier.
    ///
    /// The contract (docs/agency-api.md): an effect is applied at most once per key and a success is
    /// replayed — even if the pre-qualification changed since — while "condition not met" is decided
    /// afresh on every call, so the pension chain's daily re-check can succeed once the condition is met.
    public func perform(batch requests: [AgencyRequest]) async -> [Result<AgencyOutcome, any Error>] {
        if latency > .zero {
            do {
                try await Task.sleep(for: latency)
            } catch {
                // Cancelled mid-call: nothing was done.
                return requests.map { _ in .failure(error) }
            }
        }
        let today = LocalDate(now(), utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        let decided = requests.map { decide($0, today: today) }
        var successes: [LedgerEffect] = []
        var others: [String] = []
        var seen: Set<String> = []
        for (request, decision) in zip(requests, decided) {
            guard case .success(let outcome) = decision, seen.insert(request.idempotencyKey).inserted else { continue }
            switch outcome {
            case .succeeded(let result):
                successes.append(LedgerEffect(idempotencyKey: request.idempotencyKey, item: request.item, result: result))
            case .conditionNotMet:
                others.append(request.idempotencyKey)
            }
        }
        guard let ledger, !(successes.isEmpty && others.isEmpty) else { return decided }
        let recorded: [String: LedgerEntry]
        do {
            recorded = try await ledger.record(successes: successes, others: others, at: now())
        } catch {
            // Whether the effect was recorded is unknown: the caller repeats the call with the same key.
            return zip(requests, decided).map { _, decision in
                if case .failure = decision { return decision }
                return .failure(error)
            }
        }
        return zip(requests, decided).map { request, decision in
            guard case .success = decision else { return decision }
            if let entry = recorded[request.idempotencyKey] { return .success(.succeeded(result: entry.result)) }
            return decision
        }
    }

    /// The answer the rules give for one request, before the ledger is asked.
    private func decide(_ request: AgencyRequest, today: LocalDate) -> Result<AgencyOutcome, any Error> {
        if transientFailureRate > 0, Double.random(in: 0..<1) < transientFailureRate {
            return .failure(TransientAgencyError("simulated outage"))
        }
        let record = request.prequalification
        switch request.item {
        case .hrQualification, .hrDeemedYears:
            guard record.passed else { return .success(.conditionNotMet(reason: "The retirement pre-check has not passed.")) }
        case .socialBenefitApproval:
            guard today >= request.retirementDate else {
                return .success(.conditionNotMet(reason: "The retirement date \(request.retirementDate.iso8601) has not come yet."))
            }
            let minimum = RetirementRule.minimumContributionMonths(retirementYear: request.retirementDate.year)
            guard record.contributionMonths + record.deemedMonths >= minimum else {
                return .success(.conditionNotMet(reason: "Contribution and deemed months are below the minimum of \(minimum) months."))
            }
        case .medicalTransfer:
            let needed = record.idNumber.sex == .male ? medicalMonthsMen : medicalMonthsWomen
            guard record.medicalContributionMonths >= needed else {
                return .success(.conditionNotMet(reason: "Medical contributions are below the \(needed) months required."))
            }
        case .fundExtraction:
            guard !record.fundAccountFrozen else {
                return .success(.conditionNotMet(reason: "The housing-fund account is frozen; the centre cannot pay it out."))
            }
            guard let account = request.bankAccount, account.holderName == record.name else {
                return .success(.conditionNotMet(reason: "The payment needs a bank account in the retiree's own name."))
            }
        default:
            break
        }
        return .success(.succeeded(result: SimulatedResults.result(for: request, today: today)))
    }

    public func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        prequalification.householdRegistered
            ? .registered
            : .notRegistered(reason: "The public-security household check could not confirm the retiree's household registration. Ask the retiree to check it with the local police station, then file again.")
    }

    public func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        prequalification.onlyChildParent ? Self.applyingHealthNotice : Self.generalHealthNotice
    }

    /// What the health commission tells every filer (卫健部门: 城镇独生子女父母奖励金政策解读).
    public static let generalHealthNotice = Notice(
        agency: NoticeAgency.health.rawValue,
        text: "城镇独生子女父母奖励：符合条件的退休人员可申领一次性奖励，请向户籍所在地卫生健康部门咨询办理。"
            + " Urban only-child parents may claim a one-off reward at retirement; ask the local health commission how to apply.")

    /// The same, marked as applying when the pre-qualification says the retiree is an only-child parent.
    public static let applyingHealthNotice = Notice(
        agency: NoticeAgency.health.rawValue,
        text: generalHealthNotice.text
            + " 预审信息显示该退休人员为独生子女父母，本奖励适用。 The pre-qualification shows the retiree is an only-child parent: this reward applies.")
}
