import Foundation
import Logging
import Synchronization

/// The clock a process runs on: PostgreSQL's (``DatabaseClock``), or the host's when none is given,
/// or — for end-to-end tests only — the instant written in the file named by
/// `ONETHING_TEST_CLOCK_FILE` (RFC 3339), read again whenever the file changes, so a test can move
/// the time of running `workers` and `dashboard` processes (say, past a retirement date).
public enum ProcessClock {
    public static func fromEnvironment(logger: Logger, database: DatabaseClock? = nil) -> @Sendable () -> Date {
        guard let path = Environment.value("ONETHING_TEST_CLOCK_FILE") else {
            if let database { return { database.now() } }
            return { Date() }
        }
        logger.warning("TEST CLOCK: the time is read from a file; never set ONETHING_TEST_CLOCK_FILE in production",
                       metadata: ["file": "\(path)"])
        let cache = Mutex<(modified: Date?, size: Int, value: Date?)>((nil, -1, nil))
        return {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = attributes?[.modificationDate] as? Date
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            if let hit = cache.withLock({ $0.modified == modified && $0.size == size ? $0.value : nil }) {
                return hit
            }
            let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            let value = text.flatMap { try? Date($0, strategy: .iso8601) }
            cache.withLock { $0 = (modified, size, value) }
            return value ?? Date()
        }
    }
}
