import Foundation

/// Where the engine claims tasks and commits their outcomes: PostgreSQL in production
/// (`Storage.PostgresTaskRepository`), memory in the fast tests (`TestSupport.InMemoryTaskRepository`).
///
/// Each call is one transaction of its own and applies every change through ``CaseAggregate``.
public protocol TaskRepository: Sendable {
    /// Claims each task whose state and attempt still match its message, with a lease until
    /// `now + lease`; messages that find nothing to claim (duplicates, stale attempts, tasks not due
    /// yet) are left out of the result.
    func claim(_ messages: [(id: UUID, attempt: Int)], owner: String, lease: Duration, now: Date,
               calendar: WorkingDayCalendar) async throws -> [ClaimedTask]

    /// Commits the outcomes of claimed attempts together: each applies only while its task is still
    /// running that attempt, with what it releases and the case status.
    func complete(_ completions: [Completion], now: Date, calendar: WorkingDayCalendar,
                  paymentDay: PensionPaymentDay, actor: String) async throws -> CompletionResult

    /// Takes over up to `limit` tasks whose lease ran out before `now` (their worker crashed or hung):
    /// each becomes a transient fault by its policy. Returns what to publish or schedule.
    func expireLeases(now: Date, limit: Int, calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                      backoffScale: Double) async throws -> Dispatch
}

/// One delivered message: a task and the attempt it was published for, or nothing usable.
public struct QueueMessage: Sendable, Hashable {
    /// The message's id in its agency's queue (a Redis stream entry id: its time, then a counter).
    public let id: String
    public let taskID: UUID?
    public let attempt: Int?

    public init(id: String, taskID: UUID?, attempt: Int?) {
        self.id = id
        self.taskID = taskID
        self.attempt = attempt
    }
}

/// The engine's queue: a stream of ready tasks per agency read by a group of workers, and a set of
/// delayed ones per agency. Redis in production (`Queue.RedisTaskQueue`), memory in the fast tests
/// (`TestSupport.InMemoryTaskQueue`). A message carries only a task id and attempt; the repository
/// holds everything else, so a duplicate or stale message finds nothing to claim.
public protocol TaskQueue: Sendable {
    /// Makes sure the agency's queue and its group of workers exist.
    func prepare(_ agency: Agency) async throws

    /// Up to `count` messages for `consumer`: new ones, waiting up to `block` while there are none;
    /// else ones another consumer was given more than `reclaimAfter` ago and never acknowledged.
    /// A message stays delivered to its consumer until acknowledged.
    func read(_ agency: Agency, consumer: String, count: Int, block: Duration,
              reclaimAfter: Duration) async throws -> [QueueMessage]

    /// After the commit that produced `dispatch`, in one round trip: acknowledges the handled
    /// messages of `agency`, publishes what became ready and schedules what waits.
    func settle(_ dispatch: Dispatch, acknowledging ids: [String], of agency: Agency?) async throws

    /// Moves the delayed tasks of these agencies that are due at `now` to their queues; returns how many.
    func promoteDue(_ agencies: [Agency], now: Date) async throws -> Int
}
