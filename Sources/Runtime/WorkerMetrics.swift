import Foundation
import Metrics
import Model

/// What a worker reports at `/metrics`: outcomes and retries per item, processing time and queue
/// wait per agency, tasks in flight, stale messages and tasks released at shutdown.
///
/// Metrics go to the factory given (the process's bootstrapped one by default), so tests can read
/// them from a registry of their own.
public struct WorkerMetrics: Sendable {
    let factory: any MetricsFactory
    /// Per-minute tallies for the dashboard's charts, when this process keeps them.
    let samples: MinuteSamples?

    public init(factory: any MetricsFactory = MetricsSystem.factory, samples: MinuteSamples? = nil) {
        self.factory = factory
        self.samples = samples
    }

    /// A committed outcome: the task's new status (succeeded, failed, retrying, dead, awaitingConditions…).
    func outcome(_ item: Item, _ status: TaskStatus, agency: String) {
        samples?.outcome(agency: agency, succeeded: status == .succeeded)
        Counter(label: "onething_task_outcomes_total", dimensions: [("item", item.rawValue), ("status", status.rawValue)],
                factory: factory).increment()
        if status == .retrying {
            Counter(label: "onething_task_retries_total", dimensions: [("item", item.rawValue)], factory: factory).increment()
        }
    }

    /// An outcome committed after the step's time limit.
    func breach(_ item: Item) {
        Counter(label: "onething_time_limit_breaches_total", dimensions: [("item", item.rawValue)], factory: factory).increment()
    }

    /// From the claim to the committed outcome.
    func processing(_ agency: String, _ duration: Duration) {
        Timer(label: "onething_task_processing_seconds", dimensions: [("agency", agency)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// From the message entering the stream (its id is the time Redis took it) to the claim.
    func queueWait(_ agency: String, messageID: String, claimedAt: Date) {
        guard let millis = messageID.split(separator: "-").first.flatMap({ Int64($0) }) else { return }
        let nanos = max(0, Int64((claimedAt.timeIntervalSince1970 * 1000 - Double(millis)) * 1_000_000))
        samples?.waited(agency: agency, millis: Int(nanos / 1_000_000))
        Timer(label: "onething_task_queue_wait_seconds", dimensions: [("agency", agency)], factory: factory)
            .recordNanoseconds(nanos)
    }

    func inFlight(_ agency: String) -> Meter {
        Meter(label: "onething_tasks_in_flight", dimensions: [("agency", agency)], factory: factory)
    }

    /// Messages that found nothing to claim (duplicates, stale attempts).
    func stale(_ agency: String, _ count: Int) {
        guard count > 0 else { return }
        Counter(label: "onething_stale_messages_total", dimensions: [("agency", agency)], factory: factory)
            .increment(by: Int64(count))
    }

    /// Tasks given back unfinished at shutdown.
    func released(_ agency: String, _ count: Int) {
        Counter(label: "onething_tasks_released_total", dimensions: [("agency", agency)], factory: factory)
            .increment(by: Int64(count))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
