extension PostgresConnection {
    /// Takes the session-level advisory lock `key` if it is free; true when this session holds it.
    ///
    /// Used to elect singletons (reconciler, sweeper): whoever holds the lock acts. The lock goes
    /// with the session, so a crashed holder frees it for the next.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        try query("SELECT pg_try_advisory_lock($1) AS locked", [key], name: "tryAdvisoryLock")
            .first?.decode(Bool.self, "locked") ?? false
    }

    /// Releases a session-level advisory lock; false when this session did not hold it.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws -> Bool {
        try query("SELECT pg_advisory_unlock($1) AS unlocked", [key], name: "advisoryUnlock")
            .first?.decode(Bool.self, "unlocked") ?? false
    }

    /// Runs `body` holding the advisory lock `key`, waiting for it if another session holds it.
    public func withAdvisoryLock<T>(_ key: Int64, _ body: (PostgresConnection) throws -> T) throws -> T {
        try query("SELECT pg_advisory_lock($1)", [key], name: "advisoryLock")
        defer { _ = try? advisoryUnlock(key) }
        return try body(self)
    }

    /// Takes a transaction-level advisory lock, released by COMMIT or ROLLBACK.
    public func advisoryTransactionLock(_ key: Int64) throws {
        try query("SELECT pg_advisory_xact_lock($1)", [key], name: "advisoryTransactionLock")
    }
}
