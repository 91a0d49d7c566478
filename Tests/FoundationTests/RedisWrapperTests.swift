import Foundation
import Redis
import Testing
import TestSupport

@Suite("Redis over hiredis")
struct RedisWrapperTests {
    let prefix = TestEnvironment.uniqueName("redis")

    func connect() throws -> RedisConnection {
        try RedisConnection(endpoint: try TestEnvironment.redisEndpoint)
    }

    @Test("every reply type decodes: status, bulk, integer, null, nested array, error")
    func replyTypes() throws {
        let redis = try connect()
        #expect(try redis.command("SET", "\(prefix):s", "värde") == .status("OK"))
        #expect(try redis.command("GET", "\(prefix):s") == .bulk(Array("värde".utf8)))
        #expect(try redis.command("INCRBY", "\(prefix):n", 41) == .integer(41))
        #expect(try redis.command("GET", "\(prefix):missing") == .null)
        let nested = try redis.command("EVAL", "return {1, 'two', {3, false}}", 0)
        #expect(nested == .array([.integer(1), .bulk(Array("two".utf8)), .array([.integer(3), .null])]))
        #expect(throws: RedisError.self) { try redis.command("INCR", "\(prefix):s") }
        do {
            try redis.command("NOSUCHCOMMAND")
            Issue.record("an unknown command must throw")
        } catch let error as RedisError {
            #expect(error.code == .serverError)
            #expect(error.serverErrorPrefix == "ERR")
        }
        // The connection stays usable after an error reply.
        #expect(try redis.command("PING") == .status("PONG"))
    }

    @Test("arguments are binary-safe: NUL bytes and non-UTF-8 survive a round trip")
    func binarySafe() throws {
        let redis = try connect()
        let bytes: [UInt8] = [0, 255, 13, 10, 0, 0x80, 42]
        try redis.command("SET", "\(prefix):bin", bytes)
        #expect(try redis.command("GET", "\(prefix):bin").bytes == bytes)
        #expect(try redis.command("STRLEN", "\(prefix):bin").int == bytes.count)
    }

    @Test("pipelining sends many commands and returns replies in order, errors in place")
    func pipelining() throws {
        let redis = try connect()
        var commands: [[any RedisArgument]] = (0..<500).map { ["RPUSH", "\(prefix):list", $0] }
        commands.append(["INCR", "\(prefix):list"])
        commands.append(["LLEN", "\(prefix):list"])
        let replies = try redis.pipeline(commands)
        #expect(replies.count == 502)
        #expect(replies[0] == .integer(1))
        #expect(replies[499] == .integer(500))
        if case .error(let message) = replies[500] { #expect(message.hasPrefix("WRONGTYPE")) } else {
            Issue.record("expected a WRONGTYPE error in place, got \(replies[500])")
        }
        #expect(replies[501] == .integer(500))
    }

    @Test("a Lua script runs by EVALSHA and is reloaded after SCRIPT FLUSH")
    func luaScript() throws {
        let redis = try connect()
        let script = RedisScript("""
            local moved = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            for _, member in ipairs(moved) do
              redis.call('ZREM', KEYS[1], member)
              redis.call('RPUSH', KEYS[2], member)
            end
            return #moved
            """)
        try redis.zadd("\(prefix):z", [(1, "a"), (2, "b"), (9, "c")])
        #expect(try redis.evaluate(script, keys: ["\(prefix):z", "\(prefix):ready"], arguments: [5.0]) == .integer(2))
        #expect(try redis.zrangeByScore("\(prefix):z", min: -.infinity, max: .infinity).map(\.member) == ["c"])
        try redis.command("SCRIPT", "FLUSH")
        #expect(try redis.evaluate(script, keys: ["\(prefix):z", "\(prefix):ready"], arguments: [10.0]) == .integer(1))
        #expect(try redis.command("LRANGE", "\(prefix):ready", 0, -1).array?.compactMap(\.string) == ["a", "b", "c"])
    }

    @Test("sorted sets: add, score, range with limit, remove, count")
    func sortedSets() throws {
        let redis = try connect()
        let key = "\(prefix):delayed"
        #expect(try redis.zadd(key, [(30, "t3"), (10, "t1"), (20, "t2")]) == 3)
        #expect(try redis.zadd(key, [(15, "t1")]) == 0)
        #expect(try redis.zscore(key, "t1") == 15)
        let due = try redis.zrangeByScore(key, min: 0, max: 25, limit: 1)
        #expect(due.map(\.member) == ["t1"])
        #expect(try redis.zrem(key, ["t1", "nope"]) == 1)
        #expect(try redis.zcard(key) == 2)
    }

    @Test("streams: XADD, group, XREADGROUP, XPENDING, XACK, XAUTOCLAIM, XINFO")
    func streamRoundTrip() throws {
        let redis = try connect()
        let stream = "\(prefix):{hr}:stream"
        #expect(try redis.xgroupCreate(stream, group: "workers") == true)
        #expect(try redis.xgroupCreate(stream, group: "workers") == false)
        let ids = try (0..<3).map { try redis.xadd(stream, fields: [("task", "task-\($0)"), ("attempt", 1)]) }
        #expect(try redis.xlen(stream) == 3)

        let first = try redis.xreadgroup(group: "workers", consumer: "alice", streams: [stream], count: 2, block: nil)
        #expect(first.map(\.id) == Array(ids.prefix(2)))
        #expect(first.map { $0.string("task") } == ["task-0", "task-1"])
        #expect(try redis.xpendingCount(stream, group: "workers") == 2)

        #expect(try redis.xack(stream, group: "workers", ids: [ids[0]]) == 1)
        #expect(try redis.xack(stream, group: "workers", ids: [ids[0]]) == 0)
        let pending = try redis.xpending(stream, group: "workers")
        #expect(pending.map(\.id) == [ids[1]])
        #expect(pending.first?.consumer == "alice")
        #expect(pending.first?.deliveries == 1)

        // Alice "dies" holding task-1; Bob reclaims it once it has been idle long enough.
        let tooSoon = try redis.xautoclaim(stream, group: "workers", consumer: "bob", minIdle: .seconds(60))
        #expect(tooSoon.messages.isEmpty)
        let reclaimed = try redis.xautoclaim(stream, group: "workers", consumer: "bob", minIdle: .milliseconds(0))
        #expect(reclaimed.messages.map(\.id) == [ids[1]])
        #expect(try redis.xpending(stream, group: "workers").first?.consumer == "bob")
        #expect(try redis.xpending(stream, group: "workers").first?.deliveries == 2)

        let groups = try redis.xinfoGroups(stream)
        #expect(groups.count == 1)
        #expect(groups.first?.name == "workers")
        #expect(groups.first?.pending == 1)
        #expect(groups.first?.lag == 1)
    }

    @Test("XREADGROUP BLOCK waits longer than the read timeout without breaking the connection")
    func blockingRead() throws {
        let redis = try RedisConnection(endpoint: try TestEnvironment.redisEndpoint, commandTimeout: .milliseconds(400))
        let stream = "\(prefix):{fund}:stream"
        try redis.xgroupCreate(stream, group: "workers")
        let started = ContinuousClock.now
        let none = try redis.xreadgroup(group: "workers", consumer: "c", streams: [stream], count: 1,
                                        block: .milliseconds(1200))
        #expect(none.isEmpty)
        #expect(ContinuousClock.now - started >= .milliseconds(1100))
        #expect(try redis.command("PING") == .status("PONG"))
    }

    @Test("a server restart mid-use gives a typed error, then the connection recovers by itself")
    func serverRestart() async throws {
        let server = try ScratchRedis()
        let redis = try RedisConnection(endpoint: try RedisEndpoint(url: server.url))
        try redis.command("SET", "k", "v")
        try server.stop()
        do {
            try redis.command("GET", "k")
            Issue.record("a command against a stopped server must throw")
        } catch let error as RedisError {
            #expect([.connectionLost, .connectionFailed].contains(error.code))
        }
        do {
            try redis.command("GET", "k")
            Issue.record("a command while the server is down must throw")
        } catch let error as RedisError {
            #expect(error.code == .connectionFailed)
        }
        try server.start()
        #expect(try redis.command("PING") == .status("PONG"))
        #expect(try redis.command("SET", "k", "again") == .status("OK"))
    }

    @Test("the pooled client serves 50 concurrent callers")
    func pooledClient() async throws {
        let client = RedisClient(endpoint: try TestEnvironment.redisEndpoint, size: 4)
        let key = "\(prefix):counter"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { try await client.command(["INCR", key]) }
            }
            try await group.waitForAll()
        }
        #expect(try await client.command(["GET", key]).int == 50)
        try await client.shutdown()
    }

    @Test("URLs: password, database, defaults; a bad URL is a typed error")
    func endpoints() throws {
        let full = try RedisEndpoint(url: "redis://:s3cret@cache.internal:6380/2")
        #expect(full.host == "cache.internal")
        #expect(full.port == 6380)
        #expect(full.password == "s3cret")
        #expect(full.database == 2)
        #expect(!full.description.contains("s3cret"))
        #expect(try RedisEndpoint(url: "redis://localhost") == RedisEndpoint(host: "localhost"))
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "http://localhost:6379") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://localhost:6379/x") }
    }
}
