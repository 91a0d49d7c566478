import CHiredis
import Foundation

/// One hiredis context to one Redis server: owns it, frees it exactly once.
///
/// Not Sendable: used by one thread at a time, inside a `RedisConnection`. A node connects lazily.
/// Before each call on an open context it checks, without sending anything, whether the server
/// closed the idle socket (a restart, an idle timeout): then it reconnects first, so a command that
/// was never sent is never lost to a dead pooled connection.
final class RedisNode {
    let address: RedisAddress
    let username: String?
    let password: String?
    let database: Int
    let connectTimeout: Duration
    let commandTimeout: Duration

    private var context: UnsafeMutablePointer<redisContext>?

    init(address: RedisAddress, username: String?, password: String?, database: Int,
         connectTimeout: Duration, commandTimeout: Duration) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    deinit {
        if let context { redisFree(context) }
    }

    var isConnected: Bool { context != nil }

    func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command and reads its reply; error replies are returned, not thrown.
    ///
    /// Throws `connectionFailed` when nothing was sent (the server cannot be reached), and
    /// `connectionLost` or `timeout` when the command went out and no reply came.
    func send(_ arguments: [any RedisArgument], extraWait: Duration? = nil) throws -> RedisReply {
        let context = try open()
        if let extraWait {
            chiredis_set_timeout(context, RedisConnection.milliseconds(commandTimeout + extraWait))
        }
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else { throw failure(call: Self.commandName(arguments)) }
        if extraWait != nil {
            chiredis_set_timeout(context, RedisConnection.milliseconds(commandTimeout))
        }
        let reply = Self.decode(raw)
        freeReplyObject(raw)
        return reply
    }

    /// Sends several commands in one write and reads their replies in order (errors in place).
    func pipeline(_ commands: [[any RedisArgument]]) throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let context = try open()
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
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

    // MARK: Connection life

    /// The open context; reconnects when there is none or the idle one was closed by the server.
    func open() throws -> UnsafeMutablePointer<redisContext> {
        if let context {
            if chiredis_idle_socket_broken(chiredis_fd(context)) == 0 { return context }
            disconnect()
        }
        try connect()
        return context!
    }

    private func connect() throws {
        let context = address.host.withCString {
            chiredis_connect($0, Int32(address.port), RedisConnection.milliseconds(connectTimeout))
        }
        guard let context else {
            throw RedisError(.connectionFailed, call: "connect", message: "could not allocate a context")
        }
        if chiredis_err(context) != 0 {
            let message = String(cString: chiredis_errstr(context))
            redisFree(context)
            throw RedisError(.connectionFailed, call: "connect", message: "\(address): \(message)")
        }
        chiredis_set_timeout(context, RedisConnection.milliseconds(commandTimeout))
        self.context = context
        do {
            if let password {
                let auth: [any RedisArgument] = username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                try handshake(auth)
            }
            if database != 0 {
                try handshake(["SELECT", database])
            }
        } catch let error as RedisError {
            disconnect()
            throw RedisError(.connectionFailed, call: "connect", message: "\(address): \(error.message)")
        }
    }

    private func handshake(_ arguments: [any RedisArgument]) throws {
        if case .error(let message) = try send(arguments) {
            throw RedisError(.serverError, call: Self.commandName(arguments), message: message)
        }
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

    static func commandName(_ arguments: [any RedisArgument]) -> String {
        guard let first = arguments.first else { return "(empty)" }
        return String(decoding: first.redisBytes, as: UTF8.self).uppercased()
    }

    private static func withArgv<R>(
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

}
