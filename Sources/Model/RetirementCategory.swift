/// The retirement category of a person, which fixes the original statutory retirement age.
///
/// Human resources decides it in the pre-qualification (for women it depends on the post, cadre or
/// worker, not on sex), so it is never derived from the resident ID number — but it must fit the
/// sex the number records: a man is never `femaleWorker`.
public enum RetirementCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Men: originally 60.
    case male
    /// Women in cadre, management or technical posts: originally 55.
    case femaleCadre
    /// Women in worker posts: originally 50.
    case femaleWorker

    /// Whether a person of this sex can be in this category (`male` for men; either female
    /// category for women).
    public func fits(_ sex: Sex) -> Bool {
        switch self {
        case .male: sex == .male
        case .femaleCadre, .femaleWorker: sex == .female
        }
    }
}
