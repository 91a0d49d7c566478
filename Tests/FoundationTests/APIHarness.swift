import Agencies
import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Model
import Postgres
import Runtime
import Storage
import TestSupport

/// One test's own API: a schema and a Redis key prefix of its own, a fixed clock, real servers.
final class APIHarness: Sendable {
    let schema: TestSchema
    let infrastructure: Infrastructure
    let keyPrefix: String
    let app: Application<RouterResponder<BasicRequestContext>>
    let dashboard: DashboardDependencies

    /// `now` is the clock the filing rules see (default 2025-11-30 10:00 Beijing time).
    /// `clock`, when given, replaces the fixed `now` (a test that moves time).
    /// `agencies`, when given, answers the filing checks (police, health) instead of the simulator.
    /// `databaseReadURL`, when given, is the replica the read-only pages read from.
    init(now: Date = Date(timeIntervalSince1970: 1_764_468_000), clock: (@Sendable () -> Date)? = nil,
         redisURL: String = TestEnvironment.redisURL, databaseURL: String = TestEnvironment.databaseURL,
         agencies: (any AgencyGateway)? = nil, databaseReadURL: String? = nil,
         readMaxLagSeconds: Double = 10) async throws {
        schema = try TestSchema("api", url: databaseURL)
        keyPrefix = TestEnvironment.uniqueName("api")
        infrastructure = try Infrastructure(databaseURL: databaseURL, redisURL: redisURL,
                                            keyPrefix: keyPrefix, databaseSchema: schema.name, postgresPoolSize: 4,
                                            redisPoolSize: 2, applicationName: "api-test",
                                            databaseReadURL: databaseReadURL, readMaxLagSeconds: readMaxLagSeconds)
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        try await infrastructure.migrate(logger: logger)
        let filing = try infrastructure.filingService(logger: logger, agencies: agencies ?? SimulatedAgencies(),
                                                      now: clock ?? { now })
        let api = APIDependencies(postgres: infrastructure.postgres, filing: filing)
        dashboard = DashboardDependencies.make(infrastructure: infrastructure, api: api, logger: logger)
        app = Application(router: DashboardRouter.make(infrastructure: infrastructure, api: api, dashboard: dashboard,
                                                       logger: logger))
    }

    func close() async {
        await infrastructure.shutdown()
        try? schema.drop()
    }

    /// Creates a token and returns it. `organisationKind` registers a new organisation as that kind
    /// (an employer when nil): `.archive` for an archive institution's agent, `.group` for a group's.
    func token(_ role: Caller.Role, organisation: String? = nil, organisationKind: OrganisationKind? = nil,
               idNumber: String? = nil) async throws -> String {
        try await infrastructure.postgres.withConnection { db in
            try TokenStore.create(role: role, name: "\(role.rawValue)-test", organisation: organisation,
                                  organisationKind: organisationKind, idNumber: idNumber, on: db)
        }
    }

    /// Registers a pre-qualification directly (the API's PUT is tested on its own).
    /// `organisationKind`: `.archive` for a flexible-employment person's record (they file themselves).
    func prequalify(_ idNumber: String, name: String, category: RetirementCategory = .male,
                    organisation: String = "acme", organisationKind: OrganisationKind? = nil, passed: Bool = true,
                    householdRegistered: Bool = true, onlyChildParent: Bool = false, fundAccountFrozen: Bool = false,
                    medicalContributionMonths: Int = 300, plannedRetirementDate: LocalDate? = nil) async throws {
        let record = Prequalification(
            idNumber: try ResidentID(parsing: idNumber), name: name, category: category, organisation: organisation,
            passed: passed, contributionMonths: 300, deemedMonths: 24, medicalContributionMonths: medicalContributionMonths,
            fundCentre: "changchun", fundAccountFrozen: fundAccountFrozen, householdRegistered: householdRegistered,
            onlyChildParent: onlyChildParent, plannedRetirementDate: plannedRetirementDate)
        try await infrastructure.postgres.withConnection {
            try PrequalificationStore.upsert(record, organisationKind: organisationKind, on: $0)
        }
    }

    /// Counts rows of a table in this test's schema.
    func count(_ table: String) async throws -> Int {
        precondition(["cases", "tasks", "events", "prequalifications"].contains(table))
        return try await infrastructure.postgres.query("SELECT count(*) AS n FROM \(table)").first!.decode(Int.self, "n")
    }

    /// The number of messages in an agency's stream under this test's key prefix.
    func streamLength(_ agency: String) async throws -> Int {
        let key = "\(keyPrefix):{\(agency)}:stream"
        return try await infrastructure.redis.command(["XLEN", key]).int ?? 0
    }

    /// A valid resident ID built from a birth date and a sequence (odd = male).
    static func residentID(region: String = "220102", birth: String, sequence: Int) -> String {
        let first17 = region + birth + String(format: "%03d", sequence)
        return first17 + String(ResidentID.checkCharacter(for: first17)!)
    }
}

/// Headers with a bearer token and a JSON content type.
func bearer(_ token: String, idempotencyKey: String? = nil) -> HTTPFields {
    var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
    if let idempotencyKey { fields[.init("Idempotency-Key")!] = idempotencyKey }
    return fields
}
