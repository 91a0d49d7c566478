/// What kind of body an agent acts for, which decides whether it files (DOMAIN.md, "Who files").
///
/// The raw values are the API's `organisationKind` strings and the database's `organisations.kind`.
public enum OrganisationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An employer: files for its employees.
    case employer
    /// A group or parent body paying pension insurance as one account: files for the employees of
    /// its branches.
    case group
    /// An archive-custody institution (档案托管机构): passes the pre-check of flexible-employment
    /// people, who then file for themselves; it never files.
    case archive
}
