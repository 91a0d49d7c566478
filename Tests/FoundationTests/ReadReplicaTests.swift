import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Prometheus
import Storage
import Testing
import TestSupport

/// The dashboard's reads on a real streaming standby: served from it while it is fresh, from the
/// primary when it lags too far or stops, and its lag shown on the overview.
@Suite("Read replica")
struct ReadReplicaTests {
    /// Pauses the standby's replay, so what the primary writes next is missing there (and the lag grows).
    static func pauseReplay(_ standby: ScratchStandby) throws {
        let db = try PostgresConnection(url: standby.url)
        try db.query("SELECT pg_wal_replay_pause()")
    }

    static func caseCount(_ reply: Reply) throws -> Int {
        let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        return try #require(object["cases"] as? [Any]).count
    }

    static func overview(_ reply: Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    }

    @Test("the pool reads the replica while it is fresh and the primary once it lags more than allowed")
    func lagDecides() async throws {
        let primary = try ScratchPostgres()
        let standby = try ScratchStandby(of: primary)
        let reads = PostgresReadPool(primary: PostgresPool(url: primary.url, size: 1),
                                     replica: PostgresPool(url: standby.url, size: 1), maxLagSeconds: 0.5,
                                     freshFor: .milliseconds(50))
        let port: @Sendable (PostgresConnection) throws -> Int = {
            try $0.query("SELECT current_setting('port')::int AS port").first!.decode(Int.self, "port")
        }
        try await reads.primary.query("CREATE TABLE t (n integer)")
        let replica = try PostgresConnection(url: standby.url)
        #expect(pollUntil(seconds: 30) {
            try replica.query("SELECT to_regclass('t') IS NOT NULL AS replayed").first?.decode(Bool.self, "replayed") == true
        })
        #expect(try await waitUntil { await reads.replicaLagSeconds() == 0 })
        #expect(try await reads.withConnection(port) == standby.port)

        try Self.pauseReplay(standby)
        try await reads.primary.query("INSERT INTO t VALUES (1)")
        // Replay is paused: what was received is not replayed, and the lag grows past the bound.
        #expect(try await waitUntil { (await reads.replicaLagSeconds() ?? 0) > 0.5 })
        #expect(await reads.usesReplica() == false)
        #expect(try await reads.withConnection(port) == primary.port)
        try await reads.primary.shutdown()
        try await reads.shutdown()
    }

    @Test("pages read the replica; with the replica stopped they read the primary; the overview shows the lag")
    func pagesFollowTheReplica() async throws {
        let primary = try ScratchPostgres()
        let standby = try ScratchStandby(of: primary)
        let redis = try ScratchRedis()
        let h = try await APIHarness(redisURL: redis.url, databaseURL: primary.url, databaseReadURL: standby.url,
                                     readMaxLagSeconds: 3600)
        try await h.dashboard.accounts.create(name: "alice", role: .operator, password: DashboardPagesTests.password,
                                              cost: 4)
        let now = h.dashboard.now()
        _ = try await h.infrastructure.postgres.withConnection { db in
            try DemoSeed.insertBatch(count: 5, totalSpan: 86_400, now: now, on: db)
        }
        let replica = try PostgresConnection(url: standby.url, settings: h.schema.settings)
        #expect(pollUntil(seconds: 30) {
            try replica.query("SELECT count(*) AS n FROM cases").first?.decode(Int.self, "n") == 5
        })
        try Self.pauseReplay(standby)
        _ = try await h.infrastructure.postgres.withConnection { db in
            try DemoSeed.insertBatch(count: 3, totalSpan: 86_400, now: now, on: db)
        }
        let newest = try await h.infrastructure.postgres.query("SELECT case_no FROM cases ORDER BY seq DESC LIMIT 1")
            .first!.decode(String.self, "case_no")

        try await h.app.test(.router) { client in
            var browser = DashboardPagesTests.Browser()
            _ = try await browser.logIn(client, name: "alice")
            // The replica has the first five cases only: the list and the newest case's page show it.
            #expect(try Self.caseCount(try await browser.get(client, "/cases", json: true)) == 5)
            #expect(try await browser.get(client, "/cases/\(newest)", json: true).status == .notFound)
            let fresh = try Self.overview(try await browser.get(client, "/", json: true))
            #expect(fresh["readsFrom"] as? String == "replica")
            let lag = try #require(fresh["replicaLagSeconds"] as? Double)
            #expect(lag >= 0 && lag < 3600)
            #expect(try await browser.get(client, "/").text.contains("Read replica lag:"))
            let registry = PrometheusCollectorRegistry()
            QueueGauges.record(try await h.dashboard.overview.current(), factory: PrometheusMetricsFactory(registry: registry))
            let metrics = String(decoding: registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains("onething_replica_up 1"))
            #expect(metrics.contains("onething_replica_lag_seconds "))

            try standby.stop()
            h.dashboard.overview.invalidate()
            #expect(try Self.caseCount(try await browser.get(client, "/cases", json: true)) == 8)
            #expect(try await browser.get(client, "/cases/\(newest)", json: true).status == .ok)
            let down = try Self.overview(try await browser.get(client, "/", json: true))
            #expect(down["readsFrom"] as? String == "primary")
            #expect(down["replicaLagSeconds"] is NSNull)
        }
        await h.close()
    }
}
