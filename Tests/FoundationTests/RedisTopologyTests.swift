import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Queue
@testable import Redis
import Runtime
import Testing
import TestSupport

/// The hiredis wrapper on a Redis Cluster, on a Sentinel-managed Redis, and across a restart.
@Suite("Redis topologies")
struct RedisTopologyTests {
    @Test("URLs: cluster and sentinel forms, password hidden; a bad form is a typed error")
    func urls() throws {
        let cluster = try RedisTopology(url: "redis+cluster://:s3cret@10.0.0.1:7000,10.0.0.2:7001")
        #expect(cluster == .cluster(seeds: [RedisAddress(host: "10.0.0.1", port: 7000),
                                            RedisAddress(host: "10.0.0.2", port: 7001)],
                                    username: nil, password: "s3cret"))
        #expect(!cluster.description.contains("s3cret"))
        let sentinel = try RedisTopology(url: "redis+sentinel://app:pw@s1:26379,s2:26380/onething/2")
        #expect(sentinel == .sentinel(sentinels: [RedisAddress(host: "s1", port: 26379), RedisAddress(host: "s2", port: 26380)],
                                      master: "onething", username: "app", password: "pw", database: 2))
        #expect(!sentinel.description.contains("pw@"))
        #expect(try RedisTopology(url: "redis://127.0.0.1:6379/1") == .single(RedisEndpoint(database: 1)))
        for bad in ["redis+sentinel://s1:26379", "redis+cluster://h1:notaport", "redis+cluster://", "memcache://h:1",
                    "redis+cluster://h1:7000/3", "redis+sentinel://s1:1/m/x"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisTopology(url: bad) }
        }
    }

    @Test("slots: CRC16 with hash tags, as the server computes them")
    func slots() throws {
        let cluster = try ScratchRedisCluster(primaries: 3, replicasEach: 0)
        for key in ["rot:{hr}:stream", "rot:{fund}:delayed", "plain", "{}", "{}x", "a{b}c{d}", "{rot:workers}", "中文{键}"] {
            #expect(RedisCommandKey.slot(key) == Int(try cluster.nodes[0].cli("cluster", "keyslot", key)), "\(key)")
        }
    }

    @Test("a cluster: every agency's queue, pipelines across nodes, scripts and heartbeats work")
    func clusterQueues() async throws {
        let cluster = try ScratchRedisCluster(primaries: 3, replicasEach: 0)
        let redis = try RedisClient(url: cluster.url, size: 2)
        let keys = ["hr", "social", "medical", "fund", "police", "health"].map { AgencyKeys(agency: $0, prefix: "t") }
        let servingNodes = Set(try keys.map { try cluster.primary(serving: $0.stream).port })
        #expect(servingNodes.count >= 2, "the agencies should spread over several nodes")
        try await redis.withConnection { connection in
            for key in keys { try connection.xgroupCreate(key.stream, group: key.group) }
            // One pipeline over every agency: split per node, answers in order.
            let added = try connection.pipeline(keys.map { ["XADD", $0.stream, "*", "task", $0.agency] })
            #expect(added.allSatisfy { $0.string != nil })
            let lengths = try connection.pipeline(keys.map { ["XLEN", $0.stream] })
            #expect(lengths == Array(repeating: .integer(1), count: keys.count))
            for key in keys {
                let read = try connection.xreadgroup(group: key.group, consumer: "c", streams: [key.stream],
                                                     count: 10, block: .milliseconds(100))
                #expect(read.count == 1)
                // A script with two keys of one agency runs on the node that holds them.
                let delayed = DelayedTasks(keys: key)
                try connection.command(delayed.scheduleCommand(UUID(), attempt: 1, at: Date().addingTimeInterval(-1)))
                #expect(try delayed.promoteDue(now: Date(), on: connection) == 1)
                #expect(try connection.command("XLEN", key.stream).int == 2)
            }
            // Heartbeats live under one hash tag: read without scanning every node.
            let beat = WorkerHeartbeat(workerID: "w1", host: "h", pid: 1, agencies: ["hr"], slotsInUse: 0, slots: 4,
                                       currentTasks: [], startedAt: Date(), beatAt: Date())
            try beat.write(on: connection, prefix: "t", ttl: .seconds(30))
            #expect(try WorkerHeartbeat.all(on: connection, prefix: "t").map(\.workerID) == ["w1"])
            let memory = try RedisMemory.read(on: connection)
            #expect(memory.usedBytes > 0)
        }
        try await redis.shutdown()
    }

    @Test("a cluster: MOVED updates the slot map, ASK is followed for one call")
    func redirects() throws {
        let cluster = try ScratchRedisCluster(primaries: 3, replicasEach: 0)
        let connection = try RedisConnection(topology: try RedisTopology(url: cluster.url))
        let key = "t:{moving}:a"
        let fresh = "t:{moving}:b"
        let slot = String(RedisCommandKey.slot(key))
        try connection.command("SET", key, "before")
        let source = try cluster.primary(serving: key)
        let target = try #require(cluster.nodes.first { $0.port != source.port })
        let sourceID = try source.cli("cluster", "myid")
        let targetID = try target.cli("cluster", "myid")
        try target.cli("cluster", "setslot", slot, "importing", sourceID)
        try source.cli("cluster", "setslot", slot, "migrating", targetID)
        // A key the source does not have goes to the target: the source answers ASK.
        try connection.command("SET", fresh, "asked")
        #expect(try target.cli("cluster", "countkeysinslot", slot) == "1")
        #expect(try connection.command("GET", fresh).string == "asked")
        // Move the old key too and give the slot to the target: the source answers MOVED.
        try source.cli("migrate", "127.0.0.1", "\(target.port)", key, "0", "5000")
        for node in cluster.nodes { try node.cli("cluster", "setslot", slot, "node", targetID) }
        #expect(try connection.command("GET", key).string == "before")
        #expect(try connection.pipeline([["GET", key], ["GET", fresh]]) == [.bulk(Array("before".utf8)), .bulk(Array("asked".utf8))])
        #expect(try source.cli("cluster", "countkeysinslot", slot) == "0")
    }

    @Test("a cluster primary killed: once its replica took over, the same client's next call succeeds, data intact")
    func clusterFailover() async throws {
        let cluster = try ScratchRedisCluster(primaries: 3, replicasEach: 1)
        let redis = try RedisClient(url: cluster.url, size: 1)
        let keys = AgencyKeys(agency: "social", prefix: "t")
        try await redis.withConnection { connection in
            try connection.xgroupCreate(keys.stream, group: keys.group)
            _ = try connection.pipeline((0..<100).map { ["XADD", keys.stream, "*", "n", $0] })
        }
        let victim = try cluster.primary(serving: keys.stream)
        let offset = { (node: ScratchRedis, field: String) -> Int? in
            ((try? node.cli("info", "replication")) ?? "").split(whereSeparator: \.isNewline)
                .first { $0.hasPrefix(field + ":") }.flatMap { Int($0.split(separator: ":")[1]) }
        }
        let primaryOffset = try #require(offset(victim, "master_repl_offset"))
        let replicated = pollUntil(seconds: 10) {
            cluster.nodes.contains { $0.port != victim.port && ((try? $0.cli("info", "replication")) ?? "").contains("master_port:\(victim.port)")
                && (offset($0, "slave_repl_offset") ?? 0) >= primaryOffset }
        }
        #expect(replicated)
        try victim.kill()
        let failedOver = pollUntil(seconds: 30) {
            ((try? cluster.primary(serving: keys.stream).port) ?? victim.port) != victim.port && cluster.isHealthy()
        }
        try #require(failedOver)
        let length = try await redis.withConnection { try $0.command("XLEN", keys.stream).int }
        #expect(length == 100)
        let added = try await redis.withConnection { try $0.command("XADD", keys.stream, "*", "n", "after").string }
        #expect(added != nil)
        try await redis.shutdown()
    }

    @Test("Sentinel: the primary the sentinels name; after a failover the same client's next call follows it")
    func sentinelFailover() async throws {
        let group = try ScratchSentinelGroup()
        let redis = try RedisClient(url: group.url, size: 1)
        try await redis.withConnection { connection in
            try connection.command("SET", "t:{k}", "kept")
            #expect(try connection.command("ROLE").array?.first?.string == "master")
        }
        let synced = pollUntil(seconds: 10) { ((try? group.replica.cli("get", "t:{k}")) ?? "") == "kept" }
        #expect(synced)
        try group.primary.kill()
        let promoted = pollUntil(seconds: 40) {
            group.primaryPort() == group.replica.port
                && ((try? group.replica.cli("role")) ?? "").hasPrefix("master")
        }
        try #require(promoted)
        let value = try await redis.withConnection { try $0.command("GET", "t:{k}").string }
        #expect(value == "kept")
        try await redis.withConnection { try $0.command("SET", "t:{k}", "written after") }
        #expect(try group.replica.cli("get", "t:{k}") == "written after")
        try await redis.shutdown()
    }

    @Test("a Redis restart costs no request: every pooled connection's first command after it succeeds")
    func restartCostsNothing() async throws {
        let server = try ScratchRedis()
        let redis = RedisClient(endpoint: try RedisEndpoint(url: server.url), size: 3)
        // Open all three pooled connections at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 { group.addTask { try await redis.command(["SET", "k\(index)", "v"]) } }
            try await group.waitForAll()
        }
        try server.stop()
        try server.start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Not idempotent: it succeeds only because the dead connection was found before sending.
            for _ in 0..<3 { group.addTask { try await redis.command(["INCR", "after-restart"]) } }
            try await group.waitForAll()
        }
        #expect(try await redis.command(["GET", "after-restart"]).int == 3)
        try await redis.shutdown()
    }

    @Test("readyz is 200 on the first probe after a Redis restart")
    func readyAfterRestart() async throws {
        let server = try ScratchRedis()
        let infrastructure = try Infrastructure(databaseURL: TestEnvironment.databaseURL, redisURL: server.url,
                                                postgresPoolSize: 2, redisPoolSize: 2, applicationName: "test")
        let logger = Logger(label: "test")
        let router = DashboardRouter.make(infrastructure: infrastructure,
                                          api: APIDependencies(postgres: infrastructure.postgres,
                                                               filing: try infrastructure.filingService(logger: logger)))
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try server.stop()
            try server.start()
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
        await infrastructure.shutdown()
    }
}
