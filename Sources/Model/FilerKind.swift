/// Who filed a case: an employer's agent, or the flexible-employment person themself.
///
/// The raw values are the API's `filedBy` strings.
public enum FilerKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An agent of an employer (or group) filing for an employee.
    case agent
    /// A flexible-employment person filing for themself.
    case individual
}
