import Foundation

/// The task state machine: the one function every change of a task's status goes through.
///
/// | from | event | to | effects | time limit |
/// |---|---|---|---|---|
/// | queued, retrying | claim | running (attempt + 1) | | keeps running |
/// | awaitingConditions, scheduled | claim (the re-check, the payment day) | running (attempt + 1) | | starts |
/// | running | succeeded | succeeded (with the agency's result) | releaseDependants | ends |
/// | running | conditionNotMet, policy `.fail` | failed | | stops |
/// | running | conditionNotMet, policy `.awaitConditions(d)` | awaitingConditions (now + d) | schedule | stops |
/// | running | transientFailure, leaseExpired | retrying (now + backoff) | schedule | keeps running |
/// | running | transientFailure, leaseExpired, at the policy's limit (never for the pension chain) | dead | | stops |
/// | running | released | queued (same attempt, same fault count) | publish | keeps running |
/// | blocked | dependencyReleased | queued, awaitingRealName, or scheduled (notBefore) | publish / schedule | starts when queued |
/// | awaitingRealName | realNameConfirmed | queued | publish | starts |
/// | awaitingRealName, blocked | deadlinePassed | cancelled | cancelDependants | |
/// | failed (filer or operator), dead (operator) | retrigger | queued (fault count reset) | publish | starts |
/// | failed (filer or operator), awaitingConditions (operator) | abandon | abandoned | cancelDependants | |
/// | any but running and terminal | cancel | cancelled | cancelDependants | |
///
/// Every transition also has `recordEvent`. Anything else is a ``TransitionError``.
///
/// Decisions worth knowing:
/// - An expired lease counts as a transient fault, so a task that kills its worker every time ends
///   dead instead of looping forever — unless its policy never gives up (the pension chain), which
///   then backs off to its ceiling and is shown as stalled after a day.
/// - A running task cannot be cancelled: the agency call may already have taken effect. Let its
///   outcome land, then cancel.
/// - "Condition not met" and success reset the transient-fault count: the limit is on consecutive
///   faults. The attempt number never goes down; it fences stale outcomes.
/// - A time limit runs only while the agency can act (DOMAIN.md, "Time limits run from when the
///   agency can act"): it starts when the task becomes ready, again at each re-check, payment day or
///   retrigger, and stops while the task waits for a condition, a date, the real-name check, another
///   item or the filer. The caller computes the due instant when ``Outcome/timeLimit`` is `.starts`.
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
        /// What happens to the task's time limit; when it `.starts`, the caller sets ``TaskSnapshot/dueBy``
        /// from the working-day calendar (the task leaves here with none).
        public let timeLimit: TimeLimit

        init(task: TaskSnapshot, effects: [TaskEffect], timeLimit: TimeLimit = .keeps) {
            var task = task
            if timeLimit != .keeps { task.dueBy = nil }
            self.task = task
            self.effects = effects
            self.timeLimit = timeLimit
        }
    }

    /// What a transition does to the running time limit.
    public enum TimeLimit: Sendable, Hashable {
        /// Unchanged (still running, or still none).
        case keeps
        /// A new limit starts now: the agency can act.
        case starts
        /// No limit runs: the task waits for a condition, a date, the real-name check, the filer or
        /// an operator; ``TaskSnapshot/dueBy`` becomes nil. (The end of the work keeps its last limit on record.)
        case stops
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
            // A re-check or the payment day: the agency can act again from now.
            let starts = from == .awaitingConditions || from == .scheduled
            return .success(Outcome(task: next, effects: [.recordEvent(detail: "attempt \(next.attempt)")],
                                    timeLimit: starts ? .starts : .keeps))

        case .succeeded(let result):
            guard from == .running else { return illegal }
            next.status = .succeeded
            next.transientFailures = 0
            next.failingSince = nil
            next.nextAttemptAt = nil
            next.lastError = nil
            next.result = result
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .releaseDependants]))

        case .conditionNotMet(let reason):
            guard from == .running else { return illegal }
            next.transientFailures = 0
            next.failingSince = nil
            next.lastError = reason
            switch policy.onConditionNotMet {
            case .fail:
                next.status = .failed
                next.nextAttemptAt = nil
                return .success(Outcome(task: next, effects: [.recordEvent(detail: reason)], timeLimit: .stops))
            case .awaitConditions(let recheckEvery):
                let due = now.adding(recheckEvery)
                next.status = .awaitingConditions
                next.nextAttemptAt = due
                return .success(Outcome(task: next, effects: [.recordEvent(detail: reason), .schedule(at: due)],
                                        timeLimit: .stops))
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
                return .success(Outcome(task: next, effects: [.recordEvent(detail: "waiting for the real-name check")],
                                        timeLimit: .stops))
            }
            if let notBefore, notBefore > now {
                next.status = .scheduled
                next.nextAttemptAt = notBefore
                return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .schedule(at: notBefore)],
                                        timeLimit: .stops))
            }
            next.status = .queued
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .publish], timeLimit: .starts))

        case .realNameConfirmed:
            guard from == .awaitingRealName else { return illegal }
            next.status = .queued
            return .success(Outcome(task: next, effects: [.recordEvent(detail: nil), .publish], timeLimit: .starts))

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
            next.failingSince = nil
            next.nextAttemptAt = nil
            return .success(Outcome(task: next, effects: [
                .recordEvent(detail: "retriggered by \(requester.rawValue)"), .publish,
            ], timeLimit: .starts))

        case .abandon(let requester, let reason):
            switch (from, requester) {
            case (.failed, _), (.awaitingConditions, .operator): break
            case (.awaitingConditions, .filer):
                // The pension chain is the bureau's to continue; only its staff may close it.
                return .failure(.notPermitted(event: event.name, from: from, requester: requester))
            default: return illegal
            }
            next.status = .abandoned
            next.nextAttemptAt = nil
            let detail = reason.map { "abandoned by \(requester.rawValue): \($0)" } ?? "abandoned by \(requester.rawValue)"
            return .success(Outcome(task: next, effects: [.recordEvent(detail: detail), .cancelDependants]))

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
        next.failingSince = task.failingSince ?? now
        next.lastError = reason
        if policy.isExhausted(afterFailure: next.transientFailures) {
            // Waits for an operator now; a retrigger starts a new limit.
            next.status = .dead
            next.nextAttemptAt = nil
            return Outcome(task: next, effects: [.recordEvent(detail: reason)], timeLimit: .stops)
        }
        let due = now.adding(policy.backoff(afterFailure: next.transientFailures, jitter: jitter))
        next.status = .retrying
        next.nextAttemptAt = due
        return Outcome(task: next, effects: [.recordEvent(detail: reason), .schedule(at: due)])
    }
}
