import Foundation
import Logging
import Model
import ServiceLifecycle
import Services

/// Consumes one agency's stream with a bounded number of concurrent tasks (slots).
///
/// One fetcher reads messages only for free slots — as many as are free, up to `batchSize`, in one
/// read that waits while the queue is idle — and hands each read to a batch that claims its
/// tasks in one transaction, calls the agency, commits the outcomes in one transaction, and only
/// then acknowledges the messages and publishes what became ready, in one queue round trip. Messages
/// another consumer held longer than the visibility timeout are reclaimed (``TaskQueue/read``).
///
/// On graceful shutdown (SIGTERM) it stops fetching and lets running batches finish for up to
/// `shutdownGrace`; batches still waiting on an agency then give their tasks back (`released`),
/// which publishes them again for another worker.
public struct AgencyConsumer: Service {
    public let queue: any TaskQueue
    public let agency: Agency
    public let runner: TaskRunner
    public let consumerName: String
    public let slots: Int
    public let batchSize: Int
    public let block: Duration
    public let visibilityTimeout: Duration
    public let shutdownGrace: Duration
    public let logger: Logger
    public let inFlight: InFlightTasks?
    public let metrics: WorkerMetrics

    /// - Parameter queue: where the fetcher reads (for Redis: connections of their own for the
    ///   blocking reads, one held while the fetcher waits); the runner settles through its own queue.
    public init(queue: any TaskQueue, agency: Agency, runner: TaskRunner, consumerName: String, slots: Int,
                batchSize: Int = 32, block: Duration = .seconds(1), visibilityTimeout: Duration = .seconds(60),
                shutdownGrace: Duration = .seconds(10), logger: Logger, inFlight: InFlightTasks? = nil,
                metrics: WorkerMetrics = WorkerMetrics()) {
        self.metrics = metrics
        self.queue = queue
        self.agency = agency
        self.runner = runner
        self.consumerName = consumerName
        self.slots = slots
        self.batchSize = max(1, batchSize)
        self.block = block
        self.visibilityTimeout = visibilityTimeout
        self.shutdownGrace = shutdownGrace
        self.logger = logger
        self.inFlight = inFlight
    }

    public func run() async throws {
        let gate = SlotGate(slots: slots)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { batches in
                    await withGracefulShutdownHandler {
                        await withTaskCancellationHandler {
                            var groupReady = false
                            while !stopping {
                                let free = await gate.available()
                                guard free > 0 else { break }
                                do {
                                    if !groupReady {
                                        try await ensureGroup()
                                        groupReady = true
                                    }
                                    let messages = try await next(count: min(free, batchSize))
                                    guard !messages.isEmpty else { continue }
                                    gate.take(messages.count)
                                    batches.addTask {
                                        defer { gate.give(messages.count) }
                                        await process(messages)
                                    }
                                } catch {
                                    if stopping { break }
                                    groupReady = false
                                    logger.warning("cannot read the queue; retrying",
                                                   metadata: ["agency": "\(agency.rawValue)", "error": "\(error)"])
                                    try? await Task.sleep(for: .milliseconds(500))
                                }
                            }
                        } onCancel: { gate.interrupt() }
                    } onGracefulShutdown: { gate.interrupt() }
                }
            }
            group.addTask {
                // After SIGTERM, running batches get `shutdownGrace`; then they are cancelled and give
                // their tasks back. Returns early only when the whole consumer is cancelled.
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: shutdownGrace)
                } catch {}
            }
            await group.next()
            group.cancelAll()
        }
    }

    private var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func ensureGroup() async throws {
        try await queue.prepare(agency)
    }

    /// Up to `count` new messages, or ones reclaimed from a consumer that stopped answering.
    private func next(count: Int) async throws -> [QueueMessage] {
        try await queue.read(agency, consumer: consumerName, count: count, block: block, reclaimAfter: visibilityTimeout)
    }

    /// Claims, performs and completes one read's tasks, then acknowledges its messages.
    ///
    /// Each step is retried while PostgreSQL or Redis is away; nothing is acknowledged before its
    /// outcome has committed. If the consumer is cancelled meanwhile, the messages stay pending (and
    /// claimed tasks keep their lease), so they are redelivered or taken over later.
    private func process(_ messages: [QueueMessage]) async {
        var wanted: [(id: UUID, attempt: Int)] = []
        for message in messages {
            if let id = message.taskID, let attempt = message.attempt {
                wanted.append((id, attempt))
            } else {
                logger.error("malformed message dropped", metadata: ["agency": "\(agency.rawValue)", "id": "\(message.id)"])
            }
        }
        let started = ContinuousClock.now
        guard let claimed = await retrying("claim", { try await runner.claim(wanted) }) else { return }
        let agency = agency.rawValue
        let claimedAt = Date()
        let messageOf = Dictionary(zip(wanted.map(\.id), messages.map(\.id)), uniquingKeysWith: { first, _ in first })
        for task in claimed {
            if let id = messageOf[task.id] { metrics.queueWait(agency, messageID: id, claimedAt: claimedAt) }
        }
        metrics.stale(agency, messages.count - claimed.count)
        let taskIDs = claimed.map { $0.id.uuidString.lowercased() }
        taskIDs.forEach { inFlight?.begin($0) }
        let inFlightMeter = metrics.inFlight(agency)
        inFlightMeter.increment(by: Double(claimed.count))
        defer {
            taskIDs.forEach { inFlight?.end($0) }
            inFlightMeter.decrement(by: Double(claimed.count))
        }

        var result = CompletionResult()
        if !claimed.isEmpty {
            if let completions = await retrying("agency call", { try await runner.perform(claimed) }) {
                let commit = { @Sendable in try await runner.complete(completions) }
                var committed = await retrying("complete", commit)
                if committed == nil { committed = await once("complete", commit) }
                guard let done = committed else { return }
                result = done
                let elapsed = ContinuousClock.now - started
                for task in claimed {
                    guard let status = done.statuses[task.id] else { continue }
                    metrics.outcome(task.item, status, agency: agency)
                    metrics.processing(agency, elapsed)
                }
                // A decision committed after the limit ran out; a decision ends the limit, so each counts once.
                for breach in done.breaches { metrics.breach(breach.item) }
            } else {
                // Stopping, and the grace period is over: give the tasks back for another worker.
                guard let released = await once("release", { try await runner.release(claimed) }) else { return }
                result = released
                metrics.released(agency, released.statuses.count)
                logger.notice("tasks released at shutdown", metadata: ["agency": "\(agency)", "tasks": "\(released.statuses.count)"])
            }
        }
        let (ids, of, settled) = (messages.map(\.id), self.agency, result)
        let settle = { @Sendable in try await runner.settle(settled, acknowledging: ids, of: of) }
        if await retrying("acknowledge", settle) == nil {
            _ = await once("acknowledge", settle)
        }
    }

    /// Runs a step until it succeeds, backing off from 100 ms to 2 s; nil once the consumer is cancelled.
    private func retrying<T>(_ step: String, _ body: () async throws -> T) async -> T? {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                return try await body()
            } catch {
                if Task.isCancelled { return nil }
                logger.warning("\(step) failed; retrying", metadata: ["agency": "\(agency.rawValue)", "error": "\(error)"])
                do { try await Task.sleep(for: delay) } catch { return nil }
                delay = min(delay * 2, .seconds(2))
            }
        }
        return nil
    }

    /// Runs a step once even though the consumer is cancelled (finishing what it holds): in a task of
    /// its own, which does not inherit the cancellation. Nil if it failed.
    private func once<T: Sendable>(_ step: String, _ body: @escaping @Sendable () async throws -> T) async -> T? {
        do {
            return try await Task { try await body() }.value
        } catch {
            logger.warning("\(step) failed", metadata: ["agency": "\(agency.rawValue)", "error": "\(error)"])
            return nil
        }
    }
}

/// Moves due delayed tasks (retries, payment days, re-checks) to their queues, every `interval`.
public struct DelayedPromoter: Service {
    public let queue: any TaskQueue
    public let agencies: [Agency]
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(queue: any TaskQueue, agencies: [Agency] = Agency.allCases, interval: Duration = .milliseconds(200),
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.queue = queue
        self.agencies = agencies
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// One pass over every agency; returns how many tasks moved.
    @discardableResult
    public func runOnce() async throws -> Int {
        try await queue.promoteDue(agencies, now: now())
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "promoting delayed tasks", logger: logger) { try await runOnce() }
    }
}
