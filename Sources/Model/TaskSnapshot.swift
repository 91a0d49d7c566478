import Foundation

/// The part of a task the state machine reads and writes.
public struct TaskSnapshot: Sendable, Hashable {
    /// The status.
    public var status: TaskStatus
    /// How many times a worker has claimed the task. Only ever grows (a claim adds one), so it
    /// fences stale messages and outcomes: a worker's outcome applies only to the attempt it claimed.
    public var attempt: Int
    /// Consecutive attempts that ended in a transient fault since the last other outcome or
    /// retrigger; compared with ``RetryPolicy/maxTransientAttempts``.
    public var transientFailures: Int
    /// When the next attempt is due (`retrying`, `awaitingConditions`, `scheduled`), else `nil`.
    public var nextAttemptAt: Date?
    /// The reason of the last unsuccessful outcome, shown to the filer; cleared on success.
    public var lastError: String?
    /// When the running time limit ends; nil while the agency cannot act (the task waits for a
    /// condition, a date, the real-name check, another item or the filer). See ``TaskTransition``.
    public var dueBy: Date?
    /// When the current run of transient faults began (nil when the last outcome was not a fault):
    /// a task of the pension chain faulting for longer than its policy's ``RetryPolicy/stalledAfter`` is stalled.
    public var failingSince: Date?
    /// What the agency reported when the work succeeded.
    public var result: TaskResult?

    /// Creates a snapshot.
    public init(status: TaskStatus, attempt: Int = 0, transientFailures: Int = 0, nextAttemptAt: Date? = nil,
                lastError: String? = nil, dueBy: Date? = nil, failingSince: Date? = nil, result: TaskResult? = nil) {
        self.status = status
        self.attempt = attempt
        self.transientFailures = transientFailures
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.dueBy = dueBy
        self.failingSince = failingSince
        self.result = result
    }

    /// Past its time limit and not finished. A waiting task has no limit running, so is never overdue.
    public func isOverdue(at now: Date) -> Bool {
        guard let dueBy, !status.isTerminal else { return false }
        return dueBy < now
    }

    /// Faulting for longer than the policy allows before it is shown as stalled (the pension chain,
    /// which never gives up on faults, needs a person to look after a day).
    public func isStalled(at now: Date, policy: RetryPolicy) -> Bool {
        guard let failingSince, let after = policy.stalledAfter, !status.isTerminal else { return false }
        return now.timeIntervalSince(failingSince) >= after.timeInterval
    }
}
