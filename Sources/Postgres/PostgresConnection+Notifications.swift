import Glibc

/// A NOTIFY received by a listening connection.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    public let backendPID: Int
}

extension PostgresConnection {
    /// Starts listening on `channel` (LISTEN takes no parameters: the channel is quoted as an identifier).
    public func listen(_ channel: String) throws {
        try query("LISTEN \(try quoteIdentifier(channel))", name: "listen")
    }

    public func unlisten(_ channel: String) throws {
        try query("UNLISTEN \(try quoteIdentifier(channel))", name: "unlisten")
    }

    /// Sends a notification (payload bound as a value).
    public func notify(_ channel: String, payload: String = "") throws {
        try query("SELECT pg_notify($1, $2)", [channel, payload], name: "notify")
    }

    /// Waits up to `timeout` for notifications and returns those that arrived (maybe none).
    ///
    /// Waits with `poll` on the connection's socket, so it costs nothing while idle.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        try reconnectIfNeeded(call: "waitForNotifications")
        var received = drainNotifications()
        if !received.isEmpty { return received }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0, errno != EINTR {
            throw PostgresError(.connectionLost, call: "waitForNotifications", message: "poll failed")
        }
        if ready > 0 {
            guard consumeInput() else {
                throw PostgresError(.connectionLost, call: "waitForNotifications",
                                    message: "the server closed the connection")
            }
            received = drainNotifications()
        }
        return received
    }

    private func drainNotifications() -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notification = nextNotification() {
            received.append(notification)
        }
        return received
    }
}
