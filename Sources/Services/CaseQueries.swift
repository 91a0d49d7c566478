import Foundation
import Model
import Postgres
import Storage

/// Reading cases within the caller's reach; anything outside it is simply not found.
public struct CaseQueries: Sendable {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// One case with, if asked, its events; nil when it does not exist or is not the caller's to see.
    public func find(_ caseNo: String, by caller: Caller, includeEvents: Bool) async throws -> (CaseRecord, [EventRecord]?)? {
        guard caseNo.count <= 40 else { return nil }
        return try await postgres.withConnection { db in
            guard let record = try CaseStore.find(caseNo: caseNo, on: db),
                  caller.canSee(organisation: record.organisation, idNumber: record.retireeIDNumber)
            else { return nil }
            return (record, includeEvents ? try CaseStore.events(caseID: record.id, on: db) : nil)
        }
    }

    /// A page of the caller's cases, newest first, and the cursor of the next page.
    public func list(by caller: Caller, status: CaseStatus?, limit: Int, cursor: String?) async throws -> (cases: [CaseSummary], nextCursor: String?) {
        var before: Int?
        if let cursor {
            guard let seq = Self.decodeCursor(cursor) else {
                throw ServiceError(.invalidField, "The cursor is not one this API gave out; start again without it.", field: "cursor")
            }
            before = seq
        }
        let scope: CaseScope = switch caller.role {
        case .operator: .all
        case .agent: .organisation(caller.organisation ?? "")
        case .individual: .retiree(caller.idNumber ?? "")
        }
        let page = try await postgres.withConnection { [before] db in
            try CaseStore.list(scope: scope, status: status, limit: limit + 1, beforeSeq: before, on: db)
        }
        let cases = Array(page.prefix(limit))
        let next = page.count > limit ? cases.last.map { Self.encodeCursor($0.seq) } : nil
        return (cases, next)
    }

    public static func encodeCursor(_ seq: Int) -> String { "c\(String(seq, radix: 36))" }

    public static func decodeCursor(_ cursor: String) -> Int? {
        guard cursor.hasPrefix("c"), cursor.count <= 16, let seq = Int(cursor.dropFirst(), radix: 36), seq > 0 else { return nil }
        return seq
    }
}

/// Pre-qualifications: operators register them; filers look them up within their reach.
public struct PrequalificationService: Sendable {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// The record if the caller may see it and, when a name is given, it matches.
    public func find(_ idNumber: String, name: String?, by caller: Caller) async throws -> Prequalification? {
        guard let id = try? ResidentID(parsing: idNumber) else {
            throw ServiceError(.invalidIDNumber, "The resident ID number is not valid: check its 18 characters.", field: "idNumber")
        }
        guard let record = try await postgres.withConnection({ try PrequalificationStore.find(id, on: $0) }),
              caller.canSee(organisation: record.organisation, idNumber: id.number),
              name.map({ $0.trimmingCharacters(in: .whitespaces) == record.name }) ?? true
        else { return nil }
        return record
    }

    /// The record for a person, whoever may see it (for the simulated police register).
    public func record(_ idNumber: ResidentID) async throws -> Prequalification? {
        try await postgres.withConnection { try PrequalificationStore.find(idNumber, on: $0) }
    }

    /// Registers or replaces a record (operators only; others are told it is not found) after the
    /// rules of ``Prequalification/validate()``; returns it as stored (with its organisation's kind).
    public func put(_ record: Prequalification, organisationKind: OrganisationKind?, by caller: Caller) async throws -> Prequalification {
        guard caller.role == .operator else { throw ServiceError.notFound() }
        switch record.validate() {
        case nil: break
        case .categoryDoesNotFitSex:
            throw ServiceError(.invalidField, "The category does not fit the ID number: men are male; women are femaleCadre or femaleWorker.",
                               field: "category")
        case .plannedDateOutsideWindow(let window):
            throw ServiceError(.invalidField,
                               "A flexible retirement date must lie from \(window.lowerBound.iso8601) to \(window.upperBound.iso8601) (at most 36 months either side of the statutory date, never before the original age).",
                               field: "plannedRetirementDate")
        case .earlyWithoutMinimumContribution(let minimum):
            throw ServiceError(.invalidField,
                               "Retiring before the statutory date needs at least \(minimum) months of contributions (actual plus deemed).",
                               field: "plannedRetirementDate")
        }
        do {
            let stored = try await postgres.withConnection {
                try PrequalificationStore.upsert(record, organisationKind: organisationKind, on: $0)
            }
            var result = record
            result.organisationKind = stored.organisationKind
            return result
        } catch PrequalificationStore.Refusal.unknownFundCentre {
            throw ServiceError(.invalidField, "Unknown housing-fund centre: use a code of GET /api/v1/fund-centres.", field: "fundCentre")
        } catch let error as OrganisationStore.KindDiffers {
            throw ServiceError(.invalidField, "This organisation is registered as \(error.registered.rawValue); its kind cannot change here.",
                               field: "organisationKind")
        }
    }
}

/// The province's housing-fund centres, as data.
public struct FundCentres: Sendable {
    public let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// Every centre, by code.
    public func all() async throws -> [(code: String, name: String)] {
        try await postgres.withConnection { try FundCentreStore.all(on: $0) }
    }
}
