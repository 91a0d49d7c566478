import Foundation
import Model

/// The JSON the HTTP adapter sends to an agency and the answer it expects (see
/// `docs/agency-api.md`): `POST {base URL}/tasks`.
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
                    onlyChildParent: p.onlyChildParent))
        }
    }

    /// `{"outcome": "succeeded", "result": "..."}` or `{"outcome": "conditionNotMet", "reason": "..."}`.
    public struct Response: Codable, Sendable, Equatable {
        public var outcome: String
        public var result: String?
        public var reason: String?

        public init(_ answer: AgencyOutcome) {
            switch answer {
            case .succeeded(let text): outcome = "succeeded"; result = text; reason = nil
            case .conditionNotMet(let text): outcome = "conditionNotMet"; result = nil; reason = text
            }
        }

        public var agencyOutcome: AgencyOutcome? {
            switch outcome {
            case "succeeded": .succeeded(result: result ?? "")
            case "conditionNotMet": reason.map { .conditionNotMet(reason: $0) }
            default: nil
            }
        }
    }
}
