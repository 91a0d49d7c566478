import Foundation
import Model
import Postgres
import Queue
import Redis
import Storage

/// What the operators' overview shows at one moment.
public struct Overview: Sendable {
    /// One agency's queue: Redis's view (ready, in flight, delayed, oldest waiting) and
    /// PostgreSQL's (failed, dead, past their time limit).
    public struct AgencyQueue: Sendable, Equatable {
        public var agency: Agency
        /// Messages not yet delivered to any worker; nil when Redis cannot say.
        public var ready: Int?
        /// Delivered and not yet acknowledged.
        public var inFlight: Int?
        /// Waiting in the delayed set (retries, payment day, re-checks).
        public var delayed: Int?
        /// How long the oldest undelivered message has waited.
        public var oldestWaitingSeconds: Double?
        public var failed: Int
        public var dead: Int
        public var overdue: Int
        /// Pension-chain tasks faulting for over a day (they never give up, so a person should look).
        public var stalled: Int
    }

    /// A worker process, from its heartbeat.
    public struct Worker: Sendable, Equatable {
        public var workerID: String
        public var host: String
        public var pid: Int32
        public var agencies: [String]
        public var heartbeatAgeSeconds: Double
        public var slotsInUse: Int
        public var slots: Int
        public var currentTasks: [String]
        public var startedAt: Date
    }

    public var generatedAt: Date
    public var agencies: [AgencyQueue]
    public var workers: [Worker]
    /// Per-minute samples of the last hour, oldest first.
    public var samples: [MinuteSample]
    /// False when Redis did not answer: the Redis columns are then unknown.
    public var redisAvailable: Bool
    /// The read replica, when one is configured (`DATABASE_READ_URL`).
    public var replica: Replica? = nil

    /// The read replica's state as the dashboard's reads see it.
    public struct Replica: Sendable, Equatable {
        /// How far its replay is behind; nil when it does not answer.
        public var lagSeconds: Double?
        /// Whether the pages read from it now (it answers and lags no more than allowed).
        public var serving: Bool
    }
}

/// Builds the overview from counters Redis keeps (stream group lag and pending count, sorted-set
/// size, the first undelivered entry's id), indexed PostgreSQL counts and the per-minute samples.
/// Nothing here scans the task table.
public struct OverviewService: Sendable {
    public let postgres: PostgresPool
    /// Where the overview's counts are read: the replica when it is fresh, else the primary.
    public let reads: PostgresReadPool
    public let redis: RedisClient
    public let keyPrefix: String
    public let now: @Sendable () -> Date

    public init(postgres: PostgresPool, reads: PostgresReadPool? = nil, redis: RedisClient, keyPrefix: String,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.reads = reads ?? PostgresReadPool(primary: postgres)
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.now = now
    }

    /// The shortest stall of any item's policy (the pension chain's day).
    static let stalledAfterSeconds: Double = ItemCatalogue.all.compactMap(\.retryPolicy.stalledAfter)
        .map(\.timeInterval).min() ?? 86_400

    public func snapshot() async throws -> Overview {
        let instant = now()
        let hourAgo = Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let stalledSince = instant.addingTimeInterval(-Self.stalledAfterSeconds)
        var replica: Overview.Replica?
        if reads.replica != nil {
            let lag = await reads.replicaLagSeconds()
            replica = Overview.Replica(lagSeconds: lag, serving: lag.map { $0 <= reads.maxLagSeconds } ?? false)
        }
        let (unfinished, overdue, stalled, samples) = try await reads.withConnection { db in
            (try CaseSearch.attentionCounts(on: db), try CaseSearch.overdueCounts(at: instant, on: db),
             try CaseSearch.stalledCounts(since: stalledSince, on: db), try SampleStore.since(hourAgo, on: db))
        }
        let queues: [Agency: QueueState]
        let workers: [WorkerHeartbeat]
        var redisAvailable = true
        do {
            let prefix = keyPrefix
            (queues, workers) = try await redis.withConnection { connection in
                (try Self.queueStates(prefix: prefix, on: connection), try WorkerHeartbeat.all(on: connection, prefix: prefix))
            }
        } catch {
            (queues, workers, redisAvailable) = ([:], [], false)
        }
        let wall = Date()
        let agencies = Agency.allCases.map { agency in
            let queue = queues[agency]
            return Overview.AgencyQueue(
                agency: agency, ready: queue?.ready, inFlight: queue?.pending, delayed: queue?.delayed,
                oldestWaitingSeconds: queue?.oldestMillis.map { max(0, wall.timeIntervalSince1970 - Double($0) / 1000) },
                failed: unfinished[agency.rawValue]?[TaskStatus.failed.rawValue] ?? 0,
                dead: unfinished[agency.rawValue]?[TaskStatus.dead.rawValue] ?? 0,
                overdue: overdue[agency.rawValue] ?? 0, stalled: stalled[agency.rawValue] ?? 0)
        }
        return Overview(
            generatedAt: instant, agencies: agencies,
            workers: workers.sorted { ($0.host, $0.pid) < ($1.host, $1.pid) }.map { beat in
                Overview.Worker(workerID: beat.workerID, host: beat.host, pid: beat.pid, agencies: beat.agencies,
                                heartbeatAgeSeconds: max(0, wall.timeIntervalSince(beat.beatAt)), slotsInUse: beat.slotsInUse,
                                slots: beat.slots, currentTasks: beat.currentTasks, startedAt: beat.startedAt)
            },
            samples: samples, redisAvailable: redisAvailable, replica: replica)
    }

    struct QueueState {
        var ready: Int?
        var pending: Int?
        var delayed: Int?
        /// The Redis time (ms) of the oldest undelivered entry.
        var oldestMillis: Int?
    }

    /// Two pipelined round trips for all agencies: group info, delayed-set size and stream length, then the first
    /// entry after each group's last delivered id.
    static func queueStates(prefix: String, on connection: RedisConnection) throws -> [Agency: QueueState] {
        let keys = Agency.allCases.map { AgencyKeys(agency: $0.rawValue, prefix: prefix) }
        let first = try connection.pipeline(keys.flatMap { keys -> [[any RedisArgument]] in
            [["XINFO", "GROUPS", keys.stream], ["ZCARD", keys.delayed], ["XLEN", keys.stream]]
        })
        var states: [Agency: QueueState] = [:]
        var lastDelivered: [(Agency, String, String)] = []
        for (index, agency) in Agency.allCases.enumerated() {
            var state = QueueState(delayed: first[3 * index + 1].int ?? 0)
            let groups = first[3 * index].array ?? []
            if case .error = first[3 * index] {
                // No stream yet: nothing was ever published for this agency.
                state.ready = 0
                state.pending = 0
            } else if let group = groups.compactMap(\.pairs).first(where: { $0["name"]?.string == keys[index].group }) {
                state.ready = group["lag"]?.int
                state.pending = group["pending"]?.int
                if let last = group["last-delivered-id"]?.string {
                    lastDelivered.append((agency, keys[index].stream, last))
                }
            } else {
                // No worker has joined yet: everything in the stream is waiting.
                state.ready = first[3 * index + 2].int ?? 0
                state.pending = 0
            }
            states[agency] = state
        }
        guard !lastDelivered.isEmpty else { return states }
        let next = try connection.pipeline(lastDelivered.map { ["XRANGE", $0.1, "(" + $0.2, "+", "COUNT", 1] })
        for ((agency, _, _), reply) in zip(lastDelivered, next) {
            guard let entry = reply.array?.first?.array?.first?.string,
                  let millis = entry.split(separator: "-").first.flatMap({ Int($0) })
            else { continue }
            states[agency]?.oldestMillis = millis
        }
        return states
    }
}
