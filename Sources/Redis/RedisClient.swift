import ConnectionPool

/// A bounded pool of Redis connections for async callers; each call runs on a pool thread.
public final class RedisClient: Sendable {
    public let endpoint: RedisEndpoint
    private let pool: BlockingPool<RedisConnection>

    public init(endpoint: RedisEndpoint, size: Int = 4, connectTimeout: Duration = .seconds(2),
                commandTimeout: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.pool = BlockingPool(size: size, name: "redis") {
            try RedisConnection(endpoint: endpoint, connectTimeout: connectTimeout,
                                commandTimeout: commandTimeout)
        }
    }

    /// Runs `body` with a connection of its own on one of the pool's threads.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws -> T
    ) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Sends one command.
    @discardableResult
    public func command(_ arguments: [any RedisArgument]) async throws -> RedisReply {
        try await withConnection { try $0.command(arguments) }
    }

    /// PING: true when the server answers.
    public func ping() async throws {
        try await withConnection { _ = try $0.command("PING") }
    }

    public func shutdown() async throws {
        try await pool.shutdown()
    }
}
