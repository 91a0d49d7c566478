/// Who is calling the API, as their token says.
public struct Caller: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case `operator`, agent, individual
    }

    public var tokenID: String
    public var role: Role
    public var name: String
    /// The organisation an agent acts for.
    public var organisation: String?
    /// What kind of organisation that is (agents only).
    public var organisationKind: OrganisationKind?
    /// The resident ID an individual is bound to.
    public var idNumber: String?

    public init(tokenID: String, role: Role, name: String, organisation: String? = nil,
                organisationKind: OrganisationKind? = nil, idNumber: String? = nil) {
        self.tokenID = tokenID
        self.role = role
        self.name = name
        self.organisation = organisation
        self.organisationKind = organisation == nil ? nil : (organisationKind ?? .employer)
        self.idNumber = idNumber
    }

    /// Whether this caller may see a record owned by `organisation` about the person `idNumber`.
    public func canSee(organisation owner: String?, idNumber person: String) -> Bool {
        switch role {
        case .operator: true
        case .agent: owner != nil && owner == organisation
        case .individual: person == idNumber
        }
    }

    /// Whether this caller acts as the filer of a case (retriggers and gives up its items): an agent
    /// of the employer or group that filed it, or the flexible-employment person who filed their own.
    /// Seeing a case is not enough: an archive institution's agent only reads its people's cases, and
    /// a retiree only follows the case their employer filed.
    public func isFiler(filedBy: FilerKind, organisation owner: String?, idNumber person: String) -> Bool {
        switch role {
        case .operator: false
        case .agent: filedBy == .agent && owner != nil && owner == organisation && organisationKind != .archive
        case .individual: filedBy == .individual && person == idNumber
        }
    }
}
