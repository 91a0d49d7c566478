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

    /// Creates a snapshot.
    public init(status: TaskStatus, attempt: Int = 0, transientFailures: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil) {
        self.status = status
        self.attempt = attempt
        self.transientFailures = transientFailures
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}
