import Foundation
import Hummingbird
import Logging
import Model
import Postgres
import Services
import Storage

/// What the API needs from the rest of the system.
public struct APIDependencies: Sendable {
    public let postgres: PostgresPool
    public let filing: FilingService
    public let cases: CaseQueries
    public let prequalifications: PrequalificationService
    public let actions: CaseActions
    public let fundCentres: FundCentres

    /// `paymentDay` is the unified pension payment day (`PENSION_PAYMENT_DAY`).
    public init(postgres: PostgresPool, filing: FilingService, paymentDay: PensionPaymentDay = .init(dayOfMonth: 15)!) {
        self.postgres = postgres
        self.filing = filing
        self.cases = CaseQueries(postgres: postgres)
        self.prequalifications = PrequalificationService(postgres: postgres)
        self.fundCentres = FundCentres(postgres: postgres)
        self.actions = CaseActions(postgres: postgres, queue: filing.queue, calendar: filing.calendar,
                                   paymentDay: paymentDay, now: filing.now)
    }
}

/// The `/api/v1` routes of API.md.
enum APIRoutes {
    static func add(to router: Router<BasicRequestContext>, dependencies: APIDependencies, logger: Logger) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        api.get("prequalifications/:idNumber") { request, context in
            let caller = try await authenticate(request, dependencies)
            let idNumber = try context.parameters.require("idNumber")
            guard let record = try await dependencies.prequalifications.find(
                idNumber, name: request.uri.queryParameters.get("name"), by: caller)
            else { throw ServiceError.notFound("No pre-qualification for this person is within your reach.") }
            return JSONResponse.make(PrequalificationBody(record))
        }

        api.put("prequalifications/:idNumber") { request, context in
            let caller = try await authenticate(request, dependencies)
            guard caller.role == .operator else { throw ServiceError.notFound() }
            let text = try context.parameters.require("idNumber")
            let idNumber: ResidentID
            do {
                idNumber = try ResidentID(parsing: text)
            } catch let error as ResidentIDError {
                throw ServiceError(.invalidIDNumber, error.message, field: "idNumber")
            }
            let input = try await RequestDecoding.decode(PrequalificationInput.self, from: request)
            let record = try validate(input, idNumber: idNumber)
            let stored = try await dependencies.prequalifications.put(record, organisationKind: input.organisationKind, by: caller)
            return JSONResponse.make(PrequalificationBody(stored))
        }

        api.get("calendar/:year") { request, context in
            _ = try await authenticate(request, dependencies)
            let text = try context.parameters.require("year")
            guard text.count == 4, let year = Int(text), (1990...2200).contains(year) else {
                throw ServiceError(.invalidField, "year must be a four-digit year, e.g. 2027.", field: "year")
            }
            guard let found = dependencies.filing.calendar.year(year) else {
                throw ServiceError.notFound("No working-day calendar for \(year): a year before 2025 needs the State Council's notice as a file in CALENDAR_DIR.")
            }
            return JSONResponse.make(CalendarBody(found))
        }

        api.get("fund-centres") { request, _ in
            _ = try await authenticate(request, dependencies)
            return JSONResponse.make(try await dependencies.fundCentres.all().map { FundCentreBody(code: $0.code, name: $0.name) })
        }

        api.post("cases") { request, _ in
            let caller = try await authenticate(request, dependencies)
            let body = try await RequestDecoding.decode(FilingRequest.self, from: request)
            let filed = try await dependencies.filing.file(
                body, by: caller, idempotencyKey: request.headers[.init("Idempotency-Key")!])
            return JSONResponse.make(CaseBody(record: filed.record, events: nil, warnings: filed.warnings, now: dependencies.filing.now()),
                                     status: filed.created ? .created : .ok)
        }

        api.get("cases") { request, _ in
            let caller = try await authenticate(request, dependencies)
            let query = request.uri.queryParameters
            var status: CaseStatus?
            if let text = query.get("status"), !text.isEmpty {
                guard let parsed = CaseStatus(rawValue: text) else {
                    throw ServiceError(.invalidField, "status must be one of inProgress, actionRequired, completed, closed.",
                                       field: "status")
                }
                status = parsed
            }
            var limit = 20
            if let text = query.get("limit") {
                guard let parsed = Int(text), (1...100).contains(parsed) else {
                    throw ServiceError(.invalidField, "limit must be a whole number from 1 to 100.", field: "limit")
                }
                limit = parsed
            }
            let cursor = query.get("cursor").flatMap { $0.isEmpty ? nil : $0 }
            let page = try await dependencies.cases.list(by: caller, status: status, limit: limit, cursor: cursor)
            return JSONResponse.make(CaseListBody(cases: page.cases.map(CaseSummaryBody.init), nextCursor: page.nextCursor))
        }

        api.get("cases/:caseNo") { request, context in
            let caller = try await authenticate(request, dependencies)
            let caseNo = try context.parameters.require("caseNo")
            let include = request.uri.queryParameters.get("include") ?? ""
            guard include.isEmpty || include == "events" else {
                throw ServiceError(.invalidField, "include may only be events.", field: "include")
            }
            guard let (record, events) = try await dependencies.cases.find(caseNo, by: caller, includeEvents: include == "events") else {
                throw ServiceError.notFound("No case with this number is within your reach.")
            }
            return JSONResponse.make(CaseBody(record: record, events: events, warnings: nil, now: dependencies.filing.now()))
        }

        api.post("cases/:caseNo/real-name-check") { request, context in
            let caller = try await authenticate(request, dependencies)
            let caseNo = try context.parameters.require("caseNo")
            let input = try await RequestDecoding.decode(RealNameInput.self, from: request, emptyAs: "{}")
            var verifiedAt: Date?
            if let text = input.verifiedAt {
                guard let parsed = try? Date(text, strategy: .iso8601) else {
                    throw ServiceError(.invalidField, "verifiedAt must be an RFC 3339 time, e.g. 2025-08-01T09:30:00Z.",
                                       field: "verifiedAt")
                }
                verifiedAt = parsed
            }
            let record = try await dependencies.actions.confirmRealName(caseNo: caseNo, verifiedAt: verifiedAt, by: caller)
            return JSONResponse.make(CaseBody(record: record, events: nil, warnings: nil, now: dependencies.filing.now()))
        }

        api.post("cases/:caseNo/tasks/:item/retrigger") { request, context in
            let caller = try await authenticate(request, dependencies)
            let task = try await dependencies.actions.retrigger(
                caseNo: try context.parameters.require("caseNo"), item: try context.parameters.require("item"), by: caller)
            return JSONResponse.make(TaskBody(task, now: dependencies.filing.now()), status: .accepted)
        }

        api.post("cases/:caseNo/tasks/:item/abandon") { request, context in
            let caller = try await authenticate(request, dependencies)
            let input = try await RequestDecoding.decode(AbandonInput.self, from: request, emptyAs: "{}")
            let task = try await dependencies.actions.abandon(
                caseNo: try context.parameters.require("caseNo"), item: try context.parameters.require("item"),
                reason: input.reason, by: caller)
            return JSONResponse.make(TaskBody(task, now: dependencies.filing.now()))
        }
    }

    /// The caller behind `Authorization: Bearer <token>`; 401 otherwise.
    static func authenticate(_ request: Request, _ dependencies: APIDependencies) async throws -> Caller {
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer "
        else {
            throw ServiceError(.unauthorized, "Send your API token: Authorization: Bearer <token>.")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, token.count <= 200,
              let caller = try await dependencies.postgres.withConnection({ try TokenStore.authenticate(token, on: $0) })
        else {
            throw ServiceError(.unauthorized, "The token is not valid or has been revoked.")
        }
        return caller
    }

    static func validate(_ input: PrequalificationInput, idNumber: ResidentID) throws -> Prequalification {
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 64 else {
            throw ServiceError(.invalidField, "name must be 1 to 64 characters.", field: "name")
        }
        let organisation = input.organisation.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !organisation.isEmpty, organisation.count <= 64 else {
            throw ServiceError(.invalidField, "organisation must be 1 to 64 characters.", field: "organisation")
        }
        for (field, value) in [("contributionMonths", input.contributionMonths), ("deemedMonths", input.deemedMonths),
                               ("medicalContributionMonths", input.medicalContributionMonths)] {
            guard (0...1200).contains(value) else {
                throw ServiceError(.invalidField, "\(field) must be from 0 to 1200.", field: field)
            }
        }
        if let centre = input.fundCentre, centre.count > 64 {
            throw ServiceError(.invalidField, "fundCentre must be at most 64 characters.", field: "fundCentre")
        }
        var planned: LocalDate?
        if let text = input.plannedRetirementDate {
            guard let date = LocalDate(text), (1990...2200).contains(date.year) else {
                throw ServiceError(.invalidField, "plannedRetirementDate must be a date, YYYY-MM-DD.", field: "plannedRetirementDate")
            }
            planned = date
        }
        return Prequalification(
            idNumber: idNumber, name: name, category: input.category, organisation: organisation,
            organisationKind: input.organisationKind ?? .employer, passed: input.passed,
            contributionMonths: input.contributionMonths, deemedMonths: input.deemedMonths,
            medicalContributionMonths: input.medicalContributionMonths, fundCentre: input.fundCentre,
            fundAccountFrozen: input.fundAccountFrozen ?? false, householdRegistered: input.householdRegistered ?? true,
            onlyChildParent: input.onlyChildParent ?? false, plannedRetirementDate: planned)
    }
}
