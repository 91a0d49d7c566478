import CHiredis
import Foundation

/// One connection to Redis over hiredis: owns its `redisContext`, frees it exactly once.
///
/// Not Sendable: a connection is used by one thread at a time (see `RedisClient`). After the
/// connection breaks, the failing call throws `connectionLost` and the next call reconnects, so a
/// server restart costs one typed error, never a crash.
public final class RedisConnection {
    public let endpoint: RedisEndpoint
    /// How long a connect may take.
    public let connectTimeout: Duration
    /// How long any reply may take (blocking commands add their own block time).
    public let commandTimeout: Duration

    private var context: UnsafeMutablePointer<redisContext>?
    /// The SHA1 of each script source loaded on this connection's server.
    var loadedScripts: [String: String] = [:]

    public init(endpoint: RedisEndpoint, connectTimeout: Duration = .seconds(2),
                commandTimeout: Duration = .seconds(5)) throws {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        try connect()
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Whether the connection is currently open (it may still turn out broken on the next call).
    public var isConnected: Bool { context != nil }

    /// Closes the connection; the next call opens a new one.
    public func disconnect() {
        if let context { redisFree(context) }
        context = nil
        loadedScripts = [:]
    }

    // MARK: Commands

    /// Sends one command and returns its reply; an error reply is thrown as `serverError`.
    @discardableResult
    public func command(_ arguments: [any RedisArgument]) throws -> RedisReply {
        let reply = try roundTrip(arguments, extraWait: nil)
        if case .error(let message) = reply {
            throw RedisError(.serverError, call: commandName(arguments), message: message)
        }
        return reply
    }

    @discardableResult
    public func command(_ arguments: any RedisArgument...) throws -> RedisReply {
        try command(arguments)
    }

    /// Sends several commands in one write and reads their replies in order.
    ///
    /// Error replies come back as `.error` values in place, so one failed command does not hide
    /// the others' results.
    public func pipeline(_ commands: [[any RedisArgument]]) throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let context = try open()
        for arguments in commands {
            let status = withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            if status != REDIS_OK { throw failure(call: "pipeline") }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
                throw failure(call: "pipeline")
            }
            replies.append(Self.decode(raw!))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Sends a command that may block on the server for up to `blockFor` (XREADGROUP BLOCK …).
    ///
    /// hiredis applies one socket read timeout to every reply, so the timeout is raised for this
    /// call only; otherwise a long block would look like a dead connection.
    func blockingCommand(_ arguments: [any RedisArgument], blockFor: Duration) throws -> RedisReply {
        let reply = try roundTrip(arguments, extraWait: blockFor)
        if case .error(let message) = reply {
            throw RedisError(.serverError, call: commandName(arguments), message: message)
        }
        return reply
    }

    // MARK: Connection life

    private func connect() throws {
        let context = endpoint.host.withCString {
            chiredis_connect($0, Int32(endpoint.port), Self.milliseconds(connectTimeout))
        }
        guard let context else {
            throw RedisError(.connectionFailed, call: "connect", message: "could not allocate a context")
        }
        if chiredis_err(context) != 0 {
            let message = String(cString: chiredis_errstr(context))
            redisFree(context)
            throw RedisError(.connectionFailed, call: "connect",
                             message: "\(endpoint.host):\(endpoint.port): \(message)")
        }
        chiredis_set_timeout(context, Self.milliseconds(commandTimeout))
        self.context = context
        do {
            if let password = endpoint.password {
                if let username = endpoint.username {
                    try command("AUTH", username, password)
                } else {
                    try command("AUTH", password)
                }
            }
            if endpoint.database != 0 {
                try command("SELECT", endpoint.database)
            }
        } catch let error as RedisError {
            disconnect()
            throw RedisError(.connectionFailed, call: "connect", message: error.message)
        }
    }

    private func open() throws -> UnsafeMutablePointer<redisContext> {
        if context == nil {
            loadedScripts = [:]
            try connect()
        }
        return context!
    }

    private func roundTrip(_ arguments: [any RedisArgument], extraWait: Duration?) throws -> RedisReply {
        let context = try open()
        if let extraWait {
            chiredis_set_timeout(context, Self.milliseconds(commandTimeout + extraWait))
        }
        let raw = withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else { throw failure(call: commandName(arguments)) }
        if extraWait != nil {
            chiredis_set_timeout(context, Self.milliseconds(commandTimeout))
        }
        let reply = Self.decode(raw)
        freeReplyObject(raw)
        return reply
    }

    /// Turns the context's error state into a typed error and drops the broken context.
    ///
    /// hiredis leaves a context unusable after an I/O or protocol error, so it is freed here and
    /// the next call reconnects.
    private func failure(call: String) -> RedisError {
        guard let context else {
            return RedisError(.connectionLost, call: call, message: "not connected")
        }
        let code = chiredis_err(context)
        let message = String(cString: chiredis_errstr(context))
        disconnect()
        if code == Int32(CHIREDIS_ERR_IO),
           message.contains("temporarily unavailable") || message.contains("timed out") {
            return RedisError(.timeout, call: call, message: message)
        }
        if code == Int32(CHIREDIS_ERR_PROTOCOL) {
            return RedisError(.unexpectedReply, call: call, message: message)
        }
        return RedisError(.connectionLost, call: call, message: message.isEmpty ? "connection closed" : message)
    }

    // MARK: Helpers

    private func commandName(_ arguments: [any RedisArgument]) -> String {
        guard let first = arguments.first else { return "(empty)" }
        return String(decoding: first.redisBytes, as: UTF8.self).uppercased()
    }

    private func withArgv<R>(
        _ arguments: [any RedisArgument],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let buffers = arguments.map { $0.redisBytes }
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(buffers.count)
        lengths.reserveCapacity(buffers.count)
        // Copy into one contiguous block that outlives the call; hiredis copies it again into its buffer.
        let total = buffers.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(total, 1))
        defer { storage.deallocate() }
        var offset = 0
        for buffer in buffers {
            buffer.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress {
                        (storage + offset).update(from: base, count: chars.count)
                    }
                }
            }
            pointers.append(UnsafePointer(storage + offset))
            lengths.append(buffer.count)
            offset += buffer.count
        }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                body(Int32(buffers.count), argv.baseAddress!, lengthBuffer.baseAddress!)
            }
        }
    }

    private static func decode(_ raw: UnsafeMutableRawPointer) -> RedisReply {
        decode(raw.assumingMemoryBound(to: redisReply.self).pointee)
    }

    private static func decode(_ reply: redisReply) -> RedisReply {
        switch reply.type {
        case Int32(CHIREDIS_REPLY_STRING):
            return .bulk(bytes(reply))
        case Int32(CHIREDIS_REPLY_STATUS):
            return .status(String(decoding: bytes(reply), as: UTF8.self))
        case Int32(CHIREDIS_REPLY_ERROR):
            return .error(String(decoding: bytes(reply), as: UTF8.self))
        case Int32(CHIREDIS_REPLY_INTEGER):
            return .integer(Int(reply.integer))
        case Int32(CHIREDIS_REPLY_ARRAY):
            var elements: [RedisReply] = []
            elements.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                if let element = reply.element[index] {
                    elements.append(decode(element.pointee))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ reply: redisReply) -> [UInt8] {
        guard let str = reply.str, reply.len > 0 else { return [] }
        return str.withMemoryRebound(to: UInt8.self, capacity: reply.len) {
            Array(UnsafeBufferPointer(start: $0, count: reply.len))
        }
    }

    /// A duration in whole milliseconds, as Redis commands take it.
    public static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
