import Foundation
import Model

/// The agencies simulated from the pre-qualification data, so the whole system runs with no outside system.
///
/// Rules (deterministic from the data): HR items succeed for a passed pre-qualification; the
/// benefit approval needs the retirement date to have come and contribution + deemed months to
/// reach the minimum of the retirement year; the medical transfer needs the medical contribution
/// months (300 for men, 240 for women by default); extraction fails while the fund account is
/// frozen; everything else succeeds. Every effect goes through the ledger by idempotency key.
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

    /// Decides every request by the rules, then records the effects of those that succeed with one
    /// ledger call.
    public func perform(batch requests: [AgencyRequest]) async -> [Result<AgencyOutcome, any Error>] {
        if latency > .zero {
            do {
                try await Task.sleep(for: latency)
            } catch {
                // Cancelled mid-call: nothing was done.
                return requests.map { _ in .failure(error) }
            }
        }
        var results: [Result<AgencyOutcome, any Error>?] = []
        var effects: [(idempotencyKey: String, item: Item)] = []
        var seen: Set<String> = []
        for request in requests {
            if let decided = decide(request) {
                results.append(decided)
            } else {
                results.append(nil)
                if seen.insert(request.idempotencyKey).inserted { effects.append((request.idempotencyKey, request.item)) }
            }
        }
        let applied: Result<Set<String>, any Error>
        if let ledger, !effects.isEmpty {
            do { applied = .success(try await ledger.apply(batch: effects, at: now())) } catch { applied = .failure(error) }
        } else {
            applied = .success(Set(effects.map(\.idempotencyKey)))
        }
        var firstSeen: Set<String> = []
        return zip(requests, results).map { request, decided in
            if let decided { return decided }
            return applied.map { keys in
                // A key repeated within one batch takes effect once: only its first request reports "done".
                let first = keys.contains(request.idempotencyKey) && firstSeen.insert(request.idempotencyKey).inserted
                return .succeeded(result: first ? "done" : "already done")
            }
        }
    }

    /// The answer the rules give without touching the ledger, or nil when the work succeeds (and
    /// its effect must be recorded).
    private func decide(_ request: AgencyRequest) -> Result<AgencyOutcome, any Error>? {
        if transientFailureRate > 0, Double.random(in: 0..<1) < transientFailureRate {
            return .failure(TransientAgencyError("simulated outage"))
        }
        let record = request.prequalification
        let today = LocalDate(now(), utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
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
        default:
            break
        }
        return nil
    }

    public func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        prequalification.householdRegistered
            ? .registered
            : .notRegistered(reason: "The public-security household check could not confirm the retiree's household registration. Ask the retiree to check it with the local police station, then file again.")
    }

    public func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        let general = "城镇独生子女父母奖励：符合条件的退休人员可申领一次性奖励，请向户籍所在地卫生健康部门咨询办理。"
            + " Urban only-child parents may claim a one-off reward at retirement; ask the local health commission how to apply."
        let applies = " 预审信息显示该退休人员为独生子女父母，本奖励适用。 The pre-qualification shows the retiree is an only-child parent: this reward applies."
        return Notice(agency: NoticeAgency.health.rawValue, text: prequalification.onlyChildParent ? general + applies : general)
    }
}
