import Foundation
import Postgres
import Runtime
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
        let gone = pollUntil(seconds: 30) {
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

    // MARK: Session settings

    @Test("the default time limits and keepalives apply to every session")
    func defaultSessionSettings() throws {
        let db = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try show("statement_timeout", on: db) == "30s")
        #expect(try show("lock_timeout", on: db) == "10s")
        #expect(try show("idle_in_transaction_session_timeout", on: db) == "1min")
        #expect(try show("TimeZone", on: db) == "UTC")
        #expect(db.connectionOption("keepalives") == "1")
        #expect(db.connectionOption("keepalives_idle") == "30")
        #expect(db.connectionOption("keepalives_interval") == "10")
        #expect(db.connectionOption("keepalives_count") == "3")
    }

    @Test("the URL's own options and keywords win over ours, and ours still apply to the rest")
    func urlWins() throws {
        let url = TestEnvironment.databaseURL
        let separator = url.contains("?") ? "&" : "?"
        let db = try PostgresConnection(
            url: url + separator + "options=-c%20statement_timeout%3D1234&keepalives_idle=7&connect_timeout=3",
            settings: ["search_path": "pg_catalog"])
        #expect(try show("statement_timeout", on: db) == "1234ms")
        #expect(try show("lock_timeout", on: db) == "10s")
        #expect(try show("search_path", on: db) == "pg_catalog")
        #expect(try show("DateStyle", on: db) == "ISO, YMD")
        #expect(db.connectionOption("keepalives_idle") == "7")
        #expect(db.connectionOption("connect_timeout") == "3")
        #expect(db.connectionOption("keepalives_count") == "3")
    }

    @Test("the lock timeout ends a wait on a row another session holds")
    func lockTimeoutFires() throws {
        let schema = try TestSchema("lock")
        defer { try? schema.drop() }
        let holder = try schema.connect()
        let waiter = try PostgresConnection(url: schema.url, settings: schema.settings,
                                            session: PostgresSession(lockTimeoutMilliseconds: 300))
        try holder.execute(script: "CREATE TABLE t (id integer PRIMARY KEY, n integer); INSERT INTO t VALUES (1, 0)",
                           name: "create")
        try holder.query("BEGIN")
        try holder.query("SELECT n FROM t WHERE id = 1 FOR UPDATE")
        let started = ContinuousClock.now
        do {
            try waiter.query("UPDATE t SET n = 1 WHERE id = 1")
            Issue.record("the update must wait for the lock and give up")
        } catch let error as PostgresError {
            #expect(error.sqlState == "55P03")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        try holder.query("ROLLBACK")
        // The waiter's session is still usable afterwards.
        #expect(try waiter.query("UPDATE t SET n = 2 WHERE id = 1").affectedRows == 1)
    }

    @Test("session settings from the environment: defaults, values, and refusals naming the variable")
    func sessionFromEnvironment() throws {
        #expect(try ConnectionOptions.session(environment: [:]) == .default)
        let set = try ConnectionOptions.session(environment: [
            "DATABASE_STATEMENT_TIMEOUT_MS": "0", "DATABASE_LOCK_TIMEOUT_MS": "2500",
            "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": "90000", "DATABASE_KEEPALIVES_IDLE_SECONDS": "15",
            "DATABASE_KEEPALIVES_INTERVAL_SECONDS": "5", "DATABASE_KEEPALIVES_COUNT": "4",
        ])
        #expect(set == PostgresSession(statementTimeoutMilliseconds: 0, lockTimeoutMilliseconds: 2500,
                                       idleInTransactionTimeoutMilliseconds: 90_000, keepalivesIdleSeconds: 15,
                                       keepalivesIntervalSeconds: 5, keepalivesCount: 4))
        for (name, value) in [("DATABASE_LOCK_TIMEOUT_MS", "ten"), ("DATABASE_STATEMENT_TIMEOUT_MS", "-1"),
                              ("DATABASE_KEEPALIVES_COUNT", "0"), ("DATABASE_KEEPALIVES_IDLE_SECONDS", "1.5")] {
            do {
                _ = try ConnectionOptions.session(environment: [name: value])
                Issue.record("\(name)=\(value) must be refused")
            } catch {
                #expect("\(error)".contains(name))
            }
        }
    }

    // MARK: Failover

    @Test("multi-host URL: after the primary stops and the standby is promoted, writes go on with the data")
    func failoverToPromotedStandby() async throws {
        let primary = try ScratchPostgres()
        let standby = try ScratchStandby(of: primary)
        let url = "postgres://scratch@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/postgres"
            + "?target_session_attrs=read-write"
        let pool = PostgresPool(url: url, size: 2)
        try await pool.query("CREATE TABLE ledger (n integer PRIMARY KEY, at_port integer)")
        for n in 1...3 {
            try await pool.query("INSERT INTO ledger VALUES ($1, current_setting('port')::int)", [n])
        }
        let replica = try PostgresConnection(url: standby.url)
        #expect(try show("transaction_read_only", on: replica) == "on")
        let replayed = pollUntil(seconds: 30) {
            try replica.query("SELECT count(*) AS n FROM ledger").first?.decode(Int.self, "n") == 3
        }
        #expect(replayed)

        try primary.stop(mode: "fast")
        try standby.promote()
        let promoted = pollUntil(seconds: 30) {
            try replica.query("SELECT pg_is_in_recovery() AS r").first?.decode(Bool.self, "r") == false
        }
        #expect(promoted)

        try await pool.query("INSERT INTO ledger VALUES (4, current_setting('port')::int)")
        let rows = try await pool.query("SELECT n, at_port FROM ledger ORDER BY n")
        #expect(try rows.map { try $0.decode(Int.self, "n") } == [1, 2, 3, 4])
        #expect(try rows.map { try $0.decode(Int.self, "at_port") }
                == [primary.port, primary.port, primary.port, standby.port])
        try await pool.shutdown()
    }

    private func show(_ setting: String, on db: PostgresConnection) throws -> String? {
        try db.query("SELECT current_setting($1) AS value", [setting]).first?.decode(String.self, "value")
    }
}
