import NIOPosix
import Synchronization

/// A bounded set of blocking connections, each used by one dedicated thread at a time.
///
/// The pool owns as many threads as it may open connections, so a caller that reaches a thread
/// always finds a connection: callers beyond the bound wait in the thread pool's queue instead of
/// opening more connections. Blocking C calls therefore never run on an event loop or on the Swift
/// concurrency pool.
public final class BlockingPool<Connection>: Sendable {
    /// The most connections the pool opens.
    public let size: Int
    private let threads: NIOThreadPool
    private let idle: Mutex<[Lease<Connection>]>
    private let open: @Sendable () throws -> Connection

    /// Creates a pool that opens connections with `open` as callers need them, at most `size`.
    public init(size: Int, name: String, open: @escaping @Sendable () throws -> Connection) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
        self.open = open
        self.idle = Mutex([])
        self.threads = NIOThreadPool(numberOfThreads: size)
        self.threads._start(threadNamePrefix: name)
    }

    /// Runs `body` with a connection on one of the pool's threads.
    ///
    /// The connection is the caller's alone for the duration of `body`; it must not escape.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await threads.runIfActive {
            let lease = try self.checkOut()
            defer { self.checkIn(lease) }
            return try body(lease.connection)
        }
    }

    /// Stops the threads after the queued work has run; connections close as they are released.
    public func shutdown() async throws {
        try await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    private func checkOut() throws -> Lease<Connection> {
        if let lease = idle.withLock({ $0.popLast() }) { return lease }
        return Lease(try open())
    }

    private func checkIn(_ lease: Lease<Connection>) {
        idle.withLock { $0.append(lease) }
    }
}

/// Carries a connection between the pool's threads.
///
/// `@unchecked Sendable` is sound here: a lease is either in the pool's idle list (guarded by the
/// mutex) or held by exactly one pool thread between `checkOut` and `checkIn`, so the connection is
/// never touched by two threads at once.
final class Lease<Connection>: @unchecked Sendable {
    let connection: Connection
    init(_ connection: Connection) { self.connection = connection }
}
