import Agencies
import Foundation
import Logging
import Model
import Postgres
import Storage

/// Files a case: checks every rule, writes the case and all its tasks in one transaction, then
/// publishes the tasks that wait for nothing.
public struct FilingService: Sendable {
    public let postgres: PostgresPool
    public let queue: any TaskQueue
    public let agencies: any AgencyGateway
    public let calendar: WorkingDayCalendar
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(postgres: PostgresPool, queue: any TaskQueue, agencies: any AgencyGateway,
                calendar: WorkingDayCalendar, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.queue = queue
        self.agencies = agencies
        self.calendar = calendar
        self.logger = logger
        self.now = now
    }

    /// The outcome of a filing: the case, whether it was made now (201) or replayed (200), and warnings.
    public struct Filed: Sendable {
        public var record: CaseRecord
        public var created: Bool
        public var warnings: [String]
    }

    public func file(_ request: FilingRequest, by caller: Caller, idempotencyKey: String?) async throws -> Filed {
        guard let filer: FilerKind = switch caller.role {
            case .agent: .agent
            case .individual: .individual
            case .operator: nil
        } else {
            throw ServiceError(.invalidField, "Operators do not file cases: the employer's agent or the retiree files.")
        }
        if filer == .agent, let kind = caller.organisationKind, WhoFiles.agentMayFile(kind) != nil {
            throw Self.wrongFiler(.archiveAgent)
        }
        guard let tokenID = UUID(uuidString: caller.tokenID) else { throw ServiceError(.unauthorized, "The token is not valid.") }
        if let key = idempotencyKey {
            guard !key.isEmpty, key.count <= 200 else {
                throw ServiceError(.invalidField, "Idempotency-Key must be 1 to 200 characters.", field: "Idempotency-Key")
            }
        }
        let fingerprint = Self.fingerprint(request)
        if let key = idempotencyKey, let replay = try await replay(token: tokenID, key: key, fingerprint: fingerprint) {
            return replay
        }

        // The shape is right; now the rules, cheapest first.
        let name = request.retiree.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 64 else {
            throw ServiceError(.invalidField, "Give the retiree's name as on the ID card (1 to 64 characters).",
                               field: "retiree.name")
        }
        let today = LocalDate(now(), utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        let idNumber: ResidentID
        do {
            idNumber = try ResidentID(parsing: request.retiree.idNumber, today: today)
        } catch {
            throw ServiceError(.invalidIDNumber, error.message, field: "retiree.idNumber")
        }
        if filer == .individual, caller.idNumber != idNumber.number {
            throw ServiceError(.invalidField, "You can file only for yourself: use your own resident ID number.",
                               field: "retiree.idNumber")
        }
        let choices = request.choices
        guard choices.isCoherent else {
            throw ServiceError(.invalidField, "Extraction alone (extract) is a case of its own: leave the pension and medical items unticked, or choose sealAndExtract.",
                               field: "housingFund.action")
        }
        let fundCentre = try await validateFundCentre(request.housingFund, action: choices.housingFund)
        var warnings: [String] = []
        let bank = try validateBank(request.bankAccount, action: choices.housingFund, retireeName: name, warnings: &warnings)

        guard let prequalification = try await postgres.withConnection({ try PrequalificationStore.find(idNumber, on: $0) }),
              prequalification.passed, prequalification.name == name,
              filer == .individual || prequalification.organisation == caller.organisation
        else {
            throw ServiceError(.prequalificationNotFound,
                               "No passed retirement pre-check was found for this name and ID number. The employer or archive institution must pass the pre-check first.",
                               field: "retiree")
        }
        if filer == .individual, let refusal = WhoFiles.individualMayFile(prequalifiedBy: prequalification.organisationKind) {
            throw Self.wrongFiler(refusal)
        }
        let retirementDate = prequalification.retirementDate
        let earliest = prequalification.earliestFilingDate
        guard today >= earliest else {
            throw ServiceError(.tooEarly, "Too early: the case can be filed from \(earliest.iso8601), one month before the retirement date.",
                               extra: ["earliestDate": earliest.iso8601])
        }
        let items = ItemCatalogue.items(for: choices)
        if choices.isExtractionAlone {
            switch try await postgres.withConnection({ try CaseStore.fundAccount(retiree: idNumber.number, on: $0) }) {
            case .sealed: break
            case .notSealed:
                throw ServiceError(.notSealed, "Extraction alone needs a housing-fund account sealed by an earlier case; file sealAndExtract instead.",
                                   field: "housingFund.action")
            case .extracted:
                throw ServiceError(.notSealed, "The housing-fund balance has already been paid out by an earlier case; the account is closed.",
                                   field: "housingFund.action")
            }
        }
        if let open = try await postgres.withConnection({
            try CaseStore.openCase(retiree: idNumber.number, holdingAnyOf: items, on: $0)
        }) {
            return try await replayOrDuplicate(open, token: tokenID, key: idempotencyKey, fingerprint: fingerprint)
        }
        let household: HouseholdCheck
        do {
            household = try await agencies.checkHousehold(prequalification)
        } catch let error as TransientAgencyError {
            logger.warning("police household check unavailable; filing refused", metadata: ["error": "\(error)"])
            throw ServiceError(.agencyUnavailable,
                               "The public-security household check cannot be made right now, so nothing was filed. Try again in a minute.",
                               retryAfterSeconds: 60)
        }
        if case .notRegistered(let reason) = household {
            throw ServiceError(.householdCheckFailed, reason)
        }
        let notices = [try await agencies.healthNotice(prequalification)]

        let filedAt = now()
        let realNameRequired = RealNameCheck.isRequired(housingFund: choices.housingFund, filedBy: filer)
        let tasks = ItemCatalogue.initialTasks(for: choices, realNameCheckPending: realNameRequired).map { task in
            var dueBy: Date?
            if task.status == .queued {
                let answer = calendar.dueBy(timeLimitWorkingDays: ItemCatalogue.definition(of: task.item).timeLimitWorkingDays,
                                            from: filedAt)
                if answer.usedFallback {
                    logger.warning("working-day calendar has no data; counted weekends only",
                                   metadata: ["years": "\(answer.yearsWithoutData)"])
                }
                dueBy = answer.value
            }
            return TaskRecord(id: UUID(), item: task.item, agency: task.agency, status: task.status, attempt: 0,
                              dueBy: dueBy, nextAttemptAt: nil, lastError: nil, updatedAt: filedAt)
        }
        let record = CaseRecord(
            id: UUID(), seq: 0, caseNo: "", status: CaseStatus.derive(from: tasks.map(\.status)), filedAt: filedAt,
            filedBy: filer, filedByToken: tokenID,
            organisation: filer == .agent ? caller.organisation : prequalification.organisation,
            retireeIDNumber: idNumber.number, retireeName: name, sex: idNumber.sex, birthDate: idNumber.birthDate,
            category: prequalification.category, retirementDate: retirementDate, choices: choices, fundCentre: fundCentre,
            bankAccount: bank, realNameRequired: realNameRequired,
            realNameDeadline: realNameRequired
                ? RealNameCheck.deadline(retirementDate: retirementDate, filedOn: today, action: choices.housingFund) : nil,
            realNameDoneAt: nil, notices: notices, tasks: tasks)

        let inserted: CaseStore.Inserted
        do {
            inserted = try await postgres.transaction { db in
                try CaseStore.insert(record, idempotencyKey: idempotencyKey, fingerprint: fingerprint,
                                     actor: "\(filer.rawValue):\(caller.name)", on: db)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            // Lost a race: the same request retried at the same moment, or another case holding one of these items.
            if let open = try await postgres.withConnection({
                try CaseStore.openCase(retiree: idNumber.number, holdingAnyOf: items, on: $0)
            }) {
                return try await replayOrDuplicate(open, token: tokenID, key: idempotencyKey, fingerprint: fingerprint)
            }
            if let key = idempotencyKey, let replay = try await replay(token: tokenID, key: key, fingerprint: fingerprint) {
                return replay
            }
            throw error
        }
        do {
            try await queue.settle(Dispatch(publish: inserted.readyTasks.map { ($0.id, $0.agency, $0.attempt) }), acknowledging: [], of: nil)
        } catch {
            // Committed is committed: the reconciler republishes ready tasks that Redis never got.
            logger.warning("ready tasks not published; the reconciler will", metadata: ["caseNo": "\(inserted.caseNo)", "error": "\(error)"])
        }
        var stored = record
        stored.caseNo = inserted.caseNo
        if let fresh = try await postgres.withConnection({ try CaseStore.find(caseNo: inserted.caseNo, on: $0) }) {
            stored = fresh
        }
        logger.info("case filed", metadata: ["caseNo": "\(inserted.caseNo)", "tasks": "\(tasks.count)"])
        return Filed(record: stored, created: true, warnings: warnings)
    }

    /// The centre the filer chose: required unless the fund is left alone, and one of the province's
    /// centres (`GET /api/v1/fund-centres`).
    private func validateFundCentre(_ fund: FilingRequest.HousingFund?, action: HousingFundAction) async throws -> String? {
        guard action != .none else { return nil }
        let centre = fund?.centre?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !centre.isEmpty else {
            throw ServiceError(.fundCentreRequired, "Choose the housing-fund centre that holds the retiree's account.",
                               field: "housingFund.centre")
        }
        guard centre.count <= 32, try await postgres.withConnection({ try FundCentreStore.exists(centre, on: $0) }) else {
            throw ServiceError(.invalidField, "Unknown housing-fund centre: choose one of GET /api/v1/fund-centres (e.g. changchun).",
                               field: "housingFund.centre")
        }
        return centre
    }

    /// `wrong_filer`: this person's case is filed by someone else.
    static func wrongFiler(_ refusal: WhoFiles.Refusal) -> ServiceError {
        switch refusal {
        case .archiveAgent:
            ServiceError(.wrongFiler, "An archive institution's agent does not file: the flexible-employment person files their own case.")
        case .employeeFilesAlone:
            ServiceError(.wrongFiler, "An employee's case is filed by the employer whose agent passed the pre-check, not by the employee.",
                         field: "retiree")
        }
    }

    private func validateBank(_ bank: FilingRequest.Bank?, action: HousingFundAction, retireeName: String,
                              warnings: inout [String]) throws -> BankAccount? {
        guard action.extracts else {
            if bank != nil {
                throw ServiceError(.invalidField, "A bank account is needed only to extract the housing fund (sealAndExtract or extract); leave it out.",
                                   field: "bankAccount")
            }
            return nil
        }
        guard let bank else {
            throw ServiceError(.bankAccountInvalid, "Extraction pays into the retiree's own bank account: give the bank, account number and holder.",
                               field: "bankAccount")
        }
        let number = bank.accountNumber.replacingOccurrences(of: " ", with: "")
        guard BankAccount.isWellFormed(number) else {
            throw ServiceError(.bankAccountInvalid, "The account number must be 16 to 19 digits.",
                               field: "bankAccount.accountNumber")
        }
        let bankName = bank.bank.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !bankName.isEmpty, bankName.count <= 64 else {
            throw ServiceError(.bankAccountInvalid, "Give the bank's name (at most 64 characters).", field: "bankAccount.bank")
        }
        let holder = bank.holderName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard holder == retireeName else {
            throw ServiceError(.bankHolderMismatch, "The account must be in the retiree's own name: the holder differs from the retiree.",
                               field: "bankAccount.holderName")
        }
        if !BankAccount.passesLuhn(number) {
            warnings.append("The account number \(BankAccount.mask(number)) fails the card check digit; some real cards do, but please re-check it.")
        }
        return BankAccount(bank: bankName, accountNumber: number, holderName: holder)
    }

    private func replay(token: UUID, key: String, fingerprint: String) async throws -> Filed? {
        let earlier = try await postgres.withConnection { try CaseStore.byIdempotencyKey(token: token, key: key, on: $0) }
        guard let earlier else { return nil }
        guard earlier.fingerprint == fingerprint else {
            throw ServiceError(.invalidField, "This Idempotency-Key was already used with a different request; use a new key.",
                               field: "Idempotency-Key")
        }
        guard let record = try await postgres.withConnection({ try CaseStore.find(caseNo: earlier.caseNo, on: $0) }) else {
            return nil
        }
        return Filed(record: record, created: false, warnings: [])
    }

    /// A retiree's open case is a replay when this caller's key made it, and a duplicate otherwise.
    ///
    /// Checked again here because a retry may arrive while the first request is still committing.
    private func replayOrDuplicate(_ open: String, token: UUID, key: String?, fingerprint: String) async throws -> Filed {
        if let key, let replay = try await replay(token: token, key: key, fingerprint: fingerprint) {
            return replay
        }
        throw Self.duplicate(open)
    }

    private static func duplicate(_ caseNo: String) -> ServiceError {
        ServiceError(.duplicateCase, "This retiree already has a case in progress (\(caseNo)); follow that one.",
                     extra: ["caseNo": caseNo])
    }

    /// A stable fingerprint of the request (FNV-1a over its canonical JSON), to tell a replay from a reuse.
    static func fingerprint(_ request: FilingRequest) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(StableHash.fnv1a64((try? encoder.encode(request)) ?? Data()), radix: 16)
    }
}
