import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Queue
import Runtime
import ServiceLifecycle

@main
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "The worker daemon: consumes agency queues and records every outcome in PostgreSQL.",
        subcommands: [Run.self, MigrateCommand.self],
        defaultSubcommand: Run.self
    )
}

extension WorkersCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the worker daemon until SIGTERM.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Comma-separated agencies to consume: hr,social,medical,fund (env WORKER_AGENCIES).")
        var agencies: String?

        @Option(help: "Concurrent tasks per agency (env WORKER_CONCURRENCY, default 8).")
        var concurrency: Int?

        @Option(name: .customLong("metrics-port"), help: "Port of the worker's /healthz (env METRICS_PORT, default 9090).")
        var metricsPort: Int?

        @Option(name: .customLong("metrics-host"), help: "Address of that endpoint (env METRICS_HOST, default 127.0.0.1).")
        var metricsHost: String?

        static let knownAgencies = ["hr", "social", "medical", "fund"]

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let logger = Logger(label: "workers")
            let agencyList = (agencies ?? Environment.value("WORKER_AGENCIES") ?? Self.knownAgencies.joined(separator: ","))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !agencyList.isEmpty, agencyList.allSatisfy(Self.knownAgencies.contains) else {
                throw ValidationError("--agencies takes a comma-separated list of hr, social, medical, fund")
            }
            let slots = try concurrency ?? Environment.integer("WORKER_CONCURRENCY") ?? 8
            guard slots > 0 else { throw ValidationError("--concurrency must be at least 1") }

            let infrastructure = try Infrastructure(options: connection, applicationName: "workers")
            try await infrastructure.migrate(logger: logger)

            let workerID = UUID().uuidString.lowercased()
            let host = ProcessInfo.processInfo.hostName
            let pid = ProcessInfo.processInfo.processIdentifier
            let startedAt = Date()
            let heartbeat = HeartbeatService(redis: infrastructure.redis, prefix: infrastructure.keyPrefix,
                                             logger: logger) {
                WorkerHeartbeat(workerID: workerID, host: host, pid: pid, agencies: agencyList, slotsInUse: 0,
                                slots: slots * agencyList.count, currentTasks: [], startedAt: startedAt,
                                beatAt: Date())
            }
            logger.info("worker started", metadata: ["workerID": "\(workerID)", "agencies": "\(agencyList)"])
            let router = Router()
            router.get("/healthz") { _, _ in "ok" }
            let health = Application(
                router: router,
                configuration: .init(address: .hostname(metricsHost ?? Environment.value("METRICS_HOST") ?? "127.0.0.1",
                                                        port: try metricsPort ?? Environment.integer("METRICS_PORT") ?? 9090),
                                     serverName: "workers"),
                logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: heartbeat), .init(service: health)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
            await infrastructure.shutdown()
            logger.info("worker stopped")
        }
    }
}
