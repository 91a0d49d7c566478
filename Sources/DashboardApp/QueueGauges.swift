import Metrics
import Services

/// The dashboard's `/metrics` queue figures per agency, from the overview: ready, in flight,
/// delayed, failed, dead, past their time limit, and the oldest waiting message's age; with a read
/// replica, whether it answers and its lag.
/// (Outcomes per item, processing and waiting histograms and breaches are the workers' `/metrics`.)
public enum QueueGauges {
    public static func record(_ overview: Overview, factory: any MetricsFactory = MetricsSystem.factory) {
        for queue in overview.agencies {
            let agency = [("agency", queue.agency.rawValue)]
            func gauge(_ name: String, _ value: Int?) {
                guard let value else { return }
                Gauge(label: name, dimensions: agency, factory: factory).record(value)
            }
            gauge("onething_queue_ready", queue.ready)
            gauge("onething_queue_in_flight", queue.inFlight)
            gauge("onething_queue_delayed", queue.delayed)
            gauge("onething_tasks_failed", queue.failed)
            gauge("onething_tasks_dead", queue.dead)
            gauge("onething_tasks_past_time_limit", queue.overdue)
            gauge("onething_tasks_stalled", queue.stalled)
            Gauge(label: "onething_queue_oldest_waiting_seconds", dimensions: agency, factory: factory).record(queue.oldestWaitingSeconds ?? 0)
        }
        Gauge(label: "onething_workers_alive", factory: factory).record(overview.workers.count)
        if let replica = overview.replica {
            // Only with DATABASE_READ_URL; the lag only while the replica answers.
            Gauge(label: "onething_replica_up", factory: factory).record(replica.lagSeconds == nil ? 0 : 1)
            if let lag = replica.lagSeconds {
                Gauge(label: "onething_replica_lag_seconds", factory: factory).record(lag)
            }
        }
    }
}
