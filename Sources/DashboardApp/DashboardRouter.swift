import Foundation
import Hummingbird
import Runtime
import Services

/// The dashboard's routes.
public enum DashboardRouter {
    /// Builds the router: health and readiness for now; the API and pages join it as they are built.
    public static func make(infrastructure: Infrastructure) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            try JSONBody(["status": "ok"]).response(status: .ok)
        }
        router.get("/readyz") { _, _ in
            let readiness = await Readiness.check(postgres: infrastructure.postgres, redis: infrastructure.redis)
            return try JSONBody(ReadinessBody(readiness)).response(status: readiness.isReady ? .ok : .serviceUnavailable)
        }
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

/// An Encodable value sent as a JSON response.
struct JSONBody<Value: Encodable> {
    let value: Value
    init(_ value: Value) { self.value = value }

    func response(status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
