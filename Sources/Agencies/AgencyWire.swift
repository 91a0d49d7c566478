import Foundation
import Model

/// The JSON the HTTP adapter sends to an agency and the answer it expects (see
/// `docs/agency-api.md`): `POST {base URL}/tasks`, and at filing `POST {police}/household-checks`
/// and `POST {health}/notices`.
public enum AgencyWire {
    public struct Request: Codable, Sendable, Equatable {
        /// The task's id; also the idempotency key, stable for the task's whole life.
        public var taskId: String
        public var idempotencyKey: String
        public var item: String
        public var caseNo: String
        public var retirementDate: LocalDate
        public var retiree: Retiree
        public var prequalification: PrequalificationData
        /// `fund.*` only: the filer's choice of action and centre.
        public var housingFund: AgencyRequest.HousingFund?
        /// `fund.extraction` only: the retiree's own account, number in full.
        public var bankAccount: BankAccount?

        public struct Retiree: Codable, Sendable, Equatable {
            public var name: String
            public var idNumber: String
            public var category: RetirementCategory
        }

        public struct PrequalificationData: Codable, Sendable, Equatable {
            public var organisation: String
            public var passed: Bool
            public var contributionMonths: Int
            public var deemedMonths: Int
            public var medicalContributionMonths: Int
            public var fundCentre: String?
            public var fundAccountFrozen: Bool
            public var householdRegistered: Bool
            public var onlyChildParent: Bool
        }

        public init(_ request: AgencyRequest) {
            let record = request.prequalification
            taskId = request.idempotencyKey
            idempotencyKey = request.idempotencyKey
            item = request.item.rawValue
            caseNo = request.caseNo
            retirementDate = request.retirementDate
            retiree = Retiree(name: record.name, idNumber: record.idNumber.number, category: record.category)
            prequalification = PrequalificationData(
                organisation: record.organisation, passed: record.passed, contributionMonths: record.contributionMonths,
                deemedMonths: record.deemedMonths, medicalContributionMonths: record.medicalContributionMonths,
                fundCentre: record.fundCentre, fundAccountFrozen: record.fundAccountFrozen,
                householdRegistered: record.householdRegistered, onlyChildParent: record.onlyChildParent)
            housingFund = request.housingFund
            bankAccount = request.bankAccount
        }

        /// The engine's request again (the simulator serving over HTTP); nil when the item or ID is not valid.
        public var agencyRequest: AgencyRequest? {
            guard let item = Item(rawValue: item), let id = try? ResidentID(parsing: retiree.idNumber) else { return nil }
            let p = prequalification
            return AgencyRequest(
                idempotencyKey: idempotencyKey, item: item, caseNo: caseNo, retirementDate: retirementDate,
                prequalification: Prequalification(
                    idNumber: id, name: retiree.name, category: retiree.category, organisation: p.organisation,
                    passed: p.passed, contributionMonths: p.contributionMonths, deemedMonths: p.deemedMonths,
                    medicalContributionMonths: p.medicalContributionMonths, fundCentre: p.fundCentre,
                    fundAccountFrozen: p.fundAccountFrozen, householdRegistered: p.householdRegistered,
                    onlyChildParent: p.onlyChildParent),
                housingFund: housingFund,
                bankAccount: bankAccount)
        }
    }

    /// `{"outcome": "succeeded", "result": {…}}` or `{"outcome": "conditionNotMet", "reason": "…"}`.
    public struct Response: Codable, Sendable, Equatable {
        public var outcome: String
        public var result: TaskResult?
        public var reason: String?

        public init(_ answer: AgencyOutcome) {
            switch answer {
            case .succeeded(let value): outcome = "succeeded"; result = value; reason = nil
            case .conditionNotMet(let text): outcome = "conditionNotMet"; result = nil; reason = text
            }
        }

        public var agencyOutcome: AgencyOutcome? {
            switch outcome {
            case "succeeded": .succeeded(result: result)
            case "conditionNotMet": reason.map { .conditionNotMet(reason: String($0.prefix(500))) }
            default: nil
            }
        }
    }

    /// `POST {police}/household-checks`: is the retiree's household registration confirmed?
    public struct HouseholdCheckRequest: Codable, Sendable, Equatable {
        public var idNumber: String
        public var name: String
        public init(idNumber: String, name: String) {
            self.idNumber = idNumber
            self.name = name
        }
    }

    /// `{"registered": true}` or `{"registered": false, "reason": "…"}`.
    public struct HouseholdCheckResponse: Codable, Sendable, Equatable {
        public var registered: Bool
        public var reason: String?
        public init(_ check: HouseholdCheck) {
            switch check {
            case .registered: registered = true; reason = nil
            case .notRegistered(let text): registered = false; reason = text
            }
        }
        public var householdCheck: HouseholdCheck {
            registered ? .registered
                : .notRegistered(reason: String((reason ?? "The public-security household check could not confirm the retiree's household registration.").prefix(500)))
        }
    }

    /// `POST {health}/notices`: what the health commission tells this filer.
    public struct NoticeRequest: Codable, Sendable, Equatable {
        public var idNumber: String
        public var name: String
        public var onlyChildParent: Bool
        public init(idNumber: String, name: String, onlyChildParent: Bool) {
            self.idNumber = idNumber
            self.name = name
            self.onlyChildParent = onlyChildParent
        }
    }

    /// `{"text": "…"}`.
    public struct NoticeResponse: Codable, Sendable, Equatable {
        public var text: String
        public init(text: String) { self.text = text }
    }
}
