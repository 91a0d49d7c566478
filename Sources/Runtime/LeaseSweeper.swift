import Foundation
import Logging
import Model
import Postgres
import Queue
import ServiceLifecycle
import Services
import Storage

/// Takes over tasks whose lease expired (their worker crashed or hung) and dispatches them again.
///
/// Safe to run in every worker: each takeover re-checks the lease under the case's row lock.
public struct LeaseSweeper: Service {
    public let postgres: PostgresPool
    public let publisher: TaskPublisher
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Multiplies the retry wait of a task taken over (see `TaskRunner.backoffScale`).
    public let backoffScale: Double

    public init(postgres: PostgresPool, publisher: TaskPublisher, calendar: WorkingDayCalendar,
                paymentDay: PensionPaymentDay, interval: Duration = .seconds(5), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, backoffScale: Double = 1) {
        self.backoffScale = backoffScale
        self.postgres = postgres
        self.publisher = publisher
        self.calendar = calendar
        self.paymentDay = paymentDay
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// One pass; returns how many tasks were taken over.
    @discardableResult
    public func runOnce() async throws -> Int {
        let (calendar, paymentDay, instant, scale) = (calendar, paymentDay, now(), backoffScale)
        let dispatch = try await postgres.withConnection {
            try TaskStore.expireLeases(now: instant, limit: 200, calendar: calendar, paymentDay: paymentDay,
                                       backoffScale: scale, on: $0)
        }
        try await publisher.settle(dispatch)
        return dispatch.publish.count + dispatch.schedule.count
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "lease sweep", logger: logger) {
            let taken = try await runOnce()
            if taken > 0 { logger.info("expired leases taken over", metadata: ["tasks": "\(taken)"]) }
        }
    }
}
