import Foundation
import Runtime
import Logging
import ServiceLifecycle
import Services
import Synchronization

/// The overview every operator sees, computed at most about once a second however many of them
/// look: requests read the latest snapshot, and this service refreshes it while anyone has looked
/// in the last minute. Without the service running (a test), a stale snapshot is recomputed on read.
public final class LiveOverview: Service, Sendable {
    private struct State {
        var snapshot: Overview?
        var takenAt: ContinuousClock.Instant?
        var lastRead: ContinuousClock.Instant?
        var refreshing = false
        /// Raised by `invalidate()`; a refresh stores its snapshot only if it did not change meanwhile.
        var generation = 0
    }

    let service: OverviewService
    let maxAge: Duration
    let logger: Logger
    private let state = Mutex(State())

    public init(service: OverviewService, maxAge: Duration = .seconds(1), logger: Logger) {
        self.service = service
        self.maxAge = maxAge
        self.logger = logger
    }

    /// The latest snapshot: at most `maxAge` old while the refresher runs (a few times that
    /// under load); computed now when there is none or it is older than that.
    public func current() async throws -> Overview {
        let now = ContinuousClock.now
        let cached: Overview? = state.withLock { state in
            state.lastRead = now
            guard let snapshot = state.snapshot, let takenAt = state.takenAt else { return nil }
            let limit = state.refreshing ? maxAge * 5 : maxAge
            return now - takenAt <= limit ? snapshot : nil
        }
        if let cached { return cached }
        return try await refresh()
    }

    /// Drops the snapshot, so the next read computes a fresh one (after an operator acted).
    public func invalidate() {
        state.withLock { state in
            state.snapshot = nil
            state.takenAt = nil
            state.generation += 1
        }
    }

    @discardableResult
    func refresh() async throws -> Overview {
        let generation = state.withLock { $0.generation }
        let snapshot = try await service.snapshot()
        let takenAt = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            state.snapshot = snapshot
            state.takenAt = takenAt
        }
        return snapshot
    }

    public func run() async throws {
        state.withLock { $0.refreshing = true }
        defer { state.withLock { $0.refreshing = false } }
        // Only while someone looked in the last minute.
        await Periodic.run(every: maxAge, name: "refreshing the overview", logger: logger) {
            let recentlyRead = state.withLock { state in
                state.lastRead.map { ContinuousClock.now - $0 < .seconds(60) } ?? false
            }
            if recentlyRead { _ = try await refresh() }
        }
    }
}
