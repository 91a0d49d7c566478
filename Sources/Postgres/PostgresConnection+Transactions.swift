extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// A nested call runs in a savepoint, so an inner failure can be caught without losing the
    /// outer work. If the connection breaks mid-transaction, nothing was committed.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "sp_\(depth)"
        try query(depth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)", name: "begin")
        transactionDepth = depth + 1
        do {
            let value = try body(self)
            try query(depth == 0 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)", name: "commit")
            transactionDepth = depth
            return value
        } catch {
            if isHealthy {
                _ = try? query(depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)", name: "rollback")
            }
            transactionDepth = depth
            throw error
        }
    }
}
