import Foundation
import Logging
import Metrics
import Model
import Postgres
import ServiceLifecycle
import Storage

/// Once a minute, on one worker at a time (an advisory lock elects it): cancels the tasks still
/// waiting for a real-name check whose deadline has passed (the seal stays), and reports how many
/// open tasks are past their time limit, per agency (`onething_tasks_overdue`).
public struct DeadlineSweeper: Service {
    public let postgres: PostgresPool
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger
    public let factory: any MetricsFactory

    public init(postgres: PostgresPool, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                interval: Duration = .seconds(60), logger: Logger, factory: any MetricsFactory = MetricsSystem.factory,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.calendar = calendar
        self.paymentDay = paymentDay
        self.interval = interval
        self.logger = logger
        self.factory = factory
        self.now = now
    }

    /// One pass; nil when another worker holds the sweep. Returns how many tasks it cancelled.
    @discardableResult
    public func runOnce() async throws -> Int? {
        let (calendar, paymentDay, instant) = (calendar, paymentDay, now())
        let today = LocalDate(instant, utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        let result: (Int, [String: Int])? = try await postgres.withConnection { try SingletonLock.ifElected("deadlines", on: $0) { db in
            let cancelled = try RealNameStore.cancelMissedDeadlines(today: today, now: instant, limit: 500, calendar: calendar,
                                                                   paymentDay: paymentDay, on: db)
            return (cancelled, try CaseSearch.overdueCounts(at: instant, on: db))
        } }
        CalendarSettings.recordProvisional(calendar, today: today, factory: factory)
        guard let (cancelled, overdue) = result else { return nil }
        for agency in Agency.allCases {
            Gauge(label: "onething_tasks_overdue", dimensions: [("agency", agency.rawValue)], factory: factory)
                .record(overdue[agency.rawValue] ?? 0)
        }
        if cancelled > 0 {
            logger.notice("real-name deadlines passed: extractions cancelled", metadata: ["tasks": "\(cancelled)"])
        }
        return cancelled
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "deadline sweep", logger: logger) { try await runOnce() }
    }
}
