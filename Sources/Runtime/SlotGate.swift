import Synchronization

/// The free slots of one consumer. A single fetcher waits here until at least one slot is free,
/// takes as many as it fetched messages for, and each batch gives its slots back when done.
final class SlotGate: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Int, Never>?
        var interrupted = false
    }

    private let state: Mutex<State>

    init(slots: Int) {
        state = Mutex(State(free: slots))
    }

    /// The number of free slots, waiting until there is one; 0 once interrupted (the consumer is stopping).
    func available() async -> Int {
        await withCheckedContinuation { continuation in
            let ready: Int? = state.withLock { state in
                if state.interrupted { return 0 }
                if state.free > 0 { return state.free }
                precondition(state.waiter == nil, "one fetcher per gate")
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Takes `count` slots that `available` reported free.
    func take(_ count: Int) {
        state.withLock { $0.free -= count }
    }

    /// Gives slots back, waking the fetcher if it waits.
    func give(_ count: Int) {
        let waiter: (CheckedContinuation<Int, Never>, Int)? = state.withLock { state in
            state.free += count
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.interrupted ? 0 : state.free)
        }
        if let (continuation, free) = waiter { continuation.resume(returning: free) }
    }

    /// Stops the fetcher: a waiting `available` returns 0, and so does every later one.
    func interrupt() {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            state.interrupted = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: 0)
    }

}
