import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Storage

/// Adds this worker's per-minute tallies to `queue_samples` every `interval`, and once more on
/// the way out; drops samples older than a day now and then.
public struct SampleFlusher: Service {
    public let postgres: PostgresPool
    public let samples: MinuteSamples
    public let interval: Duration
    public let logger: Logger

    public init(postgres: PostgresPool, samples: MinuteSamples, interval: Duration = .seconds(5), logger: Logger) {
        self.postgres = postgres
        self.samples = samples
        self.interval = interval
        self.logger = logger
    }

    /// Writes what was tallied; on failure puts it back for the next pass and rethrows.
    public func runOnce() async throws {
        let pending = samples.drain()
        guard !pending.isEmpty else { return }
        do {
            try await postgres.withConnection { try SampleStore.add(pending, on: $0) }
        } catch {
            samples.restore(pending)
            throw error
        }
    }

    public func run() async throws {
        var passes = 0
        // Samples not written are kept for the next pass.
        await Periodic.run(every: interval, name: "writing the minute samples", logger: logger) {
            try await runOnce()
            passes += 1
            if passes % 720 == 1 {
                let cutoff = samples.now().addingTimeInterval(-86_400)
                try await postgres.withConnection { try SampleStore.prune(before: cutoff, on: $0) }
            }
        }
        try? await runOnce()
    }
}
