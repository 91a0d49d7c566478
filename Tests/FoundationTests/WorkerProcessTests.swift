import Foundation
import Model
import Postgres
import Services
import Storage
import Testing
import TestSupport

/// Real `workers` processes, killed and stopped by signal, against real PostgreSQL and Redis.
extension EngineTests {
    /// Starts a worker process on this test's schema and key prefix.
    func startWorker(_ s: Setup, latencyMilliseconds: Int, grace: Int = 10, extra: [String] = []) throws -> (ChildProcess, Int) {
        let port = try freeLoopbackPort()
        let child = try ChildProcess(try builtExecutable("workers"), [
            "run", "--database-schema", s.h.schema.name, "--key-prefix", s.h.keyPrefix,
            "--metrics-port", "\(port)", "--lease", "2", "--visibility-timeout", "2", "--concurrency", "4",
            "--batch-size", "2", "--shutdown-grace", "\(grace)", "--log-level", "warning",
        ] + extra, environment: [
            "DATABASE_URL": TestEnvironment.databaseURL, "REDIS_URL": TestEnvironment.redisURL,
            "SIMULATOR_LATENCY_MS": "\(latencyMilliseconds)",
        ])
        return (child, port)
    }

    /// Files `count` cases of four tasks each (the qualification, the medical pair, the fund seal) for different retirees.
    func fileCases(_ s: Setup, count: Int) async throws {
        for index in 0..<count {
            let idNumber = APIHarness.residentID(birth: "19650515", sequence: 101 + 2 * index)
            try await s.h.prequalify(idNumber, name: "退休人\(index)")
            _ = try await s.h.infrastructure.filingService(logger: s.logger, now: { Self.now }).file(
                FilingRequest(retiree: .init(name: "退休人\(index)", idNumber: idNumber),
                              pensionBenefit: false, medicalTransfer: true,
                              housingFund: .init(action: .seal, centre: "changchun")),
                by: s.caller, idempotencyKey: nil)
        }
    }

    func count(_ s: Setup, _ sql: String) async throws -> Int {
        try await s.h.infrastructure.postgres.query(sql).first!.decode(Int.self, "n")
    }

    /// Every task succeeded, each with one `succeeded` event and one effect in the simulator's ledger.
    func expectEachTaskDoneOnce(_ s: Setup, tasks expected: Int) async throws {
        #expect(try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'succeeded'") == expected)
        #expect(try await count(s, "SELECT count(*) AS n FROM events WHERE to_status = 'succeeded'") == expected)
        #expect(try await count(s, """
            SELECT count(*) AS n FROM tasks t JOIN simulator_ledger l ON l.idempotency_key = t.id::text
            """) == expected)
        #expect(try await count(s, "SELECT count(*) AS n FROM simulator_ledger") == expected)
    }

    @Test("a worker process killed (SIGKILL) with tasks claimed: another takes them over and each is done once")
    func killedWorkerProcess() async throws {
        let s = try await setup(clock: { Date() })
        try await fileCases(s, count: 4)
        let (doomed, _) = try startWorker(s, latencyMilliseconds: 3000)
        let claimed = try await waitUntil(timeout: .seconds(30)) {
            try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") > 0
        }
        #expect(claimed, "the first worker never claimed a task: \(doomed.log)")
        doomed.signal(SIGKILL)
        #expect(try await doomed.wait(timeout: .seconds(10)) == 128 + SIGKILL)
        let held = try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'")
        #expect(held > 0)

        let (survivor, port) = try startWorker(s, latencyMilliseconds: 0)
        let finished = try await waitUntil(timeout: .seconds(60)) {
            try await count(s, "SELECT count(*) AS n FROM cases WHERE status = 'completed'") == 4
        }
        let left = try await tasks(s).mapValues(\.status)
        #expect(finished, "not finished: \(left) \(survivor.log)")
        try await expectEachTaskDoneOnce(s, tasks: 16)
        // The killed worker's claims were taken over when their leases ran out.
        #expect(try await count(s, "SELECT count(*) AS n FROM events WHERE detail = 'lease expired'") == held)
        let metrics = try httpGet("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.contains("onething_task_outcomes_total"))
        survivor.signal(SIGTERM)
        #expect(try await survivor.wait(timeout: .seconds(15)) == 0)
        await s.h.close()
    }

    @Test("SIGTERM with tasks in flight and no grace: the worker releases them, exits 0, and another finishes each once")
    func sigtermReleases() async throws {
        let s = try await setup(clock: { Date() })
        try await fileCases(s, count: 4)
        let (stopping, _) = try startWorker(s, latencyMilliseconds: 5000, grace: 0)
        let claimed = try await waitUntil(timeout: .seconds(30)) {
            try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") > 0
        }
        #expect(claimed, "the worker never claimed a task: \(stopping.log)")
        stopping.signal(SIGTERM)
        #expect(try await stopping.wait(timeout: .seconds(10)) == 0, "\(stopping.log)")
        // Nothing is left running or lost: what it held went back to the queue, with no effect applied.
        #expect(try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") == 0)
        let released = try await count(s, "SELECT count(*) AS n FROM events WHERE detail = 'released by a stopping worker'")
        #expect(released > 0)
        #expect(try await count(s, "SELECT count(*) AS n FROM simulator_ledger") == 0)

        let (next, _) = try startWorker(s, latencyMilliseconds: 0)
        let finished = try await waitUntil(timeout: .seconds(60)) {
            try await count(s, "SELECT count(*) AS n FROM cases WHERE status = 'completed'") == 4
        }
        #expect(finished, "not finished: \(next.log)")
        try await expectEachTaskDoneOnce(s, tasks: 16)
        next.signal(SIGTERM)
        #expect(try await next.wait(timeout: .seconds(15)) == 0)
        await s.h.close()
    }

    @Test("SIGTERM with tasks in flight and a grace period: the worker finishes them before it exits 0")
    func sigtermFinishesInGrace() async throws {
        let s = try await setup(clock: { Date() })
        try await fileCases(s, count: 2)
        let (stopping, _) = try startWorker(s, latencyMilliseconds: 1500, grace: 20)
        let claimed = try await waitUntil(timeout: .seconds(30)) {
            try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") > 0
        }
        #expect(claimed, "the worker never claimed a task: \(stopping.log)")
        let running = try await s.h.infrastructure.postgres.query("SELECT id FROM tasks WHERE status = 'running'")
            .rows.map { try $0.decode(UUID.self, "id") }
        stopping.signal(SIGTERM)
        #expect(try await stopping.wait(timeout: .seconds(20)) == 0, "\(stopping.log)")
        for id in running {
            let status = try await s.h.infrastructure.postgres.query("SELECT status FROM tasks WHERE id = $1", [id])
                .first?.decode(String.self, "status")
            #expect(status == "succeeded")
        }
        #expect(try await count(s, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") == 0)
        #expect(try await count(s, "SELECT count(*) AS n FROM events WHERE detail = 'released by a stopping worker'") == 0)
        await s.h.close()
    }
}
