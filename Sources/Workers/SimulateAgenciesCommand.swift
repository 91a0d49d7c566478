import Agencies
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Model
import Runtime
import Services

/// `workers simulate-agencies`: the simulator behind the HTTP contract of `docs/agency-api.md`, so
/// `AGENCY_MODE=http` can be run end to end with no outside system. Same rules, same ledger.
struct SimulateAgenciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-agencies",
        abstract: "Serve the agency simulator over HTTP: POST /{hr|social|medical|fund}/tasks, /police/household-checks, /health/notices.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Port to listen on (env SIMULATOR_PORT, default 9100).")
    var port: Int?

    @Option(help: "Address to bind (env SIMULATOR_HOST, default 127.0.0.1).")
    var host: String?

    func run() async throws {
        LoggingSetup.bootstrap(level: try connection.logLevel)
        let logger = Logger(label: "agency-simulator")
        let port = try port ?? Environment.integer("SIMULATOR_PORT") ?? 9100
        let host = host ?? Environment.value("SIMULATOR_HOST") ?? "127.0.0.1"
        let now = ProcessClock.fromEnvironment(logger: logger)
        let infrastructure = try Infrastructure(options: connection, applicationName: "agency-simulator")
        try await infrastructure.migrate(logger: logger)
        let simulator = try SimulatorSettings.simulator(ledger: PostgresEffectLedger(postgres: infrastructure.postgres), now: now)

        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.post("/:agency/tasks") { request, context -> Response in
            guard let agency = context.parameters.get("agency").flatMap(Agency.init(rawValue:)) else {
                return Self.answer(.notFound, ["error": "no such agency"])
            }
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            guard let wire = try? JSONDecoder().decode(AgencyWire.Request.self, from: Data(body.readableBytesView)),
                  let work = wire.agencyRequest
            else { return Self.answer(.badRequest, ["error": "the body is not an agency task request"]) }
            guard work.item.agency == agency else {
                return Self.answer(.unprocessableContent, ["error": "\(work.item.rawValue) is not an item of \(agency.rawValue)"])
            }
            switch await simulator.perform(batch: [work])[0] {
            case .success(let outcome):
                return Self.answer(.ok, AgencyWire.Response(outcome))
            case .failure(let error):
                logger.notice("simulated agency fault", metadata: ["agency": "\(agency.rawValue)", "error": "\(type(of: error))"])
                return Self.answer(.serviceUnavailable, ["error": "try again later"])
            }
        }
        // The checks made while a filer waits, answered from the pre-qualification as the simulator's rules say.
        router.post("/police/household-checks") { request, _ -> Response in
            guard let body = try await Self.decode(AgencyWire.HouseholdCheckRequest.self, request),
                  let record = try await Self.prequalification(body.idNumber, infrastructure)
            else { return Self.answer(.badRequest, ["error": "the body is not a household check of a known person"]) }
            return Self.answer(.ok, AgencyWire.HouseholdCheckResponse(try await simulator.checkHousehold(record)))
        }
        router.post("/health/notices") { request, _ -> Response in
            guard let body = try await Self.decode(AgencyWire.NoticeRequest.self, request),
                  let id = try? ResidentID(parsing: body.idNumber)
            else { return Self.answer(.badRequest, ["error": "the body is not a notice request"]) }
            let record = Prequalification(idNumber: id, name: body.name, category: .male, organisation: "", passed: true,
                                          contributionMonths: 0, deemedMonths: 0, medicalContributionMonths: 0,
                                          fundCentre: nil, fundAccountFrozen: false, householdRegistered: true,
                                          onlyChildParent: body.onlyChildParent)
            return Self.answer(.ok, AgencyWire.NoticeResponse(text: try await simulator.healthNotice(record).text))
        }
        let app = Application(router: router,
                              configuration: .init(address: .hostname(host, port: port), serverName: "agency-simulator"),
                              logger: logger)
        logger.info("agency simulator listening", metadata: ["port": "\(port)"])
        try await app.runService()
        await infrastructure.shutdown()
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        return try? JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// The pre-qualification the police check is answered from (the simulated household register).
    static func prequalification(_ idNumber: String, _ infrastructure: Infrastructure) async throws -> Prequalification? {
        guard let id = try? ResidentID(parsing: idNumber) else { return nil }
        return try await PrequalificationService(postgres: infrastructure.postgres).record(id)
    }

    static func answer(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
