import Model

/// The body of `POST /api/v1/cases`, once it has the right JSON shape (rules are checked by `FilingService`).
public struct FilingRequest: Sendable, Codable, Equatable {
    public struct Retiree: Sendable, Codable, Equatable {
        public var name: String
        public var idNumber: String
        public init(name: String, idNumber: String) {
            self.name = name
            self.idNumber = idNumber
        }
    }

    public struct HousingFund: Sendable, Codable, Equatable {
        public var action: HousingFundAction
        public var centre: String?
        public init(action: HousingFundAction, centre: String? = nil) {
            self.action = action
            self.centre = centre
        }
    }

    public struct Bank: Sendable, Codable, Equatable {
        public var bank: String
        public var accountNumber: String
        public var holderName: String
        public init(bank: String, accountNumber: String, holderName: String) {
            self.bank = bank
            self.accountNumber = accountNumber
            self.holderName = holderName
        }
    }

    public var retiree: Retiree
    public var pensionBenefit: Bool?
    public var medicalTransfer: Bool?
    public var housingFund: HousingFund?
    public var bankAccount: Bank?

    public init(retiree: Retiree, pensionBenefit: Bool? = nil, medicalTransfer: Bool? = nil,
                housingFund: HousingFund? = nil, bankAccount: Bank? = nil) {
        self.retiree = retiree
        self.pensionBenefit = pensionBenefit
        self.medicalTransfer = medicalTransfer
        self.housingFund = housingFund
        self.bankAccount = bankAccount
    }

    var choices: FilingChoices {
        FilingChoices(pensionBenefit: pensionBenefit ?? false, medicalTransfer: medicalTransfer ?? false,
                      housingFund: housingFund?.action ?? .none)
    }
}
