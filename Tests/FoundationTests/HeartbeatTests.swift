import Foundation
import Logging
import Queue
import Redis
import Runtime
import Testing
import TestSupport

@Suite("Worker heartbeats")
struct HeartbeatTests {
    @Test("a heartbeat carries the worker's slots and current tasks, and disappears within its TTL")
    func heartbeatExpires() async throws {
        let prefix = TestEnvironment.uniqueName("hb")
        let redis = RedisClient(endpoint: try TestEnvironment.redisEndpoint, size: 1)
        let inFlight = InFlightTasks()
        inFlight.begin("task-b")
        inFlight.begin("task-a")
        let started = Date(timeIntervalSince1970: 1_764_468_000)
        let service = { (ttl: Duration) in
            HeartbeatService(redis: redis, prefix: prefix, ttl: ttl, logger: Logger(label: "hb")) {
                let current = inFlight.taskIDs
                return WorkerHeartbeat(workerID: "w1", host: "host-1", pid: 42, agencies: ["hr", "fund"],
                                       slotsInUse: current.count, slots: 16, currentTasks: current,
                                       startedAt: started, beatAt: started)
            }
        }
        // A long TTL first, so a loaded machine cannot expire it before it is read.
        try await service(.seconds(120)).runOnce()
        let beats = try await redis.withConnection { try WorkerHeartbeat.all(on: $0, prefix: prefix) }
        #expect(beats.count == 1)
        #expect(beats.first?.workerID == "w1")
        #expect(beats.first?.slotsInUse == 2)
        #expect(beats.first?.currentTasks == ["task-a", "task-b"])
        #expect(beats.first?.agencies == ["hr", "fund"])
        inFlight.end("task-a")
        #expect(inFlight.taskIDs == ["task-b"])
        // The last beat before the worker dies, with a short TTL: the key expires by itself.
        try await service(.milliseconds(200)).runOnce()
        let gone = try await waitUntil(timeout: .seconds(15)) {
            try await redis.withConnection { try WorkerHeartbeat.all(on: $0, prefix: prefix) }.isEmpty
        }
        #expect(gone)
        try await redis.shutdown()
    }
}
