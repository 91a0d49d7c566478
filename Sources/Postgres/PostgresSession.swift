/// How every session behaves: server-side time limits and TCP keepalives.
///
/// The time limits keep one stuck statement, lock wait or forgotten transaction from holding a
/// connection (and its locks) for ever; keepalives find a peer that vanished without closing the
/// socket (a host or network failure), which `poll` alone never sees. The URL may override any of
/// them: its own `options=-c …` and keepalive keywords win over these.
public struct PostgresSession: Sendable, Equatable {
    /// `statement_timeout`; 0 turns it off.
    public var statementTimeoutMilliseconds: Int
    /// `lock_timeout`; 0 turns it off.
    public var lockTimeoutMilliseconds: Int
    /// `idle_in_transaction_session_timeout`; 0 turns it off.
    public var idleInTransactionTimeoutMilliseconds: Int
    /// libpq's `keepalives_idle`: seconds of silence before the first probe.
    public var keepalivesIdleSeconds: Int
    /// libpq's `keepalives_interval`: seconds between probes.
    public var keepalivesIntervalSeconds: Int
    /// libpq's `keepalives_count`: unanswered probes before the connection counts as dead.
    public var keepalivesCount: Int

    public init(statementTimeoutMilliseconds: Int = 30_000, lockTimeoutMilliseconds: Int = 10_000,
                idleInTransactionTimeoutMilliseconds: Int = 60_000, keepalivesIdleSeconds: Int = 30,
                keepalivesIntervalSeconds: Int = 10, keepalivesCount: Int = 3) {
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.idleInTransactionTimeoutMilliseconds = idleInTransactionTimeoutMilliseconds
        self.keepalivesIdleSeconds = keepalivesIdleSeconds
        self.keepalivesIntervalSeconds = keepalivesIntervalSeconds
        self.keepalivesCount = keepalivesCount
    }

    /// 30 s per statement, 10 s per lock wait, 60 s idle in a transaction; keepalives 30/10/3.
    public static let `default` = PostgresSession()

    /// The server settings, as `-c name=value` pairs in the startup options.
    var serverSettings: [(String, String)] {
        [("statement_timeout", String(statementTimeoutMilliseconds)),
         ("lock_timeout", String(lockTimeoutMilliseconds)),
         ("idle_in_transaction_session_timeout", String(idleInTransactionTimeoutMilliseconds))]
    }

    /// The libpq connection keywords.
    var connectionKeywords: [(String, String)] {
        [("keepalives", "1"), ("keepalives_idle", String(keepalivesIdleSeconds)),
         ("keepalives_interval", String(keepalivesIntervalSeconds)), ("keepalives_count", String(keepalivesCount))]
    }

    /// Checks each value's range; the error names the setting, never a URL.
    public func validated() throws -> PostgresSession {
        let checks: [(String, Int, ClosedRange<Int>)] = [
            ("statement timeout", statementTimeoutMilliseconds, 0...Int(Int32.max)),
            ("lock timeout", lockTimeoutMilliseconds, 0...Int(Int32.max)),
            ("idle-in-transaction timeout", idleInTransactionTimeoutMilliseconds, 0...Int(Int32.max)),
            ("keepalives idle", keepalivesIdleSeconds, 1...86_400),
            ("keepalives interval", keepalivesIntervalSeconds, 1...86_400),
            ("keepalives count", keepalivesCount, 1...100),
        ]
        for (name, value, range) in checks where !range.contains(value) {
            throw PostgresError(.invalidConfiguration, call: "session",
                                message: "the \(name) must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return self
    }
}
