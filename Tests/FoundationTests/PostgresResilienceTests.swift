import Foundation
import Postgres
import Testing
import TestSupport

/// A restart, a failover and a stuck lock, each against real PostgreSQL servers of the test's own.
@Suite("PostgreSQL restarts, session settings and failover")
struct PostgresResilienceTests {
    @Test("after a PostgreSQL restart, the pool's very first query succeeds on a fresh session")
    func firstQueryAfterRestart() async throws {
        let server = try ScratchPostgres()
        let pool = PostgresPool(url: server.url, size: 1)
        let add = PreparedStatement(name: "add", sql: "SELECT $1::bigint + $2::bigint AS sum")
        let before = try await pool.withConnection { db in
            #expect(try db.query(add, [1, 2]).first?.decode(Int.self, "sum") == 3)
            return try db.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, "pid")
        }
        try server.restart()
        // No retry here: the first call after the restart must succeed.
        let after = try await pool.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, "pid")
        #expect(after != before)
        // The statement prepared on the old session is prepared again on the new one.
        #expect(try await pool.withConnection { try $0.query(add, [2, 3]).first?.decode(Int.self, "sum") } == 5)
        try await pool.shutdown()
    }

    @Test("a session ended by the server (pg_terminate_backend) costs its next command nothing")
    func terminatedSession() throws {
        let db = try PostgresConnection(url: TestEnvironment.databaseURL)
        let admin = try PostgresConnection(url: TestEnvironment.databaseURL)
        let victim = db.backendPID
        try admin.query("SELECT pg_terminate_backend($1::int)", [victim])
        let gone = try waitUntilSync {
            try admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1::int", [victim])
                .first?.decode(Int.self, "n") == 0
        }
        #expect(gone)
        #expect(try db.query("SELECT 7 AS seven").first?.decode(Int.self, "seven") == 7)
        #expect(db.backendPID != victim)
    }

    @Test("a connection that breaks inside a transaction is not reconnected: the transaction fails")
    func noReconnectInsideTransaction() throws {
        let schema = try TestSchema("brk")
        defer { try? schema.drop() }
        let db = try schema.connect()
        let admin = try PostgresConnection(url: TestEnvironment.databaseURL)
        try db.execute(script: "CREATE TABLE t (n integer)", name: "create")
        #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("INSERT INTO t VALUES (1)")
                try admin.query("SELECT pg_terminate_backend($1::int)", [db.backendPID])
                // The caller swallows the failure; the next statement must still not run elsewhere.
                _ = try? db.query("SELECT pg_sleep(5)")
                try db.query("INSERT INTO t VALUES (2)")
            }
        }
        #expect(try db.query("SELECT count(*) AS n FROM t").first?.decode(Int.self, "n") == 0)
    }

    @Test("a notification that arrives while the connection is checked stays delivered")
    func notificationsSurviveTheCheck() throws {
        let listener = try PostgresConnection(url: TestEnvironment.databaseURL)
        let sender = try PostgresConnection(url: TestEnvironment.databaseURL)
        let channel = TestEnvironment.uniqueName("check")
        try listener.listen(channel)
        try sender.notify(channel, payload: "one")
        for _ in 0..<3 { try listener.query("SELECT 1") }
        var received: [PostgresNotification] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while received.isEmpty, ContinuousClock.now < deadline {
            received += try listener.waitForNotifications(timeout: .milliseconds(200))
        }
        #expect(received.map(\.payload) == ["one"])
    }

    private func show(_ setting: String, on db: PostgresConnection) throws -> String? {
        try db.query("SELECT current_setting($1) AS value", [setting]).first?.decode(String.self, "value")
    }
}

/// `waitUntil` for synchronous checks on a connection the test holds.
func waitUntilSync(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? condition()) == true { return true }
        usleep(20_000)
    }
    return try condition()
}
