import Foundation
import Model

/// What the engine asks of the outside agencies.
///
/// Two implementations sit behind it: the built-in simulator, which applies the rules to the
/// pre-qualification data, and (later) an HTTP adapter calling each agency's base URL.
public protocol AgencyGateway: Sendable {
    /// The police household-registration check, made in real time at submission.
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
    public var idempotencyKey: String
    public var item: Item
    public var caseNo: String
    public var retirementDate: LocalDate
    public var prequalification: Prequalification

    public init(idempotencyKey: String, item: Item, caseNo: String, retirementDate: LocalDate,
                prequalification: Prequalification) {
        self.idempotencyKey = idempotencyKey
        self.item = item
        self.caseNo = caseNo
        self.retirementDate = retirementDate
        self.prequalification = prequalification
    }
}

/// What an agency answered.
public enum AgencyOutcome: Sendable, Equatable {
    case succeeded(result: String)
    /// Not a fault: the case does not meet a condition yet.
    case conditionNotMet(reason: String)
}

/// A fault that says nothing about the case (timeout, 5xx, lost connection): try again later.
public struct TransientAgencyError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "transient agency fault: \(reason)" }
}

/// Where effects are recorded by idempotency key, so each is applied at most once.
public protocol EffectLedger: Sendable {
    /// Records effects; returns the keys applied now (the others were applied before). Keys must be distinct.
    func apply(batch effects: [(idempotencyKey: String, item: Item)], at: Date) async throws -> Set<String>
}
