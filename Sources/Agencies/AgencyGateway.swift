import Foundation
import Model

/// What the engine asks of the outside agencies.
///
/// Two implementations sit behind it: the built-in simulator, which applies the rules to the
/// pre-qualification data, and (later) an HTTP adapter calling each agency's base URL.
public protocol AgencyGateway: Sendable {
    /// The police household-registration check, made in real time at submission. Throws
    /// `TransientAgencyError` when the police system cannot answer now (filing is then refused).
    func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck

    /// The health commission's notice about the only-child parents' reward, told to every filer.
    func healthNotice(_ prequalification: Prequalification) async throws -> Notice

    /// Does one item's work. Throws `TransientAgencyError` for a fault worth retrying.
    func perform(_ request: AgencyRequest) async throws -> AgencyOutcome

    /// Does several items' work; one result per request, in order. The default calls `perform` for
    /// each request concurrently; a gateway that can send a batch at once overrides it.
    func perform(batch requests: [AgencyRequest]) async -> [Result<AgencyOutcome, any Error>]
}

extension AgencyGateway {
    public func perform(batch requests: [AgencyRequest]) async -> [Result<AgencyOutcome, any Error>] {
        if requests.count == 1 {
            do { return [.success(try await perform(requests[0]))] } catch { return [.failure(error)] }
        }
        return await withTaskGroup(of: (Int, Result<AgencyOutcome, any Error>).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    do { return (index, .success(try await perform(request))) } catch { return (index, .failure(error)) }
                }
            }
            var results = [Result<AgencyOutcome, any Error>?](repeating: nil, count: requests.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}

/// The answer of the household check.
public enum HouseholdCheck: Sendable, Equatable {
    case registered
    /// Not confirmed; `reason` is plain language for the filer.
    case notRegistered(reason: String)
}

/// One piece of agency work, sent with an idempotency key that is stable for the task's whole life
/// (its id), so a repeated call never applies the effect twice.
public struct AgencyRequest: Sendable, Equatable {
    /// What the filer asked of the housing-fund centre they chose (`fund.*` items).
    public struct HousingFund: Sendable, Equatable, Codable {
        public var action: HousingFundAction
        public var centre: String
        public init(action: HousingFundAction, centre: String) {
            self.action = action
            self.centre = centre
        }
    }

    public var idempotencyKey: String
    public var item: Item
    public var caseNo: String
    /// The case's retirement date (a flexible date when human resources approved one).
    public var retirementDate: LocalDate
    public var prequalification: Prequalification
    /// For `fund.*`: the filer's choice; the request goes to that centre.
    public var housingFund: HousingFund?
    /// For `fund.extraction`: the retiree's own account, number in full (the centre pays into it).
    public var bankAccount: BankAccount?

    public init(idempotencyKey: String, item: Item, caseNo: String, retirementDate: LocalDate,
                prequalification: Prequalification, housingFund: HousingFund? = nil, bankAccount: BankAccount? = nil) {
        self.idempotencyKey = idempotencyKey
        self.item = item
        self.caseNo = caseNo
        self.retirementDate = retirementDate
        self.prequalification = prequalification
        self.housingFund = housingFund
        self.bankAccount = bankAccount
    }
}

/// What an agency answered.
public enum AgencyOutcome: Sendable, Equatable {
    /// The work is done; `result` is what the agency decided (deemed months, the pension, the amount paid…).
    case succeeded(result: TaskResult?)
    /// Not a fault: the case does not meet a condition yet. Decided afresh on every call.
    case conditionNotMet(reason: String)
}

/// A fault that says nothing about the case (timeout, 5xx, lost connection): try again later.
public struct TransientAgencyError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "transient agency fault: \(reason)" }
}

/// Where effects are recorded by idempotency key, so each is applied at most once and a success is
/// replayed as it was first reported.
public protocol EffectLedger: Sendable {
    /// Records the effects of the calls decided a success now, and looks up the calls decided
    /// otherwise (a condition not met) for a success recorded earlier. Returns, for every key with a
    /// recorded success, what it reported and whether it was applied by this call. Keys must be distinct.
    func record(successes: [LedgerEffect], others: [String], at: Date) async throws -> [String: LedgerEntry]
}

/// The ledger could not be reached: whether the effects were recorded is unknown, so the calls are
/// not an agency's fault — the worker repeats them with the same idempotency keys.
public struct EffectLedgerUnavailable: Error, Sendable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "the effect ledger is unavailable: \(reason)" }
}

/// An effect to record: the call's key, its item, and what the agency reports.
public struct LedgerEffect: Sendable, Equatable {
    public var idempotencyKey: String
    public var item: Item
    public var result: TaskResult?
    public init(idempotencyKey: String, item: Item, result: TaskResult?) {
        self.idempotencyKey = idempotencyKey
        self.item = item
        self.result = result
    }
}

/// A recorded success.
public struct LedgerEntry: Sendable, Equatable {
    /// What the first success reported (replayed to every later call).
    public var result: TaskResult?
    /// Whether this call applied the effect (false: it was applied before).
    public var appliedNow: Bool
    public init(result: TaskResult?, appliedNow: Bool) {
        self.result = result
        self.appliedNow = appliedNow
    }
}
