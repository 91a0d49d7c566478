import Foundation
import Hummingbird
import Logging
import Metrics
import Model
import Runtime
import Services

/// The dashboard's routes.
public enum DashboardRouter {
    /// Builds the router: health, readiness, the `/api/v1` API and, given their dependencies, the operator pages.
    /// `metrics`, when given, renders the process's metrics registry for `GET /metrics`.
    public static func make(infrastructure: Infrastructure, api: APIDependencies, dashboard: DashboardDependencies? = nil,
                            metrics: (@Sendable () -> [UInt8])? = nil,
                            logger: Logger = Logger(label: "api")) -> Router<BasicRequestContext> {
        let router = Router()
        // Outermost, so unknown paths and methods get the error body too.
        router.add(middleware: APIErrorMiddleware(logger: logger))
        if metrics != nil {
            // Requests and their durations per route and status (hb_requests, hb_request_duration).
            router.add(middleware: MetricsMiddleware())
        }
        router.get("/healthz") { _, _ in
            JSONResponse.make(["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let readiness = await Readiness.check(postgres: infrastructure.postgres, redis: infrastructure.redis)
            return JSONResponse.make(ReadinessBody(readiness), status: readiness.isReady ? .ok : .serviceUnavailable)
        }
        APIRoutes.add(to: router, dependencies: api, logger: logger)
        if let dashboard {
            DashboardPages.add(to: router, dependencies: dashboard, logger: logger)
        }
        if let metrics {
            router.get("/metrics") { _, _ in
                // The queue figures are read when scraped, from the overview every page shares.
                if let dashboard, let overview = try? await dashboard.overview.current() {
                    QueueGauges.record(overview)
                }
                CalendarSettings.recordProvisional(api.filing.calendar, today: LocalDate(
                    api.filing.now(), utcOffsetSeconds: LocalDate.chinaStandardTimeOffset))
                if let memory = try? await infrastructure.redisMemory() {
                    Gauge(label: "onething_redis_used_memory_bytes").record(memory.usedBytes)
                    Gauge(label: "onething_redis_maxmemory_bytes").record(memory.maxBytes)
                }
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
            }
        }
        return router
    }
}

extension DashboardDependencies {
    /// The operator pages' dependencies made from a process's connections and the API's services.
    public static func make(infrastructure: Infrastructure, api: APIDependencies, logger: Logger,
                            secureCookies: Bool = false) -> DashboardDependencies {
        let now = api.filing.now
        return DashboardDependencies(
            accounts: OperatorAccounts(postgres: infrastructure.postgres, redis: infrastructure.redis,
                                       keyPrefix: infrastructure.keyPrefix, logger: logger, now: now),
            overview: LiveOverview(service: OverviewService(postgres: infrastructure.postgres, reads: infrastructure.reads,
                                                            redis: infrastructure.redis,
                                                            keyPrefix: infrastructure.keyPrefix, now: now),
                                   logger: logger),
            postgres: infrastructure.postgres, actions: api.actions, now: now, calendar: api.filing.calendar,
            secureCookies: secureCookies, reads: infrastructure.reads)
    }
}

/// What `/readyz` answers: each server's state and, when not ready, which are down.
struct ReadinessBody: Encodable {
    let status: String
    let postgres: Readiness.State
    let redis: Readiness.State
    let down: [String]

    init(_ readiness: Readiness) {
        status = readiness.isReady ? "ready" : "unavailable"
        postgres = readiness.postgres
        redis = readiness.redis
        down = readiness.down
    }
}
