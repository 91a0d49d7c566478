import Foundation
import Redis

/// What a worker process says about itself every few seconds, kept under a key with a TTL so a
/// dead worker disappears by itself.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    public var workerID: String
    public var host: String
    public var pid: Int32
    public var agencies: [String]
    public var slotsInUse: Int
    public var slots: Int
    public var currentTasks: [String]
    public var startedAt: Date
    public var beatAt: Date

    public init(workerID: String, host: String, pid: Int32, agencies: [String], slotsInUse: Int,
                slots: Int, currentTasks: [String], startedAt: Date, beatAt: Date) {
        self.workerID = workerID
        self.host = host
        self.pid = pid
        self.agencies = agencies
        self.slotsInUse = slotsInUse
        self.slots = slots
        self.currentTasks = currentTasks
        self.startedAt = startedAt
        self.beatAt = beatAt
    }

    /// The key of one worker's heartbeat.
    public static func key(prefix: String, workerID: String) -> String { "\(prefix):worker:\(workerID)" }

    /// Writes the heartbeat with a TTL.
    public func write(on connection: RedisConnection, prefix: String, ttl: Duration) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(self)
        try connection.command("SET", Self.key(prefix: prefix, workerID: workerID), Array(body),
                               "PX", RedisConnection.milliseconds(ttl))
    }

    /// Every live worker's heartbeat (SCAN, so it never blocks the server).
    public static func all(on connection: RedisConnection, prefix: String) throws -> [WorkerHeartbeat] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try connection.command("SCAN", cursor, "MATCH", "\(prefix):worker:*", "COUNT", 200)
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { break }
            keys += (parts[1].array ?? []).compactMap(\.string)
            cursor = next
        } while cursor != "0"
        guard !keys.isEmpty else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try connection.pipeline(keys.map { ["GET", $0] }).compactMap { reply in
            try reply.bytes.map { try decoder.decode(WorkerHeartbeat.self, from: Data($0)) }
        }
    }
}
