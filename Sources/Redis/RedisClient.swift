import ConnectionPool

/// A bounded pool of Redis connections for async callers; each call runs on a pool thread.
public final class RedisClient: Sendable {
    public let topology: RedisTopology
    private let pool: BlockingPool<RedisConnection>

    public init(topology: RedisTopology, size: Int = 4, connectTimeout: Duration = .seconds(2),
                commandTimeout: Duration = .seconds(5)) {
        self.topology = topology
        self.pool = BlockingPool(size: size, name: "redis") {
            try RedisConnection(topology: topology, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        }
    }

    public convenience init(endpoint: RedisEndpoint, size: Int = 4, connectTimeout: Duration = .seconds(2),
                            commandTimeout: Duration = .seconds(5)) {
        self.init(topology: .single(endpoint), size: size, connectTimeout: connectTimeout,
                  commandTimeout: commandTimeout)
    }

    /// A pool for `REDIS_URL`: `redis://`, `redis+cluster://` or `redis+sentinel://`.
    public convenience init(url: String, size: Int = 4, connectTimeout: Duration = .seconds(2),
                            commandTimeout: Duration = .seconds(5)) throws {
        self.init(topology: try RedisTopology(url: url), size: size, connectTimeout: connectTimeout,
                  commandTimeout: commandTimeout)
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

    /// PING: true when the server answers (every primary of a cluster).
    public func ping() async throws {
        try await withConnection { _ = try $0.commandOnEveryPrimary(["PING"]) }
    }

    public func shutdown() async throws {
        try await pool.shutdown()
    }
}
