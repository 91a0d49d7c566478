import Foundation
import Synchronization

/// The tasks this worker is running right now, for its heartbeat.
public final class InFlightTasks: Sendable {
    private let running = Mutex<[String: Int]>([:])

    public init() {}

    public func begin(_ taskID: String) {
        running.withLock { $0[taskID, default: 0] += 1 }
    }

    public func end(_ taskID: String) {
        running.withLock {
            let left = ($0[taskID] ?? 1) - 1
            $0[taskID] = left > 0 ? left : nil
        }
    }

    /// The ids of the running tasks, sorted.
    public var taskIDs: [String] { running.withLock { $0.keys.sorted() } }
}
