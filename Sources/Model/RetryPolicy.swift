import Foundation

/// How an item is retried: transient faults back off exponentially with full jitter up to a number
/// of attempts, then the task is dead; "condition not met" does what ``onConditionNotMet`` says.
///
/// Transient faults (timeouts, 5xx, lost connections, an expired lease) say nothing about the case
/// and are worth retrying soon; "condition not met" is the agency's considered answer and is never
/// retried as if it were a fault.
public struct RetryPolicy: Sendable, Hashable {
    /// What to do when the agency answers that a condition is not met yet.
    public enum ConditionNotMet: Sendable, Hashable {
        /// Wait and ask again by itself every `recheckEvery` (the pension chain: never asks the filer).
        case awaitConditions(recheckEvery: Duration)
        /// Stop as `failed`; the filer may retrigger or abandon (medical, fund, hr).
        case fail
    }

    /// How many consecutive attempts may end in a transient fault; the last one makes the task dead.
    /// Nil: never dead (the pension chain keeps trying until paid).
    public let maxTransientAttempts: Int?
    /// The backoff ceiling after the first transient fault; it doubles with each further one.
    public let baseBackoff: Duration
    /// The largest backoff ceiling.
    public let maxBackoff: Duration
    /// What "condition not met" does.
    public let onConditionNotMet: ConditionNotMet
    /// How long a run of transient faults may last before the task is shown as stalled and alerts
    /// (for items that never die); nil: never stalled.
    public let stalledAfter: Duration?

    /// Creates a policy. `maxTransientAttempts` below 1 is treated as 1; nil means unlimited.
    public init(maxTransientAttempts: Int?, baseBackoff: Duration, maxBackoff: Duration, onConditionNotMet: ConditionNotMet,
                stalledAfter: Duration? = nil) {
        self.maxTransientAttempts = maxTransientAttempts.map { max(1, $0) }
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.onConditionNotMet = onConditionNotMet
        self.stalledAfter = stalledAfter
    }

    /// Whether the `failures`-th consecutive transient fault makes the task dead.
    public func isExhausted(afterFailure failures: Int) -> Bool {
        guard let maxTransientAttempts else { return false }
        return failures >= maxTransientAttempts
    }

    /// The backoff ceiling after the `failures`-th consecutive transient fault (1-based):
    /// `min(maxBackoff, baseBackoff * 2^(failures - 1))`.
    public func backoffCeiling(afterFailure failures: Int) -> Duration {
        let exponent = min(max(0, failures - 1), 62)
        let ceiling = baseBackoff.timeInterval * pow(2, Double(exponent))
        return Self.duration(min(maxBackoff.timeInterval, ceiling))
    }

    /// The delay before the next attempt after the `failures`-th consecutive transient fault, with
    /// full jitter: `jitter * ceiling`.
    ///
    /// Full jitter spreads retries of many tasks that failed together (an agency outage) over the
    /// whole window instead of bunching them. The jitter is passed in so that callers own the
    /// randomness and tests are deterministic.
    /// - Parameter jitter: a number in `0..<1`; values outside are clamped into it.
    public func backoff(afterFailure failures: Int, jitter: Double) -> Duration {
        let unit = jitter.isNaN ? 0 : min(max(jitter, 0), 1.0.nextDown)
        return Self.duration(backoffCeiling(afterFailure: failures).timeInterval * unit)
    }

    /// The delay before the next attempt, drawing the jitter from `generator`.
    public func backoff(afterFailure failures: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        backoff(afterFailure: failures, jitter: Double.random(in: 0..<1, using: &generator))
    }

    /// Whole milliseconds, clamped to 0...~285 000 years so that no configuration can trap.
    static func duration(_ seconds: Double) -> Duration {
        let milliseconds = (seconds * 1000).rounded(.down)
        guard milliseconds.isFinite, milliseconds > 0 else { return .zero }
        return .milliseconds(Int64(min(milliseconds, 9e15)))
    }
}
