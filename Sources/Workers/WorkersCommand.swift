import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import Agencies
import Model
import Queue
import Redis
import Services
import Storage
import Runtime
import ServiceLifecycle

@main
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "The worker daemon: consumes agency queues and records every outcome in PostgreSQL.",
        subcommands: [Run.self, MigrateCommand.self, SimulateAgenciesCommand.self],
        defaultSubcommand: Run.self
    )
}

extension WorkersCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the worker daemon until SIGTERM.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Comma-separated agencies to consume: hr,social,medical,fund (env WORKER_AGENCIES).")
        var agencies: String?

        @Option(help: "Concurrent tasks per agency (env WORKER_CONCURRENCY, default 64).")
        var concurrency: Int?

        @Option(name: .customLong("batch-size"),
                help: "Most messages one read takes, claimed and completed in one transaction each (env WORKER_BATCH_SIZE, default 32).")
        var batchSize: Int?

        @Option(name: .customLong("shutdown-grace"),
                help: "Seconds running tasks get to finish after SIGTERM before they are released (env SHUTDOWN_GRACE_SECONDS, default 20).")
        var shutdownGrace: Int?

        @Option(help: "Seconds a claim holds a task before another worker may take it over (env WORKER_LEASE, default 60).")
        var lease: Int?

        @Option(name: .customLong("visibility-timeout"),
                help: "Seconds a message may stay unacknowledged with a consumer before another reclaims it (env WORKER_VISIBILITY_TIMEOUT, default 60).")
        var visibilityTimeout: Int?

        @Option(name: .customLong("metrics-port"), help: "Port of the worker's /metrics and /healthz (env METRICS_PORT; default 9090, or a free port when another process holds 9090; 0 picks a free one).")
        var metricsPort: Int?

        @Option(name: .customLong("metrics-host"), help: "Address of that endpoint (env METRICS_HOST, default 127.0.0.1).")
        var metricsHost: String?

        static let knownAgencies = ["hr", "social", "medical", "fund"]

        func run() async throws {
            LoggingSetup.bootstrap(level: try connection.logLevel)
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let logger = Logger(label: "workers")
            let agencyList = (agencies ?? Environment.value("WORKER_AGENCIES") ?? Self.knownAgencies.joined(separator: ","))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !agencyList.isEmpty, agencyList.allSatisfy(Self.knownAgencies.contains) else {
                throw ValidationError("--agencies takes a comma-separated list of hr, social, medical, fund")
            }
            let slots = try concurrency ?? Environment.integer("WORKER_CONCURRENCY") ?? 64
            guard slots > 0 else { throw ValidationError("--concurrency must be at least 1") }
            let batch = try batchSize ?? Environment.integer("WORKER_BATCH_SIZE") ?? 32
            guard batch > 0 else { throw ValidationError("--batch-size must be at least 1") }
            let leaseSeconds = try lease ?? Environment.integer("WORKER_LEASE") ?? 60
            guard leaseSeconds > 0 else { throw ValidationError("--lease must be at least 1 second") }
            let visibility = try visibilityTimeout ?? Environment.integer("WORKER_VISIBILITY_TIMEOUT") ?? 60
            guard visibility > 0 else { throw ValidationError("--visibility-timeout must be at least 1 second") }
            let grace = try shutdownGrace ?? Environment.integer("SHUTDOWN_GRACE_SECONDS") ?? 20
            guard grace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }

            let paymentDayNumber = try Environment.integer("PENSION_PAYMENT_DAY") ?? 15
            guard let paymentDay = PensionPaymentDay(dayOfMonth: paymentDayNumber) else {
                throw ValidationError("PENSION_PAYMENT_DAY must be a day of the month from 1 to 28")
            }
            let backoffScale = Environment.value("RETRY_BACKOFF_SCALE").map { Double($0) } ?? 1
            guard let backoffScale, backoffScale > 0, backoffScale <= 1 else {
                throw ValidationError("RETRY_BACKOFF_SCALE must be a number above 0 and at most 1")
            }

            let infrastructure = try Infrastructure(options: connection, applicationName: "workers")
            try await infrastructure.migrate(logger: logger)
            // Leases and due times are counted with PostgreSQL's clock, whatever this host's says.
            let databaseClock = DatabaseClock()
            let clockService = DatabaseClockService(clock: databaseClock, postgres: infrastructure.postgres, logger: logger)
            try? await clockService.runOnce()
            let now = ProcessClock.fromEnvironment(logger: logger, database: databaseClock)

            let workerID = UUID().uuidString.lowercased()
            let host = ProcessInfo.processInfo.hostName
            let pid = ProcessInfo.processInfo.processIdentifier
            let startedAt = Date()
            let inFlight = InFlightTasks()
            let heartbeat = HeartbeatService(redis: infrastructure.redis, prefix: infrastructure.keyPrefix,
                                             logger: logger) {
                let current = inFlight.taskIDs
                return WorkerHeartbeat(workerID: workerID, host: host, pid: pid, agencies: agencyList,
                                       slotsInUse: current.count, slots: slots * agencyList.count,
                                       currentTasks: current, startedAt: startedAt, beatAt: Date())
            }
            // Each agency's fetcher blocks on its stream, so blocking reads get connections (and threads) of their own.
            let streams = try RedisClient(url: connection.redisURL, size: agencyList.count)
            let publisher = TaskPublisher(redis: infrastructure.redis, prefix: infrastructure.keyPrefix)
            let queue = RedisTaskQueue(redis: infrastructure.redis, prefix: infrastructure.keyPrefix)
            let tasks = PostgresTaskRepository(postgres: infrastructure.postgres)
            let workAgencies = agencyList.compactMap(Agency.init(rawValue:))
            let calendar = try CalendarSettings.load(logger: logger, now: now())
            let agencyGateway = try AgencySettings.gateway(for: .queuedWork(lease: .seconds(leaseSeconds))) {
                try SimulatorSettings.simulator(ledger: PostgresEffectLedger(postgres: infrastructure.postgres), now: now)
            }
            let runner = TaskRunner(
                tasks: tasks, queue: queue, agencies: agencyGateway,
                calendar: calendar, paymentDay: paymentDay, owner: workerID, lease: .seconds(leaseSeconds), logger: logger,
                now: now, backoffScale: backoffScale)
            let reconcileAfter = try Environment.integer("RECONCILE_AFTER_SECONDS") ?? 60
            guard reconcileAfter > 0 else { throw ValidationError("RECONCILE_AFTER_SECONDS must be at least 1") }
            let reconciler = Reconciler(postgres: infrastructure.postgres, publisher: publisher,
                                        bound: .seconds(reconcileAfter), interval: .seconds(min(10, reconcileAfter)),
                                        logger: logger, now: now)
            let sweeper = LeaseSweeper(tasks: tasks, queue: queue, calendar: calendar,
                                       paymentDay: paymentDay, logger: logger, now: now, backoffScale: backoffScale)
            let deadlines = DeadlineSweeper(postgres: infrastructure.postgres, calendar: calendar, paymentDay: paymentDay,
                                            interval: .seconds(try Environment.integer("DEADLINE_SWEEP_SECONDS") ?? 60),
                                            logger: logger, now: now)
            let samples = MinuteSamples(now: now)
            let flusher = SampleFlusher(postgres: infrastructure.postgres, samples: samples, logger: logger)
            let metrics = WorkerMetrics(samples: samples)
            let reads = RedisTaskQueue(redis: infrastructure.redis, reads: streams, prefix: infrastructure.keyPrefix)
            let consumers = ConsumerGroup(workAgencies.map { agency in
                AgencyConsumer(queue: reads, agency: agency, runner: runner, consumerName: workerID, slots: slots, batchSize: batch,
                                              visibilityTimeout: .seconds(visibility), shutdownGrace: .seconds(grace), logger: logger,
                                              inFlight: inFlight, metrics: metrics)
            })
            let promoter = DelayedPromoter(queue: queue, agencies: workAgencies, logger: logger, now: now)
            // Retention: events of ended cases (EVENT_RETENTION_DAYS, default 1,095; 0 keeps them), samples
            // (SAMPLE_RETENTION_DAYS, default 30); bank account numbers always purged once the extraction ended.
            let eventDays = try Environment.integer("EVENT_RETENTION_DAYS") ?? 1_095
            let sampleDays = try Environment.integer("SAMPLE_RETENTION_DAYS") ?? 30
            guard eventDays >= 0, sampleDays >= 1 else {
                throw ValidationError("EVENT_RETENTION_DAYS must be 0 or more and SAMPLE_RETENTION_DAYS at least 1")
            }
            let retention = RetentionSweeper(postgres: infrastructure.postgres,
                                             eventRetention: eventDays == 0 ? nil : .seconds(eventDays * 86_400),
                                             sampleRetention: .seconds(sampleDays * 86_400), logger: logger, now: now)
            let janitor = StreamJanitorService(
                redis: infrastructure.redis, keys: agencyList.map { AgencyKeys(agency: $0, prefix: infrastructure.keyPrefix) },
                consumerName: workerID, logger: logger)
            logger.info("worker started", metadata: ["workerID": "\(workerID)", "agencies": "\(agencyList)"])
            let makeRouter: @Sendable () -> Router<BasicRequestContext> = {
                let router = Router()
                router.get("/healthz") { _, _ in "ok" }
                router.get("/metrics") { _, _ in
                    Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
                }
                return router
            }
            let health = MetricsEndpoint(makeRouter: makeRouter, host: metricsHost ?? Environment.value("METRICS_HOST") ?? "127.0.0.1",
                                         port: try metricsPort ?? Environment.integer("METRICS_PORT"), logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: clockService), .init(service: janitor), .init(service: retention), .init(service: heartbeat), .init(service: health), .init(service: promoter), .init(service: sweeper), .init(service: reconciler), .init(service: deadlines), .init(service: flusher), .init(service: consumers)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
            try? await streams.shutdown()
            await infrastructure.shutdown()
            logger.info("worker stopped")
        }
    }
}
