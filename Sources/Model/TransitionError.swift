/// Why the state machine refused an event. Safe to show and log: it names states, never data.
public enum TransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The event makes no sense in the task's status (e.g. `succeeded` for a queued task).
    case illegal(event: String, from: TaskStatus)
    /// The event is legal for someone else: a filer may not retrigger a dead task.
    case notPermitted(event: String, from: TaskStatus, requester: TaskEvent.Requester)
    /// The case has no task for the item (an event for an item the case was not filed with).
    case noTask(item: Item)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .illegal: "illegal_transition"
        case .notPermitted: "transition_not_permitted"
        case .noTask: "no_such_task"
        }
    }

    /// A plain-language explanation.
    public var message: String {
        switch self {
        case .illegal(let event, let from):
            "A task that is \(from.rawValue) cannot take the event \(event)."
        case .notPermitted(let event, let from, let requester):
            "A \(requester.rawValue) may not \(event) a task that is \(from.rawValue)."
        case .noTask(let item):
            "The case has no task for \(item.rawValue)."
        }
    }

    /// The plain-language message.
    public var description: String { message }
}
