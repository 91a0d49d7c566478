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
        abstract: "Serve the agency simulator over HTTP: POST /{hr|social|medical|fund}/tasks.")

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
        let app = Application(router: router,
                              configuration: .init(address: .hostname(host, port: port), serverName: "agency-simulator"),
                              logger: logger)
        logger.info("agency simulator listening", metadata: ["port": "\(port)"])
        try await app.runService()
        await infrastructure.shutdown()
    }

    static func answer(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
