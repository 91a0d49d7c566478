import Foundation
import Model
import Services
import Storage

/// `/`: queues per agency, the last hour's charts, live workers, tasks past their time limit.
enum OverviewPage {
    static func fragment(_ overview: Overview, provisionalCalendarYears: [Int] = []) -> HTML {
        let rows = HTML(overview.agencies.map { queue in
            """
            <tr><td>\(queue.agency.rawValue) <span class="muted">\(queue.agency.chineseName)</span></td>\
            <td class="num">\(Format.count(queue.ready))</td><td class="num">\(Format.count(queue.inFlight))</td>\
            <td class="num">\(Format.count(queue.delayed))</td><td class="num">\(Format.age(queue.oldestWaitingSeconds))</td>\
            <td class="num">\(link(queue.failed, "/failed?status=failed&agency=\(queue.agency.rawValue)"))</td>\
            <td class="num">\(link(queue.dead, "/failed?status=dead&agency=\(queue.agency.rawValue)"))</td>\
            <td class="num">\(overdueLink(queue.overdue, queue.agency))</td>\
            <td class="num">\(queue.stalled > 0 ? "<span class=\"bad\">\(queue.stalled)</span>" as HTML : "0")</td></tr>
            """
        })
        let workers: HTML = overview.workers.isEmpty
            ? "<tr><td colspan=\"6\" class=\"muted\">No worker has reported in the last 10 seconds.</td></tr>"
            : HTML(overview.workers.map { worker in
                let shown = worker.currentTasks.prefix(3).map { String($0.prefix(8)) }.joined(separator: ", ")
                let more = worker.currentTasks.count > 3 ? " +\(worker.currentTasks.count - 3)" : ""
                return """
                    <tr><td>\(worker.host)</td><td class="num">\(Int(worker.pid))</td><td>\(worker.agencies.joined(separator: ", "))</td>\
                    <td class="num">\(Format.age(worker.heartbeatAgeSeconds))</td>\
                    <td class="num">\(worker.slotsInUse) / \(worker.slots)</td><td class="wrap">\(shown + more)</td></tr>
                    """
            })
        let redisNotice: HTML = overview.redisAvailable ? .empty
            : Layout.notice("Redis is not answering: queue and worker figures are unknown. Work is safe in PostgreSQL and will be republished.", error: true)
        let calendarNotice: HTML = provisionalCalendarYears.isEmpty ? .empty : Layout.notice(
            "The working-day calendar for \(provisionalCalendarYears.map(String.init).joined(separator: " and ")) is provisional: computed from the national holiday law, without the State Council's notice (adjusted working weekends are missing). Put the notice's file in CALENDAR_DIR and restart.",
            error: true)
        let replicaLine: HTML = overview.replica.map { replica -> HTML in
            let lag: HTML = replica.lagSeconds.map { "\(Format.age($0))" } ?? "not answering"
            let from: HTML = replica.serving ? "pages read from the replica" : "pages read from the primary"
            return "<p class=\"muted\" id=\"replica\">Read replica lag: \(lag) — \(from).</p>"
        } ?? .empty
        let throughput = Charts.chart(title: "Throughput", unit: "tasks per minute", samples: overview.samples,
                                      now: overview.generatedAt) { Double($0.processed) }
        let wait = Charts.chart(title: "Queue wait", unit: "mean ms per minute", samples: overview.samples,
                                now: overview.generatedAt) { $0.meanWaitMillis }
        return """
            <h1>Overview</h1>
            \(redisNotice)\(calendarNotice)
            <div class="card scroll"><table>
            <thead><tr><th>Agency</th><th class="num">Ready</th><th class="num">In flight</th><th class="num">Delayed</th>\
            <th class="num">Oldest waiting</th><th class="num">Failed</th><th class="num">Dead</th><th class="num">Past time limit</th>\
            <th class="num" title="pension-chain tasks faulting for over a day">Stalled</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <div class="charts">\(throughput)\(wait)</div>
            <h2>Workers (\(overview.workers.count))</h2>
            <div class="card scroll"><table>
            <thead><tr><th>Host</th><th class="num">PID</th><th>Agencies</th><th class="num">Heartbeat</th>\
            <th class="num">Slots in use</th><th>Current tasks</th></tr></thead>
            <tbody>\(workers)</tbody></table></div>
            \(replicaLine)<p class="muted">As of \(Format.time(overview.generatedAt)) (Beijing time); refreshes every 5 seconds.</p>
            """
    }

    private static func link(_ count: Int, _ href: String) -> HTML {
        count == 0 ? "0" : "<a class=\"bad\" href=\"\(href)\">\(count)</a>"
    }

    private static func overdueLink(_ count: Int, _ agency: Agency) -> HTML {
        count == 0 ? "0" : "<a class=\"bad\" href=\"/cases?overdue=1&agency=\(agency.rawValue)\">\(count)</a>"
    }
}

/// The overview's JSON twin.
struct OverviewBody: Encodable {
    struct Queue: Encodable {
        let agency: String
        let ready: Int?
        let inFlight: Int?
        let delayed: Int?
        let oldestWaitingSeconds: Double?
        let failed: Int
        let dead: Int
        let overdue: Int
        let stalled: Int
    }

    struct Worker: Encodable {
        let workerID: String
        let host: String
        let pid: Int32
        let agencies: [String]
        let heartbeatAgeSeconds: Double
        let slotsInUse: Int
        let slots: Int
        let currentTasks: [String]
        let startedAt: String
    }

    struct Sample: Encodable {
        let minute: String
        let agency: String
        let processed: Int
        let succeeded: Int
        let meanWaitMillis: Double?
        let maxWaitMillis: Int
    }

    let generatedAt: String
    let redisAvailable: Bool
    /// The read replica's lag in seconds; absent without a replica, null when it does not answer.
    let replicaLagSeconds: Double??
    /// `replica` or `primary`: where the pages read now (absent without a replica).
    let readsFrom: String?
    /// This year and the next when their working-day calendar is only provisional.
    let provisionalCalendarYears: [Int]
    let agencies: [Queue]
    let workers: [Worker]
    let samples: [Sample]

    init(_ overview: Overview, provisionalCalendarYears: [Int] = []) {
        self.provisionalCalendarYears = provisionalCalendarYears
        generatedAt = rfc3339(overview.generatedAt)
        redisAvailable = overview.redisAvailable
        replicaLagSeconds = overview.replica.map { $0.lagSeconds }
        readsFrom = overview.replica.map { $0.serving ? "replica" : "primary" }
        agencies = overview.agencies.map {
            Queue(agency: $0.agency.rawValue, ready: $0.ready, inFlight: $0.inFlight, delayed: $0.delayed,
                  oldestWaitingSeconds: $0.oldestWaitingSeconds, failed: $0.failed, dead: $0.dead, overdue: $0.overdue,
                  stalled: $0.stalled)
        }
        workers = overview.workers.map {
            Worker(workerID: $0.workerID, host: $0.host, pid: $0.pid, agencies: $0.agencies,
                   heartbeatAgeSeconds: $0.heartbeatAgeSeconds, slotsInUse: $0.slotsInUse, slots: $0.slots,
                   currentTasks: $0.currentTasks, startedAt: rfc3339($0.startedAt))
        }
        samples = overview.samples.map {
            Sample(minute: rfc3339($0.minute), agency: $0.agency, processed: $0.processed, succeeded: $0.succeeded,
                   meanWaitMillis: $0.meanWaitMillis, maxWaitMillis: $0.waitMillisMax)
        }
    }
}
