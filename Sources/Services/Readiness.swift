import Postgres
import Redis

/// Whether the two servers the product depends on answer.
public struct Readiness: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case up, down }

    public var postgres: State
    public var redis: State

    public var isReady: Bool { postgres == .up && redis == .up }

    /// The names of the servers that do not answer.
    public var down: [String] {
        (postgres == .down ? ["postgres"] : []) + (redis == .down ? ["redis"] : [])
    }

    /// Asks PostgreSQL (`SELECT 1`) and Redis (`PING`) at once.
    public static func check(postgres: PostgresPool, redis: RedisClient) async -> Readiness {
        async let database: State = {
            do {
                try await postgres.query("SELECT 1", name: "readiness")
                return .up
            } catch { return .down }
        }()
        async let queue: State = {
            do {
                try await redis.ping()
                return .up
            } catch { return .down }
        }()
        return Readiness(postgres: await database, redis: await queue)
    }
}
