/// An agency that does work for a case: each has its own queue and workers.
///
/// Public security and the health commission take part too, but do no queued work (the household
/// check runs at filing, the only-child notice is shown at once): they are ``NoticeAgency``.
public enum Agency: String, Sendable, Hashable, Codable, CaseIterable {
    /// Human resources and social security department (人社部门).
    case hr
    /// Social-security bureau (社保局).
    case social
    /// Medical insurance bureau (医保部门).
    case medical
    /// Housing provident fund centre (住房公积金管理中心).
    case fund

    /// The agency's Chinese name, as the portal shows it.
    public var chineseName: String {
        switch self {
        case .hr: "人社部门"
        case .social: "社保局"
        case .medical: "医保部门"
        case .fund: "住房公积金管理中心"
        }
    }
}
