/// Why a resident ID number was rejected.
///
/// Messages are plain language a filer can act on and never contain the number itself, so an
/// error can be shown, logged or returned over HTTP without leaking personal data.
public enum ResidentIDError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The number does not have 18 characters (the count found is safe to report).
    case wrongLength(found: Int)
    /// A character other than a digit (or a final X) at a 1-based position.
    case nonDigit(position: Int)
    /// Characters 7–14 are not a real calendar date (year 1900 or later).
    case invalidBirthDate
    /// The birth date is after the day the number was checked.
    case birthDateInFuture
    /// The 18th character does not match the one computed from the first 17.
    case checkCharacterMismatch

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .wrongLength: "wrong_length"
        case .nonDigit: "non_digit"
        case .invalidBirthDate: "invalid_birth_date"
        case .birthDateInFuture: "birth_date_in_future"
        case .checkCharacterMismatch: "check_character_mismatch"
        }
    }

    /// A plain-language explanation that never repeats the number.
    public var message: String {
        switch self {
        case .wrongLength(let found):
            "A resident ID number has 18 characters; this one has \(found). Please check it against the ID card."
        case .nonDigit(let position) where position == 18:
            "The last character of a resident ID number must be a digit or the letter X."
        case .nonDigit(let position):
            "Character \(position) of the resident ID number is not a digit; only the last character may be X."
        case .invalidBirthDate:
            "Characters 7 to 14 of the resident ID number must be a real birth date (YYYYMMDD)."
        case .birthDateInFuture:
            "The birth date in the resident ID number is in the future."
        case .checkCharacterMismatch:
            "The resident ID number does not add up (its last character does not match the others); one of the characters was probably mistyped."
        }
    }

    /// The plain-language message.
    public var description: String { message }
}
