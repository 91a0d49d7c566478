import Foundation

/// What the caller must do after committing a transition. The state machine decides; the
/// application services carry it out, after the database transaction commits.
public enum TaskEffect: Sendable, Hashable {
    /// Write an entry to the task's event history (every transition has one).
    case recordEvent(detail: String?)
    /// Publish the task to its agency's stream now.
    case publish
    /// Put the task in its agency's delayed set, due at this instant.
    case schedule(at: Date)
    /// Release the blocked tasks of the case that were waiting for this one
    /// (see ``ItemCatalogue/releasable(after:statuses:)``).
    case releaseDependants
    /// Cancel the tasks of the case that wait for this one, directly or not
    /// (see ``ItemCatalogue/transitiveDependants(of:in:)``).
    case cancelDependants
}
