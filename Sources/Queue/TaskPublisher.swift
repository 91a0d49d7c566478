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

    /// After a commit, in one round trip: acknowledges the handled messages of a stream, publishes
    /// the tasks that became ready and schedules the delayed ones. Throws if Redis refused any of it;
    /// what was not done is repaired (unacknowledged messages are redelivered and found stale, and the
    /// reconciler republishes ready tasks).
    public func settle(acknowledging ids: [String], on keys: AgencyKeys?,
                       publish: [(id: UUID, agency: String, attempt: Int)],
                       schedule: [(id: UUID, agency: String, attempt: Int, at: Date)]) async throws {
        var commands: [[any RedisArgument]] = []
        if let keys, !ids.isEmpty {
            commands.append(["XACK", keys.stream, keys.group] + ids.map { $0 as any RedisArgument })
        }
        for task in publish {
            commands.append(["XADD", AgencyKeys(agency: task.agency, prefix: prefix).stream, "*",
                             "task", task.id.uuidString.lowercased(), "attempt", task.attempt])
        }
        for task in schedule {
            commands.append(DelayedTasks(keys: AgencyKeys(agency: task.agency, prefix: prefix))
                .scheduleCommand(task.id, attempt: task.attempt, at: task.at))
        }
        guard !commands.isEmpty else { return }
        let batch = commands
        let replies = try await redis.withConnection { try $0.pipeline(batch) }
        for reply in replies {
            if case .error(let message) = reply {
                throw RedisError(.unexpectedReply, call: "settle", message: message)
            }
        }
    }
}
