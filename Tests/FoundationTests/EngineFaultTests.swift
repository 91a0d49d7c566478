import Agencies
import Foundation
import Model
import Postgres
import Prometheus
import Queue
import Redis
import Runtime
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// A clock a test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
}

/// Faults and batches: reclaiming a dead consumer's messages, FLUSHALL and a PostgreSQL restart
/// mid-run, dead tasks, batched claims and completions, and the worker's metrics.
extension EngineTests {
    func status(_ s: Setup, of item: String) async throws -> String? {
        try await tasks(s)[item]?.status
    }

    @Test("a consumer that dies holding messages has them reclaimed by another, and every task finishes once")
    func deadConsumerReclaimed() async throws {
        let s = try await setup()
        _ = try await file(s, request(medical: true, fund: .seal))
        let streams = Agency.allCases.map { AgencyKeys(agency: $0.rawValue, prefix: s.h.keyPrefix) }
        // A consumer reads every ready message and dies without acknowledging any.
        let held = try await s.h.infrastructure.redis.withConnection { connection in
            try streams.reduce(0) { total, keys in
                _ = try connection.xgroupCreate(keys.stream, group: keys.group)
                return total + (try connection.xreadgroup(group: keys.group, consumer: "doomed", streams: [keys.stream],
                                                          count: 10, block: nil).count)
            }
        }
        #expect(held == 1)  // only hr.qualification is ready at filing; the rest wait for it
        let completed = try await drain(s, visibility: .milliseconds(300)) { try await caseStatus(s) == "completed" }
        #expect(completed)
        let pending = try await s.h.infrastructure.redis.withConnection { connection in
            try streams.reduce(0) { $0 + (try connection.xpendingCount($1.stream, group: $1.group)) }
        }
        #expect(pending == 0)
        let final = try await tasks(s)
        #expect(final.values.allSatisfy { $0.status == "succeeded" && $0.attempt == 1 })
        #expect(try await ledger(s).values.sorted() == [1, 1, 1, 1])
        await s.h.close()
    }

    @Test("FLUSHALL mid-run: the consumers recreate their groups, the reconciler republishes, every task finishes once")
    func flushAllMidRun() async throws {
        let redis = try ScratchRedis()
        let s = try await setup(redisURL: redis.url, latency: .milliseconds(150))
        _ = try await file(s, request(medical: true, fund: .seal))
        let flushedMidRun = Mutex(false)
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(1),
                                    interval: .milliseconds(200), logger: s.logger, now: { Date() })
        let completed = try await drain(s, redisURL: redis.url, alongside: [reconciler], during: {
            // Mid-run: once the first outcome has committed, while other tasks are queued or running.
            _ = try await waitUntil(timeout: .seconds(10)) { try await tasks(s).values.contains { $0.status == "succeeded" } }
            try await s.h.infrastructure.redis.command(["FLUSHALL"])
            let left = try await tasks(s).values.filter { $0.status != "succeeded" }.count
            flushedMidRun.withLock { $0 = left > 0 }
        }) { try await caseStatus(s) == "completed" }
        #expect(completed)
        #expect(flushedMidRun.withLock { $0 }, "the flush came after every task had finished")
        let final = try await tasks(s)
        #expect(final.values.allSatisfy { $0.status == "succeeded" })
        let effects = try await ledger(s)
        #expect(Set(effects.keys) == Set(final.values.map { $0.id.uuidString.lowercased() }))
        #expect(effects.values.allSatisfy { $0 == 1 })
        await s.h.close()
    }

    @Test("Redis restarted mid-run, losing its data: the consumers reconnect, the reconciler republishes, every task finishes once")
    func redisRestartMidRun() async throws {
        let redis = try ScratchRedis()
        let s = try await setup(redisURL: redis.url, latency: .milliseconds(150))
        _ = try await file(s, request(medical: true, fund: .seal))
        let restartedMidRun = Mutex(false)
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(1),
                                    interval: .milliseconds(200), logger: s.logger, now: { Date() })
        let completed = try await drain(s, redisURL: redis.url, timeout: .seconds(60), alongside: [reconciler], during: {
            _ = try await waitUntil(timeout: .seconds(10)) { try await tasks(s).values.contains { $0.status == "succeeded" } }
            let left = try await tasks(s).values.filter { $0.status != "succeeded" }.count
            try redis.stop()
            restartedMidRun.withLock { $0 = left > 0 }
            try redis.start()
        }) { try await caseStatus(s) == "completed" }
        #expect(completed)
        #expect(restartedMidRun.withLock { $0 }, "the restart came after every task had finished")
        let final = try await tasks(s)
        let effects = try await ledger(s)
        #expect(Set(effects.keys) == Set(final.values.map { $0.id.uuidString.lowercased() }))
        #expect(effects.values.allSatisfy { $0 == 1 })
        await s.h.close()
    }

    @Test("PostgreSQL restarted mid-run: the workers reconnect and every task finishes once")
    func postgresRestartMidRun() async throws {
        let postgres = try ScratchPostgres()
        let s = try await setup(databaseURL: postgres.url, lease: .seconds(3), latency: .milliseconds(150), clock: { Date() })
        _ = try await file(s, request(medical: true, fund: .seal))
        let restartedMidRun = Mutex(false)
        let sweeper = LeaseSweeper(tasks: s.tasks, queue: s.queue,
                                   calendar: try WorkingDayCalendar.bundled(), paymentDay: PensionPaymentDay(dayOfMonth: 15)!,
                                   interval: .milliseconds(500), logger: s.logger)
        let reconciler = Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, bound: .seconds(1),
                                    interval: .milliseconds(300), logger: s.logger)
        let completed = try await drain(s, timeout: .seconds(60), alongside: [sweeper, reconciler], during: {
            _ = try await waitUntil(timeout: .seconds(10)) { try await tasks(s).values.contains { $0.status == "succeeded" } }
            let left = try await tasks(s).values.filter { $0.status != "succeeded" }.count
            try postgres.stop()
            restartedMidRun.withLock { $0 = left > 0 }
            try postgres.start()
        }) { try await caseStatus(s) == "completed" }
        let snapshot = try await tasks(s).mapValues { "\($0.status)/\($0.attempt)" }
        #expect(completed, "tasks: \(snapshot)")
        #expect(restartedMidRun.withLock { $0 }, "the restart came after every task had finished")
        let effects = try await ledger(s)
        #expect(effects.count == 4)
        // One effect per task; a repeated call (a lost reply) shows as a second call, never a second effect.
        #expect(Set(effects.keys) == Set(try await tasks(s).values.map { $0.id.uuidString.lowercased() }))
        let succeededEvents = try await s.h.infrastructure.postgres.query(
            "SELECT task_id, count(*) AS n FROM events WHERE to_status = 'succeeded' GROUP BY task_id")
        #expect(succeededEvents.rows.count == 4)
        #expect(try succeededEvents.rows.allSatisfy { try $0.decode(Int.self, "n") == 1 })
        await s.h.close()
    }

    @Test("a dead task stays dead — redelivered, reconciled, promoted — until an operator retriggers it; then it runs once")
    func deadStaysDead() async throws {
        let clock = ManualClock(Self.now)
        let s = try await setup(agencies: SimulatedAgencies(transientFailureRate: 1, now: { clock.now }),
                                clock: { clock.now })
        _ = try await file(s, request())
        let task = try #require(try await tasks(s)["hr.qualification"])
        let policy = ItemCatalogue.definition(of: .hrQualification).retryPolicy
        var attempt = 0
        let limit = try #require(policy.maxTransientAttempts)
        while attempt < limit - 1 {
            #expect(try await s.runner.run(taskID: task.id, attempt: attempt) == .completed(.retrying))
            attempt += 1
            let due = try #require(try await s.h.infrastructure.postgres.query(
                "SELECT next_attempt_at FROM tasks WHERE id = $1", [task.id]).first?.decode(Date.self, "next_attempt_at"))
            clock.set(due)
        }
        #expect(try await s.runner.run(taskID: task.id, attempt: attempt) == .completed(.dead))
        attempt += 1
        #expect(try await status(s, of: "hr.qualification") == "dead")

        // Nothing brings it back by itself: not the reconciler, and not any message for it — the one
        // published at filing and every retry the promoter moves from the delayed set — redelivered.
        let farFuture = clock.now.addingTimeInterval(30 * 86_400)
        #expect(try await Reconciler(postgres: s.h.infrastructure.postgres, publisher: s.publisher, logger: s.logger,
                                     now: { farFuture }).runOnce() == 0)
        let promoted = try await DelayedPromoter(
            queue: s.queue, agencies: [.hr], logger: s.logger,
            now: { farFuture }).runOnce()
        #expect(promoted == limit - 1)
        let keys = AgencyKeys(agency: "hr", prefix: s.h.keyPrefix)
        let redelivered = try await s.h.infrastructure.redis.withConnection { connection in
            _ = try connection.xgroupCreate(keys.stream, group: keys.group)
            return try connection.xreadgroup(group: keys.group, consumer: "replay", streams: [keys.stream], count: 100, block: nil)
        }
        #expect(redelivered.count == promoted + 1)
        for message in redelivered {
            let id = try #require(message.string("task").flatMap(UUID.init(uuidString:)))
            let at = try #require(message.string("attempt").flatMap(Int.init))
            #expect(try await s.runner.run(taskID: id, attempt: at) == .stale)
        }
        #expect(try await status(s, of: "hr.qualification") == "dead")

        // A filer may not retrigger a dead task; an operator may.
        let calendar = try WorkingDayCalendar.bundled()
        let payday = PensionPaymentDay(dayOfMonth: 15)!
        let instant = clock.now
        await #expect(throws: TransitionError.self) {
            try await s.h.infrastructure.postgres.withConnection {
                try TaskStore.act(.retrigger(by: .filer), on: task.id, actor: "agent:test", now: instant,
                                  calendar: calendar, paymentDay: payday, on: $0)
            }
        }
        #expect(try await status(s, of: "hr.qualification") == "dead")
        let retriggered = try await s.h.infrastructure.postgres.withConnection {
            try TaskStore.act(.retrigger(by: .operator), on: task.id, actor: "operator:test", now: instant,
                              calendar: calendar, paymentDay: payday, on: $0)
        }
        #expect(retriggered?.status == .queued)
        #expect(retriggered?.dispatch.publish.map(\.id) == [task.id])
        let healthy = TaskRunner(tasks: s.tasks, queue: s.queue,
                                 agencies: SimulatedAgencies(ledger: PostgresEffectLedger(postgres: s.h.infrastructure.postgres),
                                                             now: { clock.now }),
                                 calendar: calendar, paymentDay: payday, owner: "after-retrigger", logger: s.logger,
                                 now: { clock.now })
        #expect(try await healthy.run(taskID: task.id, attempt: attempt) == .completed(.succeeded))
        #expect(try await ledger(s)[task.id.uuidString.lowercased()] == 1)
        let audit = try await s.h.infrastructure.postgres.query(
            "SELECT actor FROM events WHERE task_id = $1 AND from_status = 'dead'", [task.id])
        #expect(try audit.rows.map { try $0.decode(String.self, "actor") } == ["operator:test"])
        await s.h.close()
    }

    @Test("one claim transaction takes a batch: duplicates claim once, stale and blocked tasks not at all; one commit completes several cases")
    func batchedClaimAndComplete() async throws {
        let s = try await setup()
        let other = APIHarness.residentID(birth: "19650515", sequence: 5)
        try await s.h.prequalify(other, name: "李四")
        _ = try await file(s, request(fund: .seal))
        _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { Self.now }).file(
            FilingRequest(retiree: .init(name: "李四", idNumber: other), pensionBenefit: false, medicalTransfer: false,
                          housingFund: .init(action: .seal, centre: "changchun")),
            by: s.caller, idempotencyKey: nil)
        let rows = try await s.h.infrastructure.postgres.query("SELECT id, item, status FROM tasks ORDER BY item")
        let byItem = Dictionary(grouping: try rows.rows.map {
            (try $0.decode(String.self, "item"), try $0.decode(UUID.self, "id"), try $0.decode(String.self, "status"))
        }, by: \.0)
        let qualifications = try #require(byItem["hr.qualification"]).map(\.1)
        let blocked = try #require(byItem["fund.seal"]).filter { $0.2 == "blocked" }.map(\.1)
        #expect(qualifications.count == 2)
        #expect(blocked.count == 2)

        let messages = [(qualifications[0], 0), (qualifications[0], 0), (qualifications[1], 0), (qualifications[1], 7),
                        (blocked[0], 0), (UUID(), 0)]
        let claimed = try await s.runner.claim(messages)
        #expect(Set(claimed.map(\.id)) == Set(qualifications))
        #expect(claimed.count == 2)
        #expect(claimed.allSatisfy { $0.attempt == 1 && $0.work != nil })
        let result = try await s.runner.complete(try await s.runner.perform(claimed))
        #expect(result.statuses == [qualifications[0]: .succeeded, qualifications[1]: .succeeded])
        // Each success released its case's waiting task, in the same transaction.
        #expect(Set(result.dispatch.publish.map(\.id)) == Set(blocked))
        #expect(try await s.h.infrastructure.postgres.query(
            "SELECT count(*) AS n FROM tasks WHERE status = 'queued' AND ready_at IS NOT NULL AND due_by IS NOT NULL")
            .first?.decode(Int.self, "n") == 2)
        // Completing again is stale: nothing applies twice.
        let again = try await s.runner.complete(try await s.runner.perform(claimed))
        #expect(again.statuses.isEmpty)
        #expect(try await ledger(s).values.sorted() == [2, 2])  // two calls per key, one effect each
        await s.h.close()
    }

    @Test("the worker's metrics count outcomes per item and time the queue wait and processing per agency")
    func metricsCount() async throws {
        let s = try await setup()
        _ = try await file(s, request(fund: .seal))
        let registry = PrometheusCollectorRegistry()
        let metrics = WorkerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let completed = try await drain(s, metrics: metrics) { try await caseStatus(s) == "completed" }
        #expect(completed)
        let text = registry.emitToString()
        for item in ["hr.qualification", "fund.seal"] {
            #expect(text.contains(#"onething_task_outcomes_total{item="\#(item)",status="succeeded"} 1"#), "\(text)")
        }
        #expect(text.contains(#"onething_task_queue_wait_seconds_count{agency="hr"} 1"#))
        #expect(text.contains(#"onething_task_processing_seconds_count{agency="fund"} 1"#))
        #expect(text.contains(#"onething_tasks_in_flight{agency="hr"} 0"#))
        await s.h.close()
    }
}
