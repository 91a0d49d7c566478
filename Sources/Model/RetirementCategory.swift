/// The retirement category of a person, which fixes the original statutory retirement age.
///
/// Human resources decides it in the pre-qualification (for women it depends on the post, cadre or
/// worker, not on sex), so it is never derived from the resident ID number.
public enum RetirementCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Men: originally 60.
    case male
    /// Women in cadre, management or technical posts: originally 55.
    case femaleCadre
    /// Women in worker posts: originally 50.
    case femaleWorker
}
