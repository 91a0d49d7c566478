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

    /// Registers or replaces a record (operators only; others are told it is not found).
    public func put(_ record: Prequalification, by caller: Caller) async throws {
        guard caller.role == .operator else { throw ServiceError.notFound() }
        try await postgres.withConnection { try PrequalificationStore.upsert(record, on: $0) }
    }
}
