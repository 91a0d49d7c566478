import Foundation
import Hummingbird
import Logging
import Runtime
import Services

/// The dashboard's routes.
public enum DashboardRouter {
    /// Builds the router: health, readiness and the `/api/v1` API.
    public static func make(infrastructure: Infrastructure, api: APIDependencies,
                            logger: Logger = Logger(label: "api")) -> Router<BasicRequestContext> {
        let router = Router()
        // Outermost, so unknown paths and methods get the error body too.
        router.add(middleware: APIErrorMiddleware(logger: logger))
        router.get("/healthz") { _, _ in
            JSONResponse.make(["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let readiness = await Readiness.check(postgres: infrastructure.postgres, redis: infrastructure.redis)
            return JSONResponse.make(ReadinessBody(readiness), status: readiness.isReady ? .ok : .serviceUnavailable)
        }
        APIRoutes.add(to: router, dependencies: api, logger: logger)
        return router
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
