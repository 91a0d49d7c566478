/// The retiree's own bank account, for the housing-fund extraction. Its coded form (`bank`,
/// `accountNumber`, `holderName`) is the agency contract's `bankAccount`: the number in full.
public struct BankAccount: Sendable, Hashable, Codable {
    public var bank: String
    public var accountNumber: String
    public var holderName: String

    public init(bank: String, accountNumber: String, holderName: String) {
        self.bank = bank
        self.accountNumber = accountNumber
        self.holderName = holderName
    }

    /// Digits only, 16 to 19 of them (UnionPay cards start with 62).
    public static func isWellFormed(_ number: String) -> Bool {
        (16...19).contains(number.count) && number.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The Luhn check. Some real cards fail it, so a failure is a warning, never a rejection.
    public static func passesLuhn(_ number: String) -> Bool {
        let digits = number.compactMap { $0.wholeNumberValue }
        guard digits.count == number.count, !digits.isEmpty else { return false }
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            if index % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// The number with all but its last four digits hidden.
    public static func mask(_ number: String) -> String {
        guard number.count > 4 else { return String(repeating: "*", count: number.count) }
        return String(repeating: "*", count: number.count - 4) + number.suffix(4)
    }

    /// What may be shown: the number masked.
    public var masked: String { Self.mask(accountNumber) }
}
