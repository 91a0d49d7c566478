import ConnectionPool

/// A bounded pool of PostgreSQL connections for async callers.
///
/// Every call runs on one of the pool's own threads with a connection that is its alone, so
/// libpq's blocking calls never stall the HTTP event loop or the Swift concurrency pool.
public final class PostgresPool: Sendable {
    private let pool: BlockingPool<PostgresConnection>

    public init(url: String, size: Int = 8, settings: [String: String] = [:], connectTimeout: Int = 5,
                applicationName: String = "retirement-one-thing", session: PostgresSession = .default) {
        self.pool = BlockingPool(size: size, name: "postgres") {
            try PostgresConnection(url: url, settings: settings, connectTimeout: connectTimeout,
                                   applicationName: applicationName, session: session)
        }
    }

    /// The most connections the pool opens.
    public var size: Int { pool.size }

    /// Runs `body` with a connection on one of the pool's threads.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Runs `body` in a transaction on a pooled connection.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await pool.withConnection { try $0.transaction(body) }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = [],
                      name: String? = nil) async throws -> PostgresRows {
        try await pool.withConnection { try $0.query(sql, parameters, name: name) }
    }

    public func shutdown() async throws {
        try await pool.shutdown()
    }
}
