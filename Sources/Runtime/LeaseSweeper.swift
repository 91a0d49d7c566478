import Foundation
import Logging
import Model
import ServiceLifecycle

/// Takes over tasks whose lease expired (their worker crashed or hung) and dispatches them again.
///
/// Safe to run in every worker: each takeover re-checks the lease under the case's row lock.
public struct LeaseSweeper: Service {
    public let tasks: any TaskRepository
    public let queue: any TaskQueue
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let interval: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Multiplies the retry wait of a task taken over (see `TaskRunner.backoffScale`).
    public let backoffScale: Double

    public init(tasks: any TaskRepository, queue: any TaskQueue, calendar: WorkingDayCalendar,
                paymentDay: PensionPaymentDay, interval: Duration = .seconds(5), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, backoffScale: Double = 1) {
        self.backoffScale = backoffScale
        self.tasks = tasks
        self.queue = queue
        self.calendar = calendar
        self.paymentDay = paymentDay
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// One pass; returns how many tasks were taken over.
    @discardableResult
    public func runOnce() async throws -> Int {
        let dispatch = try await tasks.expireLeases(now: now(), limit: 200, calendar: calendar, paymentDay: paymentDay,
                                                    backoffScale: backoffScale)
        try await queue.settle(dispatch, acknowledging: [], of: nil)
        return dispatch.publish.count + dispatch.schedule.count
    }

    public func run() async throws {
        await Periodic.run(every: interval, name: "lease sweep", logger: logger) {
            let taken = try await runOnce()
            if taken > 0 { logger.info("expired leases taken over", metadata: ["tasks": "\(taken)"]) }
        }
    }
}
