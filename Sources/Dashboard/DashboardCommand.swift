import ArgumentParser
import DashboardApp
import Hummingbird
import Logging
import Metrics
import Prometheus
import Model
import Runtime

@main
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The HTTP API and operator dashboard.",
        subcommands: [Serve.self, MigrateCommand.self, TokenCommand.self, OperatorCommand.self, SeedCommand.self,
                      FundCentreCommand.self],
        defaultSubcommand: Serve.self
    )
}

extension DashboardCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the API and dashboard until SIGTERM.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Port to listen on (env PORT, default 8080).")
        var port: Int?

        @Option(help: "Address to bind (env HOST, default 127.0.0.1; 0.0.0.0 in containers).")
        var host: String?

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let logger = Logger(label: "dashboard")
            let port = try port ?? Environment.integer("PORT") ?? 8080
            let host = host ?? Environment.value("HOST") ?? "127.0.0.1"
            let paymentDayNumber = try Environment.integer("PENSION_PAYMENT_DAY") ?? 15
            guard let paymentDay = PensionPaymentDay(dayOfMonth: paymentDayNumber) else {
                throw ValidationError("PENSION_PAYMENT_DAY must be a day of the month from 1 to 28")
            }
            let infrastructure = try Infrastructure(options: connection, applicationName: "dashboard",
                                                    readsFromReplica: true)
            try await infrastructure.migrate(logger: logger)
            // Due dates set at filing are counted with PostgreSQL's clock, like the workers'.
            let databaseClock = DatabaseClock()
            let clockService = DatabaseClockService(clock: databaseClock, postgres: infrastructure.postgres, logger: logger)
            try? await clockService.runOnce()
            let now = ProcessClock.fromEnvironment(logger: logger, database: databaseClock)
            let agencies = try AgencySettings.gateway(for: .filingChecks) { try SimulatorSettings.simulator(ledger: nil, now: now) }
            let api = APIDependencies(postgres: infrastructure.postgres,
                                      filing: try infrastructure.filingService(
                                          logger: logger, agencies: agencies,
                                          calendar: try CalendarSettings.load(logger: logger, now: now()), now: now),
                                      paymentDay: paymentDay)
            let secure = Environment.value("SESSION_COOKIE_SECURE").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
            let pages = DashboardDependencies.make(infrastructure: infrastructure, api: api, logger: logger, secureCookies: secure)
            let app = Application(
                router: DashboardRouter.make(infrastructure: infrastructure, api: api, dashboard: pages,
                                             metrics: { registry.emitToBuffer() }, logger: logger),
                configuration: .init(address: .hostname(host, port: port), serverName: "retirement-one-thing"),
                services: [pages.overview, clockService],
                logger: logger)
            try await app.runService()
            await infrastructure.shutdown()
        }
    }
}
