import Foundation

/// The task state machine: the one function every change of a task's status goes through.
///
/// | from | event | to | effects |
/// |---|---|---|---|
/// | queued, retrying, awaitingConditions, scheduled | claim | running (attempt + 1) | |
/// | running | succeeded | succeeded | releaseDependants |
/// | running | conditionNotMet, policy `.fail` | failed | |
/// | running | conditionNotMet, policy `.awaitConditions(d)` | awaitingConditions (now + d) | schedule |
/// | running | transientFailure, leaseExpired | retrying (now + backoff) or, at the policy's limit, dead | schedule |
/// | running | released | queued (same attempt, same fault count) | publish |
/// | blocked | dependencyReleased | queued, awaitingRealName, or scheduled (notBefore) | publish / schedule |
/// | awaitingRealName | realNameConfirmed | queued | publish |
/// | awaitingRealName, blocked | deadlinePassed | cancelled | cancelDependants |
/// | failed (filer or operator), dead (operator) | retrigger | queued (fault count reset) | publish |
/// | failed | abandon | abandoned | cancelDependants |
/// | any but running and terminal | cancel | cancelled | cancelDependants |
///
/// Every transition also has `recordEvent`. Anything else is a ``TransitionError``.
///
/// Decisions worth knowing:
/// - An expired lease counts as a transient fault, so a task that kills its worker every time ends
///   dead instead of looping forever.
/// - A running task cannot be cancelled: the agency call may already have taken effect. Let its
///   outcome land, then cancel.
/// - "Condition not met" and success reset the transient-fault count: the limit is on consecutive
///   faults. The attempt number never goes down; it fences stale outcomes.
public enum TaskTransition {
    /// The result of a legal transition.
    public struct Outcome: Sendable, Hashable {
        /// The task after the transition.
        public let task: TaskSnapshot
        /// What the caller must do once the new state has committed, in order.
        public let effects: [TaskEffect]

        /// The new status.
        public var status: TaskStatus { task.status }
        /// The attempt number after the transition.
        public var attempt: Int { task.attempt }
        /// When the next attempt is due, if one is scheduled.
        public var nextAttemptAt: Date? { task.nextAttemptAt }
    }

    /// Applies an event to a task.
    ///
    /// - Parameters:
    ///   - event: what happened.
    ///   - task: the task's current state.
    ///   - now: the current instant (the caller's clock; none is read here).
    ///   - policy: the item's retry policy (``ItemDefinition/retryPolicy``).
    ///   - jitter: a number in `0..<1` for the backoff's full jitter (only transient faults use it).
    public static func apply(
        _ event: TaskEvent, to task: TaskSnapshot, now: Date, policy: RetryPolicy, jitter: Double
    ) -> Result<Outcome, TransitionError> {
        let from = task.status
        var next = task
        let illegal = Result<Outcome, TransitionError>.failure(.illegal(event: event.name, from: from))

        switch event {
        case .claim:
            guard from.isClaimable else { return illegal }
            next.status = .running
            next.attempt += 1
            next.nextAttemptAt = nil
            return .success(Outcome(task: next, effects: [.recordEvent(detail: "attempt \(next.attempt)")]))

        case .succeeded:
            guard from == .running else { return illegal }
            next.status = .succeeded
            next.transientFailures = 0
            next.nextAttemptAt = nil
            next.lastError = nil
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .releaseDependants]))

        case .conditionNotMet(let reason):
            guard from == .running else { return illegal }
            next.transientFailures = 0
            next.lastError = reason
            switch policy.onConditionNotMet {
            case .fail:
                next.status = .failed
                next.nextAttemptAt = nil
                return .success(Outcome(task: next, effects: [.recordEvent(detail: reason)]))
            case .awaitConditions(let recheckEvery):
                let due = now.adding(recheckEvery)
                next.status = .awaitingConditions
                next.nextAttemptAt = due
                return .success(Outcome(task: next, effects: [.recordEvent(detail: reason), .schedule(at: due)]))
            }

        case .transientFailure(let reason):
            guard from == .running else { return illegal }
            return .success(transientFault(task: task, reason: reason, now: now, policy: policy, jitter: jitter))

        case .leaseExpired:
            guard from == .running else { return illegal }
            return .success(transientFault(task: task, reason: "lease expired", now: now, policy: policy, jitter: jitter))

        case .released:
            // A shutting-down worker gives the task back before its outcome is known; the agency call
            // is idempotent by the task id, so the next attempt is safe whatever the call did.
            guard from == .running else { return illegal }
            next.status = .queued
            return .success(Outcome(task: next, effects: [.recordEvent(detail: "released by a stopping worker"), .publish]))

        case .dependencyReleased(let realNameCheckPending, let notBefore):
            guard from == .blocked else { return illegal }
            if realNameCheckPending {
                next.status = .awaitingRealName
                return .success(Outcome(task: next, effects: [.recordEvent(detail: "waiting for the real-name check")]))
            }
            if let notBefore, notBefore > now {
                next.status = .scheduled
                next.nextAttemptAt = notBefore
                return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .schedule(at: notBefore)]))
            }
            next.status = .queued
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .publish]))

        case .realNameConfirmed:
            guard from == .awaitingRealName else { return illegal }
            next.status = .queued
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .publish]))

        case .deadlinePassed:
            guard from == .awaitingRealName || from == .blocked else { return illegal }
            next.status = .cancelled
            next.nextAttemptAt = nil
            return .success(Outcome(task: next, effects: [
                .recordEvent(detail: "real-name check not done by the deadline"), .cancelDependants,
            ]))

        case .retrigger(let requester):
            switch (from, requester) {
            case (.failed, _), (.dead, .operator): break
            case (.dead, .filer): return .failure(.notPermitted(event: event.name, from: from, requester: requester))
            default: return illegal
            }
            next.status = .queued
            next.transientFailures = 0
            next.nextAttemptAt = nil
            return .success(Outcome(task: next, effects: [
                .recordEvent(detail: "retriggered by \(requester.rawValue)"), .publish,
            ]))

        case .abandon:
            guard from == .failed else { return illegal }
            next.status = .abandoned
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .cancelDependants]))

        case .cancel(let reason):
            guard from != .running, !from.isTerminal else { return illegal }
            next.status = .cancelled
            next.nextAttemptAt = nil
            return .success(Outcome(task: next, effects: [.recordEvent(detail: reason), .cancelDependants]))
        }
    }

    private static func transientFault(
        task: TaskSnapshot, reason: String, now: Date, policy: RetryPolicy, jitter: Double
    ) -> Outcome {
        var next = task
        next.transientFailures += 1
        next.lastError = reason
        if next.transientFailures >= policy.maxTransientAttempts {
            next.status = .dead
            next.nextAttemptAt = nil
            return Outcome(task: next, effects: [.recordEvent(detail: reason)])
        }
        let due = now.adding(policy.backoff(afterFailure: next.transientFailures, jitter: jitter))
        next.status = .retrying
        next.nextAttemptAt = due
        return Outcome(task: next, effects: [.recordEvent(detail: reason), .schedule(at: due)])
    }
}
