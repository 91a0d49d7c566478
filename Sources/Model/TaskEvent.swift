import Foundation

/// Something that happens to a task: a worker's outcome, a person's action, or the passing of time.
public enum TaskEvent: Sendable, Hashable {
    /// A worker takes the task (queued, retrying, awaitingConditions or scheduled → running).
    case claim
    /// The agency did the work and reported what it decided (nil when it reported nothing).
    case succeeded(result: TaskResult?)
    /// The agency answered that a condition is not met yet (not a fault).
    case conditionNotMet(reason: String)
    /// A fault that says nothing about the case: timeout, 5xx, lost connection.
    case transientFailure(reason: String)
    /// Every item the task waits for has succeeded. `realNameCheckPending` sends a task needing
    /// the check to `awaitingRealName`; `notBefore` (the payment day) sends it to `scheduled`.
    case dependencyReleased(realNameCheckPending: Bool, notBefore: Date?)
    /// The retiree passed the real-name check.
    case realNameConfirmed
    /// The real-name deadline passed without the check.
    case deadlinePassed
    /// The filer or an operator asks for a new attempt.
    case retrigger(by: Requester)
    /// The filer gives up a failed item, or an operator closes one (a failed item, or a pension-chain
    /// item waiting on a condition that will never be met: the retiree died, moved away), with a reason.
    case abandon(by: Requester, reason: String?)
    /// The worker holding the task stopped renewing its lease (crashed or hung).
    case leaseExpired
    /// The worker gives the task back unfinished (it is shutting down): not a fault.
    case released
    /// The task will not be done (e.g. the item it waits for was given up).
    case cancel(reason: String)

    /// Who asks for a retrigger.
    public enum Requester: String, Sendable, Hashable, Codable {
        /// The employer's agent or the individual who filed.
        case filer
        /// Agency staff.
        case `operator`
    }

    /// A short stable name, for events, errors and metrics.
    public var name: String {
        switch self {
        case .claim: "claim"
        case .succeeded: "succeeded"
        case .conditionNotMet: "conditionNotMet"
        case .transientFailure: "transientFailure"
        case .dependencyReleased: "dependencyReleased"
        case .realNameConfirmed: "realNameConfirmed"
        case .deadlinePassed: "deadlinePassed"
        case .retrigger: "retrigger"
        case .abandon: "abandon"
        case .leaseExpired: "leaseExpired"
        case .released: "released"
        case .cancel: "cancel"
        }
    }
}
