import Storage
import Synchronization

/// Sessions this process looked up in the last few seconds, so a page costs one query, not two.
///
/// A logout here takes effect at once; a logout through another dashboard process, or a disabled
/// operator, within `ttl`. Keys are the cookie values (kept in memory only, never logged).
public final class SessionCache: Sendable {
    private struct Entry {
        var session: OperatorSession
        var until: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let ttl: Duration
    let capacity: Int

    public init(ttl: Duration = .seconds(5), capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func get(_ token: String) -> OperatorSession? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.until > now else {
                entries[token] = nil
                return nil
            }
            return entry.session
        }
    }

    func put(_ token: String, _ session: OperatorSession) {
        let until = ContinuousClock.now + ttl
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(session: session, until: until)
        }
    }

    func remove(_ token: String) {
        _ = entries.withLock { $0.removeValue(forKey: token) }
    }
}
