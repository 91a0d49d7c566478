import Foundation
import Redis

/// Publishes ready tasks to their agency's stream, after the transaction that made them ready commits.
///
/// A message carries only the task id and its attempt: PostgreSQL holds everything else, so a
/// duplicate or stale message finds nothing to claim.
public struct TaskPublisher: Sendable {
    public let redis: RedisClient
    public let prefix: String

    public init(redis: RedisClient, prefix: String) {
        self.redis = redis
        self.prefix = prefix
    }

    /// Appends one message per task, pipelined; returns the entry ids.
    @discardableResult
    public func publish(_ tasks: [(id: UUID, agency: String, attempt: Int)]) async throws -> [String] {
        guard !tasks.isEmpty else { return [] }
        let commands: [[any RedisArgument]] = tasks.map { task in
            ["XADD", AgencyKeys(agency: task.agency, prefix: prefix).stream, "*",
             "task", task.id.uuidString.lowercased(), "attempt", task.attempt]
        }
        return try await redis.withConnection { connection in
            try connection.pipeline(commands).map { reply in
                guard let id = reply.string else {
                    throw RedisError(.unexpectedReply, call: "XADD", message: "the stream did not accept the task")
                }
                return id
            }
        }
    }
}
