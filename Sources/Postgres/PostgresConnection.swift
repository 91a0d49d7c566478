import CLibpq
import Foundation
import Glibc

/// A statement prepared once per connection and run by name afterwards.
public struct PreparedStatement: Sendable, Hashable {
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// One connection to PostgreSQL over libpq: owns its `PGconn`, frees it exactly once.
///
/// Not Sendable: used by one thread at a time (see `PostgresPool`). Values are always bound as
/// `$n` parameters. Sessions run in UTC with ISO dates. A session that ended while the connection
/// sat idle (a restart, a failover) is found and replaced before the next command is sent; one
/// that breaks during a command makes that command throw `connectionLost`, and the next call
/// outside a transaction reconnects. Nothing is ever retried after it was sent.
public final class PostgresConnection {
    private let connection: OpaquePointer
    private var prepared: Set<String> = []
    /// Raised by the notice receiver when the server sent this idle session a FATAL farewell.
    private let farewell = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    /// The depth of `transaction` calls; nested calls use savepoints.
    var transactionDepth = 0

    /// Opens a connection from a `postgres://` URL (libpq's multi-host form included).
    ///
    /// `settings` become session parameters (`search_path` …); `session` sets the time limits and
    /// keepalives. What the URL itself sets wins: its `options=-c …` are appended after ours (the
    /// server keeps the last value of a setting) and its keywords (`connect_timeout`, `keepalives…`)
    /// come after ours in libpq's list, so they override.
    public init(url: String, settings: [String: String] = [:], connectTimeout: Int = 5,
                applicationName: String = "retirement-one-thing", session: PostgresSession = .default) throws {
        var options = "-c TimeZone=UTC -c DateStyle=ISO,YMD"
        for (name, value) in session.serverSettings + settings.sorted(by: { $0.key < $1.key }) {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: " ", with: "\\ ")
            options += " -c \(name)=\(escaped)"
        }
        if let own = try Self.urlOption("options", in: url), !own.isEmpty {
            options += " " + own
        }
        let before = [("connect_timeout", String(connectTimeout)), ("application_name", applicationName)]
            + session.connectionKeywords
        let after = [("client_encoding", "UTF8"), ("options", options)]
        let keywords = before.map(\.0) + ["dbname"] + after.map(\.0)
        let values = before.map(\.1) + [url] + after.map(\.1)
        let conn = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            throw PostgresError(.connectionFailed, call: "connect", message: "libpq could not allocate a connection")
        }
        if PQstatus(conn) != CONNECTION_OK {
            let message = Self.firstLine(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(.connectionFailed, call: "connect", message: message)
        }
        farewell.initialize(to: 0)
        clibpq_watch_notices(conn, farewell)
        self.connection = conn
    }

    deinit {
        PQfinish(connection)
        farewell.deallocate()
    }

    /// The value `keyword` has in a connection string or URL, nil when it does not set it.
    static func urlOption(_ keyword: String, in url: String) throws -> String? {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(url, &errorMessage) else {
            let message = errorMessage.map { Self.firstLine($0) } ?? "the database URL cannot be parsed"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(.invalidConfiguration, call: "connect", message: message)
        }
        defer { PQconninfoFree(parsed) }
        var option = parsed
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// The value libpq uses for a connection keyword (`keepalives_idle`, `host` …) on this connection.
    public func connectionOption(_ keyword: String) -> String? {
        guard let options = PQconninfo(connection) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// Whether libpq considers the connection usable.
    public var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The server's process id for this session (for `pg_terminate_backend` in tests and tools).
    public var backendPID: Int { Int(PQbackendPID(connection)) }

    // MARK: Queries

    /// Runs one statement with bound parameters and returns its rows.
    ///
    /// `name` labels the statement in errors and logs; the SQL's first words are used otherwise.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = [],
                      name: String? = nil) throws -> PostgresRows {
        let call = name ?? Self.label(sql)
        let texts = try Self.texts(parameters, call: call)
        try ensureConnected(call: call)
        let types = parameters.map { type(of: $0).postgresType.rawValue }
        let result = Self.withValues(texts) { count, values in
            types.withUnsafeBufferPointer { PQexecParams(connection, sql, count, $0.baseAddress, values, nil, nil, 0) }
        }
        return try consume(result, call: call)
    }

    /// Runs a prepared statement, preparing it on this connection the first time.
    @discardableResult
    public func query(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) throws -> PostgresRows {
        let texts = try Self.texts(parameters, call: statement.name)
        try ensureConnected(call: statement.name)
        if !prepared.contains(statement.name) {
            let types = parameters.map { type(of: $0).postgresType.rawValue }
            let result = PQprepare(connection, statement.name, statement.sql, Int32(types.count), types)
            _ = try consume(result, call: statement.name)
            prepared.insert(statement.name)
        }
        let result = Self.withValues(texts) { count, values in
            PQexecPrepared(connection, statement.name, count, values, nil, nil, 0)
        }
        return try consume(result, call: statement.name)
    }

    /// Runs SQL without parameters, possibly several statements (migrations, DDL).
    public func execute(script sql: String, name: String) throws {
        try ensureConnected(call: name)
        _ = try consume(PQexec(connection, sql), call: name)
    }

    /// Quotes an identifier (a LISTEN channel, a schema name) for the rare statements that
    /// cannot take it as a parameter.
    public func quoteIdentifier(_ identifier: String) throws -> String {
        guard let escaped = PQescapeIdentifier(connection, identifier, identifier.utf8.count) else {
            throw PostgresError(.queryFailed, call: "quoteIdentifier", message: Self.firstLine(PQerrorMessage(connection)))
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    // MARK: Connection life

    /// Makes sure a command goes out on a live session, reconnecting a dead idle one first.
    ///
    /// Outside a transaction, a connection that died while it sat in the pool (the server restarted
    /// or failed over) is found before anything is sent, so the command goes out on a fresh session
    /// and no caller pays for the dead one. Inside a transaction nothing is reconnected: the
    /// transaction's work went with the old session, so the call fails and the transaction with it.
    /// Prepared statements and session state go with a reconnect.
    private func ensureConnected(call: String) throws {
        var ending = false
        if transactionDepth == 0, PQstatus(connection) == CONNECTION_OK { ending = detectClosedWhileIdle() }
        guard ending || PQstatus(connection) != CONNECTION_OK else { return }
        guard transactionDepth == 0 else {
            throw PostgresError(.connectionLost, call: call, message: "the connection broke inside a transaction")
        }
        prepared.removeAll()
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(.connectionFailed, call: call, message: Self.firstLine(PQerrorMessage(connection)))
        }
        farewell.pointee = 0
        clibpq_watch_notices(connection, farewell)
    }

    /// Reads whatever an idle session has been sent, without waiting; true when the server said it
    /// is ending the session (its FATAL farewell arrived, the close may still be on its way).
    /// A closed socket marks the connection bad.
    ///
    /// An idle session's socket is readable only when the server said something unasked: a
    /// notification (kept: libpq queues it for `PQnotifies`), a parameter change, or the error it
    /// sends before closing (shutdown, `pg_terminate_backend`, a timeout) followed by the end of the
    /// stream. Each read is parsed at once (`PQisBusy`), so a farewell error is taken as a notice and
    /// never mistaken for the answer to the next command. The loop is bounded: a busy LISTEN channel
    /// must not hold the caller.
    private func detectClosedWhileIdle() -> Bool {
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            guard PQconsumeInput(connection) == 1, PQstatus(connection) == CONNECTION_OK else { break }
            _ = PQisBusy(connection)
        }
        return farewell.pointee != 0
    }

    /// Copies a result into Swift values, frees it, and turns an error status into a typed error.
    private func consume(_ result: OpaquePointer?, call: String) throws -> PostgresRows {
        guard let result else {
            throw lost(call: call)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(result)
        default:
            if PQstatus(connection) != CONNECTION_OK {
                throw lost(call: call)
            }
            let field = { (code: Int32) -> String? in
                PQresultErrorField(result, code).map { String(cString: $0) }
            }
            throw PostgresError(.queryFailed, call: call,
                                message: field(CLIBPQ_DIAG_MESSAGE_PRIMARY) ?? Self.firstLine(PQresultErrorMessage(result)),
                                sqlState: field(CLIBPQ_DIAG_SQLSTATE),
                                constraint: field(CLIBPQ_DIAG_CONSTRAINT_NAME))
        }
    }

    private func lost(call: String) -> PostgresError {
        prepared.removeAll()
        return PostgresError(.connectionLost, call: call, message: Self.firstLine(PQerrorMessage(connection)))
    }

    // MARK: Notifications (used by +Notifications)

    var socket: Int32 { PQsocket(connection) }

    func consumeInput() -> Bool { PQconsumeInput(connection) == 1 }

    func nextNotification() -> PostgresNotification? {
        guard let raw = PQnotifies(connection) else { return nil }
        defer { PQfreemem(raw) }
        return PostgresNotification(channel: String(cString: raw.pointee.relname),
                                    payload: String(cString: raw.pointee.extra),
                                    backendPID: Int(raw.pointee.be_pid))
    }

    func reconnectIfNeeded(call: String) throws { try ensureConnected(call: call) }

    // MARK: Helpers

    /// libpq takes text parameters as C strings, which would silently end at a NUL; PostgreSQL text
    /// cannot hold one anyway. Refuse rather than store a cut value.
    /// The parameters' text forms, computed once. A NUL inside one is refused: libpq would silently
    /// cut the value there.
    private static func texts(_ parameters: [any PostgresEncodable], call: String) throws -> [String?] {
        let texts = parameters.map { $0.postgresText }
        for text in texts where text?.utf8.contains(0) == true {
            throw PostgresError(.queryFailed, call: call, message: "a text parameter contains a NUL character",
                                sqlState: "22021")
        }
        return texts
    }

    private static func rows(_ result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let names = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let index = ColumnIndex(names: names)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let pointer = PQgetvalue(result, row, column)!
                    values.append(pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                    })
                }
            }
            rows.append(PostgresRow(index: index, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: names, rows: rows, affectedRows: affected)
    }

    private static func withValues<R>(
        _ texts: [String?], _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body(Int32(texts.count), $0.baseAddress) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let cStrings = strings.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func firstLine(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    static func label(_ sql: String) -> String {
        let words = sql.split(whereSeparator: { $0.isWhitespace }).prefix(4)
        return words.joined(separator: " ")
    }
}
