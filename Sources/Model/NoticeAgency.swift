/// An agency that answers at filing time and has no queued work.
public enum NoticeAgency: String, Sendable, Hashable, Codable, CaseIterable {
    /// Public security (公安): household registration, checked in real time at submission.
    case police
    /// Health commission (卫健): tells every filer about the only-child parents' reward.
    case health

    /// The agency's Chinese name.
    public var chineseName: String {
        switch self {
        case .police: "公安部门"
        case .health: "卫健部门"
        }
    }
}
