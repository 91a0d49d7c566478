/// Where a case stands, derived from its tasks and never stored independently of them.
public enum CaseStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Work is still going on and nothing needs a person.
    case inProgress
    /// Some task failed or is dead: the filer or an operator should act.
    case actionRequired
    /// Every task succeeded.
    case completed
    /// Nothing is left to do, and some tasks did not succeed (cancelled or abandoned).
    case closed

    /// The case status for its tasks' statuses.
    ///
    /// `actionRequired` wins over everything (a failure must be seen even while other items run);
    /// then any unfinished task makes it `inProgress`; when all are terminal it is `completed` if
    /// all succeeded, else `closed`. A case with no tasks counts as `completed` (every case has at
    /// least `hr.qualification`, so this does not arise in practice).
    public static func derive(from statuses: some Sequence<TaskStatus>) -> CaseStatus {
        var allSucceeded = true
        var unfinished = false
        for status in statuses {
            if status.needsAction { return .actionRequired }
            if !status.isTerminal { unfinished = true }
            if status != .succeeded { allSucceeded = false }
        }
        if unfinished { return .inProgress }
        return allSucceeded ? .completed : .closed
    }

    /// Whether the case has ended (so the retiree may file again).
    public var hasEnded: Bool { self == .completed || self == .closed }
}
