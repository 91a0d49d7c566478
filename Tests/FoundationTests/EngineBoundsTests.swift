import Agencies
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Model
import Queue
import Redis
import Runtime
import Services
import Storage
import Testing
import TestSupport

/// What keeps the engine bounded and honest about time: streams trimmed of what was acknowledged
/// (never of what is unread or pending), consumers of stopped workers removed, a reconciler that
/// leaves healthy backlog alone and recovers everything lost in one pass, PostgreSQL's clock, and
/// agency calls that cannot outlive their lease.
extension EngineTests {
    static func streamIDs(_ redis: RedisClient, _ stream: String) async throws -> [String] {
        try await redis.withConnection { connection in
            (try connection.command("XRANGE", stream, "-", "+").array ?? []).compactMap { $0.array?.first?.string }
        }
    }

    @Test("the janitor trims only acknowledged entries — never unread or pending ones — and removes idle consumers with nothing pending")
    func janitorTrimsWhatWasAcknowledged() async throws {
        let redis = RedisClient(endpoint: try RedisEndpoint(url: TestEnvironment.redisURL), size: 1)
        let keys = AgencyKeys(agency: "hr", prefix: TestEnvironment.uniqueName("janitor"))
        let ids = try await redis.withConnection { connection -> [String] in
            _ = try connection.xgroupCreate(keys.stream, group: keys.group)
            return try (0..<10).map { index in
                try #require(try connection.command("XADD", keys.stream, "*", "task", "t\(index)", "attempt", 0).string)
            }
        }
        let janitor = StreamJanitor(keys: keys, idleLimit: .zero)
        // Nothing delivered yet: nothing to trim.
        #expect(try await redis.withConnection { try janitor.sweep(keeping: ["other"], on: $0) }.trimmed == 0)
        #expect(try await Self.streamIDs(redis, keys.stream) == ids)
        // A reads six; acknowledges the first four: entries 5 and 6 are pending, 7–10 unread.
        try await redis.withConnection { connection in
            let read = try connection.xreadgroup(group: keys.group, consumer: "a", streams: [keys.stream], count: 6, block: nil)
            #expect(read.map(\.id) == Array(ids.prefix(6)))
            _ = try connection.command(["XACK", keys.stream, keys.group] + ids.prefix(4).map { $0 as any RedisArgument })
        }
        let first = try await redis.withConnection { try janitor.sweep(keeping: ["a"], on: $0) }
        #expect(first.trimmed == 4)
        #expect(first.consumersRemoved.isEmpty, "a consumer with pending entries, or one kept, stays")
        #expect(try await Self.streamIDs(redis, keys.stream) == Array(ids.dropFirst(4)))
        // Pending entries stay until acknowledged, and a consumer with pending entries is not removed.
        #expect(try await redis.withConnection { try janitor.sweep(on: $0) }.consumersRemoved.isEmpty)
        try await redis.withConnection { _ = try $0.command("XACK", keys.stream, keys.group, ids[4], ids[5]) }
        #expect(try await redis.withConnection { try janitor.sweep(keeping: ["a"], on: $0) }.trimmed == 2)
        #expect(try await Self.streamIDs(redis, keys.stream) == Array(ids.dropFirst(6)))
        // Now idle with nothing pending, and not kept: removed; the unread entries stay for others.
        let removed = try await waitUntil(timeout: .seconds(10)) {
            try await redis.withConnection { try janitor.sweep(on: $0) }.consumersRemoved == ["a"]
        }
        #expect(removed)
        #expect(try await Self.streamIDs(redis, keys.stream) == Array(ids.dropFirst(6)))
        let consumers = try await redis.withConnection { try $0.command("XINFO", "CONSUMERS", keys.stream, keys.group).array ?? [] }
        #expect(consumers.isEmpty)
        _ = try await redis.command(["DEL", keys.stream])
        try await redis.shutdown()
    }

    /// Files a case on the real clock (its task's message stamped by Redis at about the same time).
    func fileNow(_ s: Setup, _ request: FilingRequest) async throws {
        _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { Date() })
            .file(request, by: s.caller, idempotencyKey: nil)
    }

    @Test("the reconciler leaves a task whose message is unread in its stream alone, and republishes it once Redis lost it")
    func reconcilerSkipsHealthyBacklog() async throws {
        let s = try await setup(clock: { Date() })
        try await fileNow(s, request())
        #expect(try await s.h.streamLength("hr") == 1)
        let later = Date().addingTimeInterval(300)
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(60),
                                    logger: s.logger, now: { later })
        // Queued for five minutes by this clock, but its message is still waiting to be read: healthy backlog.
        #expect(try await reconciler.runOnce() == 0)
        #expect(try await s.h.streamLength("hr") == 1)
        // Redis loses the stream: now it is lost, and comes back once.
        _ = try await s.h.infrastructure.redis.command(["DEL", AgencyKeys(agency: "hr", prefix: s.h.keyPrefix).stream])
        #expect(try await reconciler.runOnce() == 1)
        #expect(try await s.h.streamLength("hr") == 1)
        #expect(try await reconciler.runOnce() == 0)
        await s.h.close()
    }

    @Test("one reconciler pass pages through everything Redis lost")
    func reconcilerPagesUntilNothingIsLeft() async throws {
        let s = try await setup(clock: { Date() })
        for index in 0..<12 {
            let idNumber = APIHarness.residentID(birth: "19650515", sequence: 101 + 2 * index)
            try await s.h.prequalify(idNumber, name: "退休人\(index)")
            _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { Date() }).file(
                FilingRequest(retiree: .init(name: "退休人\(index)", idNumber: idNumber)), by: s.caller, idempotencyKey: nil)
        }
        _ = try await s.h.infrastructure.redis.command(["DEL", AgencyKeys(agency: "hr", prefix: s.h.keyPrefix).stream])
        let later = Date().addingTimeInterval(300)
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(60),
                                    pageSize: 5, logger: s.logger, now: { later })
        #expect(try await reconciler.runOnce() == 12)
        #expect(try await s.h.streamLength("hr") == 12)
        await s.h.close()
    }

    @Test("the database clock: measured against PostgreSQL, on loopback within half a second of this host's")
    func databaseClock() async throws {
        let h = try await APIHarness()
        let clock = DatabaseClock()
        let skew = try await clock.measure(h.infrastructure.postgres)
        #expect(abs(skew) < 0.5)
        #expect(abs(clock.now().timeIntervalSinceNow - skew) < 0.5)
        await h.close()
    }

    @Test("an agency call runs under one deadline, body included, and never follows a redirect")
    func agencyCallDeadlineAndRedirects() async throws {
        let followed = Counter()
        let router = Router()
        router.post("/slow-body/tasks") { _, _ -> Response in
            // The head comes at once; the body only after the deadline.
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await Task.sleep(for: .seconds(4))
                try await writer.write(ByteBuffer(string: #"{"outcome": "succeeded", "result": {}}"#))
                try await writer.finish(nil)
            })
        }
        router.post("/moved/tasks") { _, _ in
            Response(status: .temporaryRedirect, headers: [.location: "/target/tasks"])
        }
        router.post("/target/tasks") { _, _ -> Response in
            await followed.add()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"outcome": "succeeded", "result": {}}"#)))
        }
        let request = try HTTPAgenciesTests.request()
        try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            func gateway(_ path: String) -> HTTPAgencies {
                HTTPAgencies(endpoints: AgencyEndpoints(agencies: Dictionary(uniqueKeysWithValues: Agency.allCases.map {
                    ($0, "\(base)/\(path)")
                })), timeout: .seconds(1))
            }
            await #expect(throws: TransientAgencyError.self, "a body slower than the deadline") {
                try await gateway("slow-body").perform(request)
            }
            await #expect(throws: TransientAgencyError.self, "a redirect") { try await gateway("moved").perform(request) }
            #expect(await followed.value == 0)
        }
        #expect(HTTPAgencies.validate(timeout: .seconds(10), lease: .seconds(60)) == nil)
        #expect(HTTPAgencies.validate(timeout: .seconds(30), lease: .seconds(60)) == nil)
        #expect(HTTPAgencies.validate(timeout: .seconds(31), lease: .seconds(60)) != nil)
    }

    actor Counter {
        private(set) var value = 0
        func add() { value += 1 }
    }

    @Test("two workers on one host with the default metrics port both run: the second takes a free port")
    func twoWorkersOnOneHost() async throws {
        let s = try await setup(clock: { Date() })
        func start() throws -> ChildProcess {
            try ChildProcess(try builtExecutable("workers"), [
                "run", "--database-schema", s.h.schema.name, "--key-prefix", s.h.keyPrefix, "--log-level", "notice",
            ], environment: ["DATABASE_URL": TestEnvironment.databaseURL, "REDIS_URL": TestEnvironment.redisURL,
                             "METRICS_PORT": ""])
        }
        let first = try start()
        let second = try start()
        let serving = try await waitUntil(timeout: .seconds(60)) {
            first.log.contains("metrics and health served") && second.log.contains("metrics and health served")
        }
        #expect(serving, "\(first.log)\n---\n\(second.log)")
        #expect(try await first.wait(timeout: .zero) == nil, "the first worker exited: \(first.log)")
        #expect(try await second.wait(timeout: .zero) == nil, "the second worker exited: \(second.log)")
        for child in [first, second] {
            child.signal(SIGTERM)
            _ = try? await child.wait(timeout: .seconds(30))
        }
        await s.h.close()
    }
}

extension EngineTests {
    @Test("retention: a bank account is purged to its mask once the extraction ended; old events of ended cases and old samples are deleted; nothing else")
    func retention() async throws {
        let s = try await setup(clock: { Date() })
        let other = APIHarness.residentID(birth: "19650515", sequence: 5)
        try await s.h.prequalify(other, name: "李四")
        let account = "6222020200112233445"
        func extraction(_ id: String, _ name: String) -> FilingRequest {
            FilingRequest(retiree: .init(name: name, idNumber: id), housingFund: .init(action: .sealAndExtract, centre: "changchun"),
                          bankAccount: .init(bank: "中国工商银行", accountNumber: account, holderName: name))
        }
        _ = try await file(s, extraction(Self.man, "张三"))
        _ = try await file(s, extraction(other, "李四"))
        let db = s.h.infrastructure.postgres
        // The first case is over and was last changed four years ago; the second's extraction still waits.
        try await db.query("""
            UPDATE tasks SET status = 'succeeded' FROM cases c
            WHERE c.id = tasks.case_id AND c.retiree_id_number = $1
            """, [Self.man])
        try await db.query("""
            UPDATE cases SET status = 'completed', updated_at = now() - interval '4 years' WHERE retiree_id_number = $1
            """, [Self.man])
        try await db.query("""
            INSERT INTO queue_samples (minute, agency, processed) VALUES
                (date_trunc('minute', now()) - interval '40 days', 'hr', 1), (date_trunc('minute', now()), 'hr', 1)
            """)
        let eventsOfOther = try await db.query("""
            SELECT count(*) AS n FROM events e JOIN cases c ON c.id = e.case_id WHERE c.retiree_id_number = $1
            """, [other]).first?.decode(Int.self, "n")
        let sweeper = RetentionSweeper(postgres: db, eventRetention: .seconds(3 * 365 * 86_400),
                                       sampleRetention: .seconds(30 * 86_400), batch: 2, logger: s.logger)
        let swept = try #require(try await sweeper.runOnce())
        #expect(swept.accountsPurged == 1)
        #expect(swept.eventsDeleted == 3)   // hr.qualification, fund.seal and fund.extraction filed
        #expect(swept.samplesDeleted == 1)
        let numbers = try await db.query("SELECT retiree_id_number, bank_account_number FROM cases ORDER BY retiree_id_number")
            .rows.map { (try $0.decode(String.self, "retiree_id_number"), try $0.decode(String.self, "bank_account_number")) }
        #expect(numbers.first { $0.0 == Self.man }?.1 == String(repeating: "*", count: 15) + "3445")
        #expect(numbers.first { $0.0 == other }?.1 == account, "an extraction still to be paid keeps its account")
        #expect(try await db.query("""
            SELECT count(*) AS n FROM events e JOIN cases c ON c.id = e.case_id WHERE c.retiree_id_number = $1
            """, [other]).first?.decode(Int.self, "n") == eventsOfOther)
        #expect(try await db.query("SELECT count(*) AS n FROM queue_samples").first?.decode(Int.self, "n") == 1)
        // The case still shows the masked account; a second pass finds nothing.
        let shown = try await s.h.app.test(.router) { client in
            try await client.get("/api/v1/cases/\(try await self.caseNoOf(s, Self.man))", token: try await s.h.token(.operator))
        }
        #expect(shown.text.contains(String(repeating: "*", count: 15) + "3445"))
        #expect(try await sweeper.runOnce() == RetentionSweeper.Swept())
        await s.h.close()
    }

    func caseNoOf(_ s: Setup, _ idNumber: String) async throws -> String {
        try #require(try await s.h.infrastructure.postgres.query(
            "SELECT case_no FROM cases WHERE retiree_id_number = $1", [idNumber]).first?.decode(String.self, "case_no"))
    }
}
