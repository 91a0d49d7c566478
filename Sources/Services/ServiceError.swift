/// A refusal a caller can act on: an API error code, a plain-language message, the field at fault.
///
/// Messages never contain a full ID or account number.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidField = "invalid_field"
        case invalidIDNumber = "invalid_id_number"
        case prequalificationNotFound = "prequalification_not_found"
        case tooEarly = "too_early"
        case householdCheckFailed = "household_check_failed"
        case fundCentreRequired = "fund_centre_required"
        case bankAccountInvalid = "bank_account_invalid"
        case bankHolderMismatch = "bank_holder_mismatch"
        case duplicateCase = "duplicate_case"
        case notRetriggerable = "not_retriggerable"
        case notAbandonable = "not_abandonable"
        case realNameNotRequired = "real_name_not_required"
        case realNameDeadlinePassed = "real_name_deadline_passed"
        case unauthorized
        case notFound = "not_found"
        case payloadTooLarge = "payload_too_large"
        case rateLimited = "rate_limited"
        case wrongFiler = "wrong_filer"
        case notSealed = "not_sealed"
        case agencyUnavailable = "agency_unavailable"
    }

    public var code: Code
    public var message: String
    public var field: String?
    /// Extra members of the error body (`earliestDate`, `caseNo`).
    public var extra: [String: String]
    /// Seconds after which trying again may succeed (`Retry-After`, for `agency_unavailable`).
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, extra: [String: String] = [:],
                retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func notFound(_ what: String = "No such record, or it is not yours to see.") -> ServiceError {
        ServiceError(.notFound, what)
    }
}
