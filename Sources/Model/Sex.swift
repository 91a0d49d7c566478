/// A person's sex as recorded in the resident ID number (odd sequence = male, even = female).
///
/// Sex alone never decides the retirement age of a woman: that is the `RetirementCategory`,
/// which human resources determines in the pre-qualification.
public enum Sex: String, Sendable, Hashable, Codable, CaseIterable {
    case male
    case female
}
