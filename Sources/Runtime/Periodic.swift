import Logging
import ServiceLifecycle

/// The loop of every periodic worker service: one pass now, then one every `interval`, until the
/// process stops (the task is cancelled, or the service group shuts down gracefully, which also cuts
/// the wait short).
///
/// A failed pass is logged once as a warning with its error — not again on every tick while the
/// fault lasts — and the first pass that succeeds after it is logged too; the next tick always tries
/// again.
public enum Periodic {
    public static func run(every interval: Duration, name: String, logger: Logger,
                    _ pass: () async throws -> Void) async {
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await pass()
                if failing { logger.notice("\(name) works again") }
                failing = false
            } catch {
                if !failing { logger.warning("\(name) failed; retrying every \(interval)", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
