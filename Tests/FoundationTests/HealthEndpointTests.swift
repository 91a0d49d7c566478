import DashboardApp
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import Runtime
import Testing
import TestSupport

@Suite("Health and readiness")
struct HealthEndpointTests {
    func infrastructure(databaseURL: String = TestEnvironment.databaseURL,
                        redisURL: String = TestEnvironment.redisURL) throws -> Infrastructure {
        try Infrastructure(databaseURL: databaseURL, redisURL: redisURL, postgresPoolSize: 2, redisPoolSize: 2,
                           applicationName: "test")
    }

    func router(_ infrastructure: Infrastructure) throws -> Router<BasicRequestContext> {
        let logger = Logger(label: "test")
        return DashboardRouter.make(infrastructure: infrastructure,
                                    api: APIDependencies(postgres: infrastructure.postgres,
                                                         filing: try infrastructure.filingService(logger: logger)))
    }

    struct ReadyBody: Decodable, Equatable {
        let status: String
        let postgres: String
        let redis: String
        let down: [String]
    }

    @Test("a known path asked with another method answers 405 with Allow; an unknown path 404")
    func methodNotAllowed() async throws {
        let infrastructure = try infrastructure()
        let app = Application(router: try router(infrastructure))
        try await app.test(.router) { client in
            for (method, path, allow) in [(HTTPRequest.Method.trace, "/healthz", "GET, HEAD"),
                                          (.delete, "/api/v1/cases", "GET, POST, HEAD"),
                                          (.get, "/api/v1/cases/RT1/tasks/fund.seal/retrigger", "POST"),
                                          (.post, "/api/v1/prequalifications/220102196505150036", "GET, PUT, HEAD")] {
                try await client.execute(uri: path, method: method) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == allow, "\(method) \(path)")
                    #expect(String(buffer: response.body).contains("method_not_allowed"))
                }
            }
            try await client.execute(uri: "/api/v1/nothing-here", method: .delete) { response in
                #expect(response.status == .notFound)
            }
        }
        await infrastructure.shutdown()
    }

    @Test("healthz and readyz answer 200 when both servers are up (live server)")
    func readyWhenUp() async throws {
        let infrastructure = try infrastructure()
        let app = Application(router: try router(infrastructure),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(ReadyBody.self, from: Data(buffer: response.body))
                #expect(body == ReadyBody(status: "ready", postgres: "up", redis: "up", down: []))
            }
        }
        await infrastructure.shutdown()
    }

    @Test("readyz answers 503 naming Redis while it is down, and 200 again once it is back")
    func redisDown() async throws {
        let redis = try ScratchRedis()
        let infrastructure = try infrastructure(redisURL: redis.url)
        let app = Application(router: try router(infrastructure))
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try redis.stop()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(ReadyBody.self, from: Data(buffer: response.body))
                #expect(body == ReadyBody(status: "unavailable", postgres: "up", redis: "down", down: ["redis"]))
            }
            try redis.start()
            let recovered = try await waitUntil {
                try await client.execute(uri: "/readyz", method: .get) { $0.status == .ok }
            }
            #expect(recovered)
        }
        await infrastructure.shutdown()
    }

    @Test("readyz answers 200 on its very first probe after a PostgreSQL restart")
    func readyAfterPostgresRestart() async throws {
        let postgres = try ScratchPostgres()
        let infrastructure = try infrastructure(databaseURL: postgres.url)
        let app = Application(router: try router(infrastructure))
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try postgres.restart()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(ReadyBody.self, from: Data(buffer: response.body))
                #expect(body == ReadyBody(status: "ready", postgres: "up", redis: "up", down: []))
            }
        }
        await infrastructure.shutdown()
    }

    @Test("readyz answers 503 naming PostgreSQL while it is down, and 200 again once it is back")
    func postgresDown() async throws {
        let postgres = try ScratchPostgres()
        let infrastructure = try infrastructure(databaseURL: postgres.url)
        let app = Application(router: try router(infrastructure))
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try postgres.stop()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(ReadyBody.self, from: Data(buffer: response.body))
                #expect(body.down == ["postgres"])
            }
            try postgres.start()
            let recovered = try await waitUntil {
                try await client.execute(uri: "/readyz", method: .get) { $0.status == .ok }
            }
            #expect(recovered)
        }
        await infrastructure.shutdown()
    }
}
