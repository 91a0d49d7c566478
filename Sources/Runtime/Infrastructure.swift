import Foundation
import Logging
import Postgres
import Redis
import Storage

/// The connections a process shares: a PostgreSQL pool and a Redis pool, made from the options.
public struct Infrastructure: Sendable {
    public let postgres: PostgresPool
    /// Where read-only pages read: the replica at `DATABASE_READ_URL` when set and fresh, else `postgres`.
    public let reads: PostgresReadPool
    public let redis: RedisClient
    public let keyPrefix: String

    public init(databaseURL: String, redisURL: String, keyPrefix: String = "rot", databaseSchema: String? = nil,
                postgresPoolSize: Int = 8, redisPoolSize: Int = 4, applicationName: String,
                session: PostgresSession = .default, databaseReadURL: String? = nil,
                readMaxLagSeconds: Double = 10) throws {
        let settings = databaseSchema.map { ["search_path": $0] } ?? [:]
        let session = try session.validated()
        postgres = PostgresPool(url: databaseURL, size: postgresPoolSize, settings: settings,
                                applicationName: applicationName, session: session)
        reads = PostgresReadPool(
            primary: postgres,
            replica: databaseReadURL.map { PostgresPool(url: $0, size: postgresPoolSize, settings: settings,
                                                        applicationName: applicationName, session: session) },
            maxLagSeconds: readMaxLagSeconds)
        redis = try RedisClient(url: redisURL, size: redisPoolSize)
        self.keyPrefix = keyPrefix
    }

    /// `readsFromReplica`: only the dashboard serves read-only pages, so only it opens a pool on
    /// `DATABASE_READ_URL`; every other process ignores the variable.
    public init(options: ConnectionOptions, postgresPoolSize: Int = 8, redisPoolSize: Int = 4,
                applicationName: String, readsFromReplica: Bool = false) throws {
        try self.init(databaseURL: options.databaseURL, redisURL: options.redisURL, keyPrefix: options.keyPrefix,
                      databaseSchema: options.databaseSchema, postgresPoolSize: postgresPoolSize,
                      redisPoolSize: redisPoolSize, applicationName: applicationName,
                      session: try options.databaseSession,
                      databaseReadURL: readsFromReplica ? options.databaseReadURL : nil,
                      readMaxLagSeconds: try options.databaseReadMaxLagSeconds)
    }

    /// Applies pending migrations, retrying while PostgreSQL is not up yet (a fresh start).
    public func migrate(logger: Logger, attempts: Int = 30) async throws {
        let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
        var attempt = 1
        while true {
            do {
                let applied = try await postgres.withConnection { try migrator.migrate($0) }
                logger.info("schema is current", metadata: ["appliedNow": "\(applied.count)"])
                return
            } catch let error as PostgresError where error.isConnectionError && attempt < attempts {
                logger.warning("PostgreSQL not reachable yet; retrying", metadata: ["error": "\(error)"])
                attempt += 1
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    public func shutdown() async {
        try? await postgres.shutdown()
        try? await reads.shutdown()
        try? await redis.shutdown()
    }
}

/// Sets up swift-log once per process.
public enum LoggingSetup {
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
