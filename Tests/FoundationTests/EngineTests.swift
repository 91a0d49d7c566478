import Agencies
import Foundation
import Logging
import Model
import Postgres
import Queue
import Redis
import ServiceLifecycle
import Runtime
import Services
import Storage
import Testing
import TestSupport

/// The delivery engine against real PostgreSQL and Redis: consumers, claims, outcomes, leases.
@Suite("Delivery engine")
struct EngineTests {
    static let now = Date(timeIntervalSince1970: 1_764_468_000)  // 2025-11-30 10:00 Beijing time
    static let man = APIHarness.residentID(birth: "19650515", sequence: 3)

    struct Setup {
        let h: APIHarness
        let caller: Caller
        let runner: TaskRunner
        let publisher: TaskPublisher
        let logger: Logger

        var queue: RedisTaskQueue { RedisTaskQueue(redis: h.infrastructure.redis, prefix: h.keyPrefix) }
        var tasks: PostgresTaskRepository { PostgresTaskRepository(postgres: h.infrastructure.postgres) }
    }

    /// `clock` is what the runner and simulator see; the filing rules always see `now`.
    func setup(agencies: (any AgencyGateway)? = nil, medicalMonths: Int = 300,
               redisURL: String = TestEnvironment.redisURL, databaseURL: String = TestEnvironment.databaseURL,
               lease: Duration = .seconds(30), latency: Duration = .zero,
               clock: @escaping @Sendable () -> Date = { EngineTests.now },
               filingClock: (@Sendable () -> Date)? = nil) async throws -> Setup {
        let h = try await APIHarness(now: Self.now, clock: filingClock, redisURL: redisURL, databaseURL: databaseURL)
        let token = try await h.token(.agent, organisation: "acme")
        let caller = try #require(try await h.infrastructure.postgres.withConnection { try TokenStore.authenticate(token, on: $0) })
        let record = Prequalification(
            idNumber: try ResidentID(parsing: Self.man), name: "张三", category: .male, organisation: "acme", passed: true,
            contributionMonths: 300, deemedMonths: 24, medicalContributionMonths: medicalMonths, fundCentre: "changchun",
            fundAccountFrozen: false, householdRegistered: true, onlyChildParent: false)
        try await h.infrastructure.postgres.withConnection { try PrequalificationStore.upsert(record, on: $0) }
        var logger = Logger(label: "engine-test")
        logger.logLevel = .warning
        let publisher = TaskPublisher(redis: h.infrastructure.redis, prefix: h.keyPrefix)
        let runner = TaskRunner(
            tasks: PostgresTaskRepository(postgres: h.infrastructure.postgres),
            queue: RedisTaskQueue(redis: h.infrastructure.redis, prefix: h.keyPrefix),
            agencies: agencies ?? SimulatedAgencies(ledger: PostgresEffectLedger(postgres: h.infrastructure.postgres),
                                                    latency: latency, now: clock),
            calendar: try WorkingDayCalendar.bundled(), paymentDay: PensionPaymentDay(dayOfMonth: 15)!,
            owner: "test-worker", lease: lease, logger: logger, now: clock)
        return Setup(h: h, caller: caller, runner: runner, publisher: publisher, logger: logger)
    }

    func file(_ s: Setup, _ choices: FilingRequest) async throws -> String {
        try await s.h.infrastructure.filingService(logger: s.logger, now: { Self.now })
            .file(choices, by: s.caller, idempotencyKey: nil).record.caseNo
    }

    func request(pension: Bool = false, medical: Bool = false, fund: HousingFundAction = .none) -> FilingRequest {
        FilingRequest(retiree: .init(name: "张三", idNumber: Self.man), pensionBenefit: pension, medicalTransfer: medical,
                      housingFund: .init(action: fund, centre: fund == .none ? nil : "changchun"))
    }

    func tasks(_ s: Setup) async throws -> [String: (status: String, attempt: Int, id: UUID)] {
        var result: [String: (status: String, attempt: Int, id: UUID)] = [:]
        for row in try await s.h.infrastructure.postgres.query("SELECT id, item, status, attempt FROM tasks") {
            result[try row.decode(String.self, "item")] = (try row.decode(String.self, "status"),
                                                           try row.decode(Int.self, "attempt"), try row.decode(UUID.self, "id"))
        }
        return result
    }

    func caseStatus(_ s: Setup) async throws -> String? {
        try await s.h.infrastructure.postgres.query("SELECT status FROM cases").first?.decode(String.self, "status")
    }

    func ledger(_ s: Setup) async throws -> [String: Int] {
        try await s.h.infrastructure.postgres.withConnection { try LedgerStore.entries(on: $0) }
    }

    /// Runs consumers for every agency until `done` holds or the deadline passes; then stops them.
    func drain(_ s: Setup, redisURL: String = TestEnvironment.redisURL, visibility: Duration = .seconds(60),
               metrics: WorkerMetrics = WorkerMetrics(), timeout: Duration = .seconds(20),
               alongside: [any Service] = [], during: (@Sendable () async throws -> Void)? = nil,
               until done: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        let streams = RedisClient(endpoint: try RedisEndpoint(url: redisURL), size: 9)
        let result = try await withThrowingTaskGroup(of: Bool.self) { group in
            for service in alongside {
                group.addTask { try await service.run(); return false }
            }
            if let during {
                group.addTask { try await during(); return false }
            }
            for agency in Agency.allCases {
                let consumer = AgencyConsumer(queue: RedisTaskQueue(redis: s.h.infrastructure.redis, reads: streams, prefix: s.h.keyPrefix),
                                              agency: agency,
                                              runner: s.runner, consumerName: "c-\(agency)", slots: 2,
                                              block: .milliseconds(100), visibilityTimeout: visibility,
                                              logger: s.logger, metrics: metrics)
                group.addTask { try await consumer.run(); return false }
            }
            group.addTask { try await waitUntil(timeout: timeout, done) }
            var finished = false
            while let next = try await group.next() {
                // Services and the disruption end without deciding; the condition decides.
                if next || group.isEmpty {
                    finished = next
                    group.cancelAll()
                    break
                }
            }
            return finished
        }
        try await streams.shutdown()
        return result
    }

    @Test("a filed case's tasks each run once and the case completes; the ledger shows one effect per task")
    func completesOnce() async throws {
        let s = try await setup()
        _ = try await file(s, request(medical: true, fund: .seal))
        let completed = try await drain(s) { try await caseStatus(s) == "completed" }
        #expect(completed)
        let final = try await tasks(s)
        // No pension item, so no hr.deemedYears (issue 14: the deemed years come with the pension).
        #expect(Set(final.keys) == ["hr.qualification", "medical.deemedYears", "medical.transfer", "fund.seal"])
        #expect(final.values.allSatisfy { $0.status == "succeeded" && $0.attempt == 1 })
        let effects = try await ledger(s)
        #expect(Set(effects.keys) == Set(final.values.map { $0.id.uuidString.lowercased() }))
        #expect(effects.values.allSatisfy { $0 == 1 })
        // Every change is an event: filed, and for each task claimed and succeeded (plus released for the blocked).
        let blocked = ItemCatalogue.initialTasks(for: FilingChoices(medicalTransfer: true, housingFund: .seal),
                                                 realNameCheckPending: false).filter { $0.status == .blocked }.count
        #expect(blocked == 3)
        let events = try await s.h.infrastructure.postgres.query("SELECT count(*) AS n FROM events").first!.decode(Int.self, "n")
        #expect(events == 4 + 4 * 2 + blocked)
        await s.h.close()
    }

    @Test("a duplicate or stale message finds nothing to claim, and applies no second effect")
    func duplicateHarmless() async throws {
        let s = try await setup()
        _ = try await file(s, request())
        let completed = try await drain(s) { try await caseStatus(s) == "completed" }
        #expect(completed)
        let done = try #require(try await tasks(s)["hr.qualification"])
        #expect(try await s.runner.run(taskID: done.id, attempt: 0) == .stale)
        #expect(try await s.runner.run(taskID: done.id, attempt: 1) == .stale)
        #expect(try await ledger(s)[done.id.uuidString.lowercased()] == 1)
        #expect(try await tasks(s)["hr.qualification"]?.attempt == 1)
        await s.h.close()
    }

    @Test("a worker that dies between claim and complete: the lease expires, another finishes it, one effect")
    func leaseTakeover() async throws {
        let s = try await setup()
        _ = try await file(s, request())
        let first = try #require(try await tasks(s)["hr.qualification"])
        let claimed = try await s.h.infrastructure.postgres.withConnection {
            try TaskStore.claim(first.id, attempt: 0, owner: "doomed", lease: .seconds(30), now: Self.now,
                                calendar: try WorkingDayCalendar.standard(), on: $0)
        }
        #expect(claimed?.attempt == 1)
        let calendar = try WorkingDayCalendar.bundled()
        let early = LeaseSweeper(tasks: s.tasks, queue: s.queue, calendar: calendar,
                                 paymentDay: PensionPaymentDay(dayOfMonth: 15)!, logger: s.logger, now: { Self.now.addingTimeInterval(10) })
        #expect(try await early.runOnce() == 0)
        let late = LeaseSweeper(tasks: s.tasks, queue: s.queue, calendar: calendar,
                                paymentDay: PensionPaymentDay(dayOfMonth: 15)!, logger: s.logger, now: { Self.now.addingTimeInterval(31) })
        #expect(try await late.runOnce() == 1)
        // An expired lease counts as a transient fault: the task retries after a backoff.
        let row = try #require(try await s.h.infrastructure.postgres.query(
            "SELECT status, attempt, next_attempt_at FROM tasks WHERE id = $1", [first.id]).first)
        #expect(try row.decode(String.self, "status") == "retrying")
        let due = try row.decode(Date.self, "next_attempt_at")
        // Another worker picks it up once due, and the agency applies the effect once.
        let later = TaskRunner(tasks: s.tasks, queue: s.queue,
                               agencies: SimulatedAgencies(ledger: PostgresEffectLedger(postgres: s.h.infrastructure.postgres)),
                               calendar: calendar, paymentDay: PensionPaymentDay(dayOfMonth: 15)!, owner: "survivor",
                               logger: s.logger, now: { due.addingTimeInterval(1) })
        #expect(try await later.run(taskID: first.id, attempt: 1) == .completed(.succeeded))
        #expect(try await later.run(taskID: first.id, attempt: 1) == .stale)
        #expect(try await tasks(s)["hr.qualification"]?.attempt == 2)
        #expect(try await ledger(s)[first.id.uuidString.lowercased()] == 1)
        await s.h.close()
    }

    @Test("Redis loses every message (its keys deleted) before any worker ran: the reconciler republishes and all finish once")
    func redisLoss() async throws {
        let s = try await setup()
        _ = try await file(s, request(medical: true, fund: .seal))
        #expect(try await s.h.streamLength("hr") == 1)
        // What FLUSHALL does to this test's data (the test server is shared, so only this prefix goes).
        for agency in Agency.allCases {
            try await s.h.infrastructure.redis.command(["DEL", "\(s.h.keyPrefix):{\(agency.rawValue)}:stream"])
        }
        #expect(try await s.h.streamLength("hr") == 0)
        let reconciler = { (at: Date) in
            Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(60),
                       logger: s.logger, now: { at })
        }
        #expect(try await reconciler(Self.now.addingTimeInterval(30)).runOnce() == 0)
        #expect(try await reconciler(Self.now.addingTimeInterval(61)).runOnce() == 1)
        // Dispatched again just now: the next pass leaves it alone.
        #expect(try await reconciler(Self.now.addingTimeInterval(62)).runOnce() == 0)
        let completed = try await drain(s) { try await caseStatus(s) == "completed" }
        #expect(completed)
        #expect(try await ledger(s).values.sorted() == [1, 1, 1, 1])
        await s.h.close()
    }

    @Test("Redis restarted, losing its data, just as the consumers start: they reconnect, the reconciler republishes, all finish once")
    func redisRestart() async throws {
        let redis = try ScratchRedis()
        let s = try await setup(redisURL: redis.url)
        _ = try await file(s, request(medical: true, fund: .seal))
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(1),
                                    interval: .milliseconds(200), logger: s.logger, now: { Date() })
        let completed = try await drain(s, redisURL: redis.url, alongside: [reconciler], during: {
            try redis.stop()
            try redis.start()
        }) { try await caseStatus(s) == "completed" }
        #expect(completed)
        let effects = try await ledger(s)
        #expect(effects.count == 4)
        #expect(effects.values.allSatisfy { $0 == 1 })
        await s.h.close()
    }

    @Test("of several reconcilers running at once, one republishes and the others find nothing")
    func singleReconciler() async throws {
        let s = try await setup()
        _ = try await file(s, request())
        let later = Self.now.addingTimeInterval(61)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher,
                                         logger: s.logger, now: { later }).runOnce()
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == [0, 0, 0, 0, 1])
        await s.h.close()
    }

    @Test("a medical condition not met fails the task with its reason; the case needs action")
    func conditionNotMet() async throws {
        let s = try await setup(medicalMonths: 120)
        _ = try await file(s, request(medical: true))
        let settled = try await drain(s) {
            let statuses = try await tasks(s).values.map(\.status)
            return try await caseStatus(s) == "actionRequired" && statuses.allSatisfy { ["succeeded", "failed"].contains($0) }
        }
        let snapshot = try await tasks(s).mapValues { "\($0.status)/\($0.attempt)" }
        #expect(settled, "tasks: \(snapshot)")
        let row = try #require(try await s.h.infrastructure.postgres.query(
            "SELECT status, last_error FROM tasks WHERE item = 'medical.transfer'").first)
        #expect(try row.decode(String.self, "status") == "failed")
        #expect(try row.decodeIfPresent(String.self, "last_error")?.contains("300 months") == true)
        #expect(try await ledger(s).count == 2)
        await s.h.close()
    }

    @Test("a transient fault schedules a retry within the policy's backoff, in the agency's delayed set")
    func transientRetry() async throws {
        let s = try await setup(agencies: SimulatedAgencies(transientFailureRate: 1, now: { Self.now }))
        _ = try await file(s, request())
        let task = try #require(try await tasks(s)["hr.qualification"])
        #expect(try await s.runner.run(taskID: task.id, attempt: 0) == .completed(.retrying))
        let row = try #require(try await s.h.infrastructure.postgres.query(
            "SELECT attempt, next_attempt_at, last_error FROM tasks WHERE id = $1", [task.id]).first)
        let next = try row.decode(Date.self, "next_attempt_at")
        let ceiling = ItemCatalogue.definition(of: .hrQualification).retryPolicy.backoffCeiling(afterFailure: 1)
        #expect(next >= Self.now)
        #expect(next.timeIntervalSince(Self.now) <= Double(ceiling.components.seconds) + 0.001)
        #expect(try row.decodeIfPresent(String.self, "last_error")?.contains("transient") == true)
        let member = "\(task.id.uuidString.lowercased()):1"
        let score = try await s.h.infrastructure.redis.command(["ZSCORE", "\(s.h.keyPrefix):{hr}:delayed", member]).string
        #expect(score.flatMap(Double.init) == (next.timeIntervalSince1970 * 1000).rounded(.down))
        // Not due yet: the promoter leaves it; due: it moves to the stream.
        let promoter = { (at: Date) in
            DelayedPromoter(queue: s.queue, agencies: [.hr],
                            logger: s.logger, now: { at })
        }
        let before = try await s.h.streamLength("hr")
        #expect(try await promoter(Self.now).runOnce() == 0)
        #expect(try await promoter(next.addingTimeInterval(0.01)).runOnce() == 1)
        #expect(try await s.h.streamLength("hr") == before + 1)
        await s.h.close()
    }
}
