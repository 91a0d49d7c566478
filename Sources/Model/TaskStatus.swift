/// Where a task stands. The raw values are the API's and the database's `status` strings.
///
/// Every change goes through ``TaskTransition``.
public enum TaskStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waits for another item of the case.
    case blocked
    /// Ready; published to its agency's queue.
    case queued
    /// Claimed by a worker, under a lease.
    case running
    /// Done. Terminal.
    case succeeded
    /// A transient fault; the next attempt is scheduled.
    case retrying
    /// Pension chain: a condition is not met yet; re-checked automatically.
    case awaitingConditions
    /// Waits for the retiree's real-name check (fund extraction).
    case awaitingRealName
    /// Waits for a date (the pension payment day).
    case scheduled
    /// A condition is not met; the filer may retrigger or abandon.
    case failed
    /// Transient retries exhausted; an operator may retrigger.
    case dead
    /// Will not happen (real-name deadline passed, a prerequisite given up). Terminal.
    case cancelled
    /// Given up by the filer after failing. Terminal.
    case abandoned

    /// Whether nothing can happen to the task any more.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .cancelled, .abandoned: true
        default: false
        }
    }

    /// Whether the task waits for a person (the filer or an operator) to act.
    public var needsAction: Bool { self == .failed || self == .dead }

    /// Whether the task is open: the agency can act on it now or later without anyone deciding
    /// anything — not waiting for another item, for a person, nor ended. Only an open task can be
    /// past its time limit (overdue); the dashboard's and the sweeper's counts use this list.
    public var isOpen: Bool { !isTerminal && !needsAction && self != .blocked }

    /// Every open status (``isOpen``), in declaration order.
    public static let open: [TaskStatus] = allCases.filter(\.isOpen)

    /// Whether a worker may claim the task (see ``TaskEvent/claim``).
    public var isClaimable: Bool {
        switch self {
        case .queued, .retrying, .awaitingConditions, .scheduled: true
        default: false
        }
    }
}
