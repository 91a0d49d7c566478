/// One entry of a stream, copied out of the reply.
public struct StreamMessage: Sendable, Equatable {
    public let stream: String
    public let id: String
    public let fields: [String: [UInt8]]

    public init(stream: String, id: String, fields: [String: [UInt8]]) {
        self.stream = stream
        self.id = id
        self.fields = fields
    }

    /// A field's value as UTF-8 text.
    public func string(_ name: String) -> String? {
        fields[name].map { String(decoding: $0, as: UTF8.self) }
    }
}

/// One message that a consumer group has delivered and nobody has acknowledged.
public struct PendingMessage: Sendable, Equatable {
    public let id: String
    public let consumer: String
    public let idle: Duration
    public let deliveries: Int
}

/// The result of XAUTOCLAIM: the messages now owned by the claimer and where to continue.
public struct AutoClaim: Sendable, Equatable {
    public let nextStart: String
    public let messages: [StreamMessage]
    /// Pending entries whose message was deleted from the stream (removed from the PEL by Redis).
    public let deletedIDs: [String]
}

/// A consumer group as XINFO GROUPS describes it.
public struct StreamGroupInfo: Sendable, Equatable {
    public let name: String
    public let consumers: Int
    public let pending: Int
    public let lastDeliveredID: String
    /// Entries not yet delivered to the group, when the server can tell (Redis 7).
    public let lag: Int?
}

extension RedisConnection {
    /// Appends an entry; returns its id.
    @discardableResult
    public func xadd(_ stream: String, id: String = "*", fields: [(String, any RedisArgument)]) throws -> String {
        var argv: [any RedisArgument] = ["XADD", stream, id]
        for (name, value) in fields {
            argv.append(name)
            argv.append(value)
        }
        guard let entryID = try command(argv).string else {
            throw RedisError(.unexpectedReply, call: "XADD", message: "expected an entry id")
        }
        return entryID
    }

    /// Creates a consumer group (and the stream with MKSTREAM); false when it already exists.
    @discardableResult
    public func xgroupCreate(_ stream: String, group: String, startID: String = "0") throws -> Bool {
        do {
            try command("XGROUP", "CREATE", stream, group, startID, "MKSTREAM")
            return true
        } catch let error as RedisError where error.serverErrorPrefix == "BUSYGROUP" {
            return false
        }
    }

    /// Reads new messages for `consumer`, waiting up to `block` when none are there.
    ///
    /// `nil` for `block` returns at once. The id `>` asks for never-delivered messages; `0` re-reads
    /// this consumer's own pending ones.
    public func xreadgroup(group: String, consumer: String, streams: [String], id: String = ">",
                           count: Int, block: Duration?) throws -> [StreamMessage] {
        var argv: [any RedisArgument] = ["XREADGROUP", "GROUP", group, consumer, "COUNT", count]
        if let block {
            argv.append("BLOCK")
            argv.append(max(1, Self.milliseconds(block)))
        }
        argv.append("STREAMS")
        argv.append(contentsOf: streams as [any RedisArgument])
        argv.append(contentsOf: Array(repeating: id, count: streams.count) as [any RedisArgument])
        let reply = try block.map { try blockingCommand(argv, blockFor: $0) } ?? command(argv)
        if reply.isNull { return [] }
        guard let perStream = reply.array else { throw unexpected("XREADGROUP") }
        var messages: [StreamMessage] = []
        for entry in perStream {
            guard let pair = entry.array, pair.count == 2, let name = pair[0].string,
                  let entries = pair[1].array
            else { throw unexpected("XREADGROUP") }
            for raw in entries {
                // A pending entry whose message was deleted comes back with nil fields: skip it.
                if let message = try Self.message(raw, stream: name, call: "XREADGROUP") {
                    messages.append(message)
                }
            }
        }
        return messages
    }

    /// Acknowledges messages; returns how many were pending.
    @discardableResult
    public func xack(_ stream: String, group: String, ids: [String]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var argv: [any RedisArgument] = ["XACK", stream, group]
        argv.append(contentsOf: ids as [any RedisArgument])
        return try command(argv).int ?? 0
    }

    /// Claims messages idle longer than `minIdle` for `consumer` (reclaiming a dead consumer's work).
    public func xautoclaim(_ stream: String, group: String, consumer: String, minIdle: Duration,
                           start: String = "0-0", count: Int = 100) throws -> AutoClaim {
        let reply = try command("XAUTOCLAIM", stream, group, consumer, Self.milliseconds(minIdle),
                                start, "COUNT", count)
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string,
              let entries = parts[1].array
        else { throw unexpected("XAUTOCLAIM") }
        let messages = try entries.compactMap { try Self.message($0, stream: stream, call: "XAUTOCLAIM") }
        let deleted = parts.count > 2 ? (parts[2].array ?? []).compactMap(\.string) : []
        return AutoClaim(nextStart: next, messages: messages, deletedIDs: deleted)
    }

    /// The number of pending messages of a group.
    public func xpendingCount(_ stream: String, group: String) throws -> Int {
        guard let parts = try command("XPENDING", stream, group).array, let count = parts.first?.int else {
            throw unexpected("XPENDING")
        }
        return count
    }

    /// Pending messages in detail, oldest first.
    public func xpending(_ stream: String, group: String, minIdle: Duration? = nil, start: String = "-",
                         end: String = "+", count: Int = 100, consumer: String? = nil) throws -> [PendingMessage] {
        var argv: [any RedisArgument] = ["XPENDING", stream, group]
        if let minIdle {
            argv.append("IDLE")
            argv.append(Self.milliseconds(minIdle))
        }
        argv.append(contentsOf: [start, end, count] as [any RedisArgument])
        if let consumer { argv.append(consumer) }
        guard let rows = try command(argv).array else { throw unexpected("XPENDING") }
        return try rows.map { row in
            guard let fields = row.array, fields.count == 4, let id = fields[0].string,
                  let owner = fields[1].string, let idle = fields[2].int, let deliveries = fields[3].int
            else { throw unexpected("XPENDING") }
            return PendingMessage(id: id, consumer: owner, idle: .milliseconds(idle), deliveries: deliveries)
        }
    }

    /// The consumer groups of a stream.
    public func xinfoGroups(_ stream: String) throws -> [StreamGroupInfo] {
        guard let groups = try command("XINFO", "GROUPS", stream).array else { throw unexpected("XINFO") }
        return try groups.map { group in
            guard let info = group.pairs, let name = info["name"]?.string,
                  let consumers = info["consumers"]?.int, let pending = info["pending"]?.int,
                  let last = info["last-delivered-id"]?.string
            else { throw unexpected("XINFO GROUPS") }
            return StreamGroupInfo(name: name, consumers: consumers, pending: pending,
                                   lastDeliveredID: last, lag: info["lag"]?.int)
        }
    }

    /// The number of entries in a stream.
    public func xlen(_ stream: String) throws -> Int {
        try command("XLEN", stream).int ?? 0
    }

    private static func message(_ raw: RedisReply, stream: String, call: String) throws -> StreamMessage? {
        guard let pair = raw.array, pair.count == 2, let id = pair[0].string else {
            throw RedisError(.unexpectedReply, call: call, message: "malformed stream entry")
        }
        guard let flat = pair[1].array else { return nil }
        var fields: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string { fields[name] = flat[index + 1].bytes ?? [] }
        }
        return StreamMessage(stream: stream, id: id, fields: fields)
    }

    func unexpected(_ call: String) -> RedisError {
        RedisError(.unexpectedReply, call: call, message: "the reply did not have the expected shape")
    }
}
