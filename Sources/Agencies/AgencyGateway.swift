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
}

/// The answer of the household check.
public enum HouseholdCheck: Sendable, Equatable {
    case registered
    /// Not confirmed; `reason` is plain language for the filer.
    case notRegistered(reason: String)
}
