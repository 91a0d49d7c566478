/// A validated 18-character resident ID number (居民身份证号码).
///
/// Parsing checks length, digits, a real birth date and the ISO 7064 MOD 11-2 check character.
/// The number is personal data: `description`, `debugDescription` and the reflection mirror all
/// show only the masked form (`220102********0036`), so string interpolation, `print` and `dump`
/// cannot leak it. The full number is reachable only through ``number``, deliberately, for storage
/// and for calls to agencies.
public struct ResidentID: Sendable, Hashable {
    /// The full, normalised number (upper-case X). Personal data: never log or display it.
    public let number: String
    /// The 6-digit administrative region code of first registration.
    public let regionCode: String
    /// The birth date encoded in characters 7–14.
    public let birthDate: LocalDate
    /// The 3-digit sequence number (characters 15–17).
    public let sequence: Int

    /// The weights applied to the first 17 digits.
    public static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// The check character for each value of the weighted sum mod 11.
    public static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Parses and validates a number.
    ///
    /// Surrounding whitespace is ignored and a lower-case `x` is accepted and stored as `X`.
    /// - Parameter today: when given, a birth date after it is rejected.
    public init(parsing text: String, today: LocalDate? = nil) throws(ResidentIDError) {
        let characters = Array(text.trimmingWhitespace())
        guard characters.count == 18 else { throw .wrongLength(found: characters.count) }
        var digits: [Int] = []
        digits.reserveCapacity(17)
        for (index, character) in characters.prefix(17).enumerated() {
            guard let digit = Self.asciiDigit(character) else { throw .nonDigit(position: index + 1) }
            digits.append(digit)
        }
        let last = characters[17] == "x" ? "X" : characters[17]
        guard last == "X" || Self.asciiDigit(last) != nil else { throw .nonDigit(position: 18) }

        let birthYear = digits[6...9].reduce(0) { $0 * 10 + $1 }
        let birthMonth = digits[10...11].reduce(0) { $0 * 10 + $1 }
        let birthDay = digits[12...13].reduce(0) { $0 * 10 + $1 }
        guard birthYear >= 1900, let birthDate = LocalDate(year: birthYear, month: birthMonth, day: birthDay)
        else { throw .invalidBirthDate }
        if let today, birthDate > today { throw .birthDateInFuture }

        guard Self.checkCharacter(forDigits: digits) == last else { throw .checkCharacterMismatch }

        let normalised = String(characters.prefix(17)) + String(last)
        self.number = normalised
        self.regionCode = String(characters.prefix(6))
        self.birthDate = birthDate
        self.sequence = digits[14...16].reduce(0) { $0 * 10 + $1 }
    }

    /// The sex encoded in the sequence number: odd is male, even is female.
    public var sex: Sex { sequence % 2 == 1 ? .male : .female }

    /// The first 6 characters, 8 asterisks, and the last 4: `220102********0036`.
    public var masked: String { Self.mask(number) }

    /// The masked form of a stored number: 18 ASCII characters shown as above (on UTF-8 bytes: the
    /// operator pages mask thousands a second); anything else hidden entirely.
    public static func mask(_ number: String) -> String {
        let bytes = Array(number.utf8)
        guard bytes.count == 18, bytes.allSatisfy({ $0 < 0x80 }) else { return String(repeating: "*", count: number.count) }
        return String(decoding: bytes[0..<6], as: UTF8.self) + "********" + String(decoding: bytes[14..<18], as: UTF8.self)
    }

    /// The check character for the first 17 characters of a number, or `nil` when they are not
    /// exactly 17 ASCII digits. Useful for building valid test numbers.
    public static func checkCharacter(for first17: String) -> Character? {
        let digits = first17.compactMap(asciiDigit)
        guard first17.count == 17, digits.count == 17 else { return nil }
        return checkCharacter(forDigits: digits)
    }

    private static func checkCharacter(forDigits digits: [Int]) -> Character {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    private static func asciiDigit(_ character: Character) -> Int? {
        guard let ascii = character.asciiValue, ascii >= UInt8(ascii: "0"), ascii <= UInt8(ascii: "9")
        else { return nil }
        return Int(ascii - UInt8(ascii: "0"))
    }
}

extension ResidentID: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The masked form, so that accidental interpolation or logging never leaks the number.
    public var description: String { masked }
    /// The masked form.
    public var debugDescription: String { "ResidentID(\(masked))" }
    /// A mirror showing only the masked form, so `dump` does not leak the number either.
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
