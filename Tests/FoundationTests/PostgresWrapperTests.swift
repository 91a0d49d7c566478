import Foundation
import Postgres
import Testing
import TestSupport

@Suite("PostgreSQL over libpq")
struct PostgresWrapperTests {
    @Test("arrays bound for unnest carry NULL elements, quotes, backslashes and the word NULL intact")
    func arraysForUnnest() throws {
        let schema = try TestSchema("arrays")
        defer { try? schema.drop() }
        let db = try schema.connect()
        let at = Date(timeIntervalSince1970: 1_764_390_896.5)
        let texts: [String?] = ["a\"b", nil, "back\\slash", "NULL", "逗号,{}"]
        let rows = try db.query("""
            SELECT n, t, d, b FROM unnest($1::text[], $2::timestamptz[], $3::bool[]) WITH ORDINALITY AS u(t, d, b, n) ORDER BY n
            """, [texts, [at, nil, at, nil, at] as [Date?], [true, false, true, false, true]])
        #expect(rows.rows.count == 5)
        #expect(try rows.rows.map { try $0.decodeIfPresent(String.self, "t") } == texts)
        #expect(try rows.rows.map { try $0.decodeIfPresent(Date.self, "d") == nil } == [false, true, false, true, false])
        #expect(try rows.rows.map { try $0.decode(Bool.self, "b") } == [true, false, true, false, true])
    }

    @Test("types round trip, including NULLs and non-ASCII text")
    func typesRoundTrip() throws {
        let schema = try TestSchema("types")
        defer { try? schema.drop() }
        let db = try schema.connect()
        try db.execute(script: """
            CREATE TABLE sample (
              id uuid PRIMARY KEY, name text, count bigint, small integer, ok boolean, ratio double precision,
              at timestamptz, day date, doc jsonb, raw bytea, tags text[])
            """, name: "createSample")
        struct Doc: Codable, Equatable, Sendable { var item: String; var attempts: Int }
        let id = UUID()
        let at = Date(timeIntervalSince1970: 1_764_390_896.123456)
        try db.query("""
            INSERT INTO sample VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, [id, "张三 — Zhāng Sān ✓", Int.max, Int32(-7), true, 0.25, at,
                  PostgresDate(year: 1965, month: 2, day: 28), JSONB(Doc(item: "fund.seal", attempts: 3)),
                  PostgresBytes([0, 1, 254, 255]), ["a", "b\"c", "d,e"]])
        try db.query("INSERT INTO sample (id) VALUES ($1)", [UUID()])

        let row = try #require(db.query("SELECT * FROM sample WHERE id = $1", [id]).first)
        #expect(try row.decode(UUID.self, "id") == id)
        #expect(try row.decode(String.self, "name") == "张三 — Zhāng Sān ✓")
        #expect(try row.decode(Int.self, "count") == Int.max)
        #expect(try row.decode(Int32.self, "small") == -7)
        #expect(try row.decode(Bool.self, "ok") == true)
        #expect(try row.decode(Double.self, "ratio") == 0.25)
        let readBack = try row.decode(Date.self, "at")
        #expect(abs(readBack.timeIntervalSince1970 - at.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(PostgresDate.self, "day") == PostgresDate(year: 1965, month: 2, day: 28))
        #expect(try row.decode(JSONB<Doc>.self, "doc").value == Doc(item: "fund.seal", attempts: 3))
        #expect(try row.decode(PostgresBytes.self, "raw").bytes == [0, 1, 254, 255])
        let tags = try db.query("SELECT array_length(tags, 1) AS n, tags[2] AS second FROM sample WHERE id = $1", [id]).first
        #expect(try tags?.decode(Int.self, "n") == 3)
        #expect(try tags?.decode(String.self, "second") == "b\"c")

        let empty = try #require(db.query("SELECT * FROM sample WHERE id <> $1", [id]).first)
        #expect(try empty.decodeIfPresent(String.self, "name") == nil)
        #expect(try empty.decodeIfPresent(Date.self, "at") == nil)
        #expect(throws: PostgresError.self) { try empty.decode(Int.self, "count") }
        // A NULL parameter binds as NULL.
        let nothing: String? = nil
        #expect(try db.query("SELECT count(*) AS n FROM sample WHERE name IS NOT DISTINCT FROM $1", [nothing])
            .first?.decode(Int.self, "n") == 1)
    }

    @Test("timestamps decode from every offset PostgreSQL prints")
    func timestampOffsets() throws {
        let db = try PostgresConnection(url: TestEnvironment.databaseURL, settings: ["TimeZone": "Asia/Kolkata"])
        let row = try #require(db.query("SELECT '2026-01-01 00:00:00+00'::timestamptz AS at").first)
        #expect(try row.decode(Date.self, "at") == Date(timeIntervalSince1970: 1_767_225_600))
        // The wrapper pins UTC unless told otherwise; even so, +05:30 decodes correctly.
        #expect(try Date(postgresText: "2026-01-01 05:30:00+05:30") == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(try Date(postgresText: "1969-12-31 23:59:59.5+00").timeIntervalSince1970 == -0.5)
    }

    @Test("a transaction rolls back when its closure throws, and commits when it returns")
    func transactions() throws {
        let schema = try TestSchema("tx")
        defer { try? schema.drop() }
        let db = try schema.connect()
        try db.execute(script: "CREATE TABLE t (n integer)", name: "create")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction { db in
                try db.query("INSERT INTO t VALUES ($1)", [1])
                throw Boom()
            }
        }
        #expect(try db.query("SELECT count(*) AS n FROM t").first?.decode(Int.self, "n") == 0)
        try db.transaction { db in
            try db.query("INSERT INTO t VALUES ($1)", [2])
            // An inner failure rolls back to its savepoint only.
            _ = try? db.transaction { db in
                try db.query("INSERT INTO t VALUES ($1)", [3])
                throw Boom()
            }
        }
        #expect(try db.query("SELECT array_agg(n) AS ns FROM t").first?.decode(String.self, "ns") == "{2}")
    }

    @Test("a constraint violation carries its SQLSTATE and constraint, and never the values")
    func sqlState() throws {
        let schema = try TestSchema("state")
        defer { try? schema.drop() }
        let db = try schema.connect()
        try db.execute(script: "CREATE TABLE people (id_number text CONSTRAINT people_pk PRIMARY KEY)", name: "create")
        try db.query("INSERT INTO people VALUES ($1)", ["220102196505150036"])
        do {
            try db.query("INSERT INTO people VALUES ($1)", ["220102196505150036"], name: "insertPerson")
            Issue.record("a duplicate key must throw")
        } catch let error as PostgresError {
            #expect(error.code == .queryFailed)
            #expect(error.sqlState == "23505")
            #expect(error.isUniqueViolation)
            #expect(error.constraint == "people_pk")
            #expect(error.call == "insertPerson")
            #expect(!error.description.contains("220102196505150036"))
        }
        do {
            try db.query("SELECT $1::integer", ["220102196505150036"])
            Issue.record("a bad integer must throw")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22003" || error.sqlState == "22P02")
            #expect(!error.description.contains("220102196505150036"))
        }
    }

    @Test("a text parameter holding NUL is refused, never stored cut short")
    func nulRefused() throws {
        let db = try PostgresConnection(url: TestEnvironment.databaseURL)
        do {
            try db.query("SELECT $1::text AS t", ["o\u{0}rg"], name: "nul")
            Issue.record("a NUL in a text parameter must throw")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22021")
            #expect(error.call == "nul")
        }
        #expect(try db.query("SELECT $1::text AS t", ["org"]).first?.decode(String.self, "t") == "org")
    }

    @Test("prepared statements run by name and survive many calls")
    func preparedStatements() throws {
        let db = try PostgresConnection(url: TestEnvironment.databaseURL)
        let add = PreparedStatement(name: "add", sql: "SELECT $1::bigint + $2::bigint AS sum")
        for n in 0..<20 {
            #expect(try db.query(add, [n, 1]).first?.decode(Int.self, "sum") == n + 1)
        }
    }

    @Test("advisory locks: one session holds, the other is refused until release")
    func advisoryLocks() throws {
        let a = try PostgresConnection(url: TestEnvironment.databaseURL)
        let b = try PostgresConnection(url: TestEnvironment.databaseURL)
        let key = Int64.random(in: 1...Int64.max)
        #expect(try a.tryAdvisoryLock(key))
        #expect(try !b.tryAdvisoryLock(key))
        #expect(try a.advisoryUnlock(key))
        #expect(try b.tryAdvisoryLock(key))
        #expect(try !a.advisoryUnlock(key))
    }

    @Test("LISTEN/NOTIFY delivers a payload; waiting with nothing sent times out empty")
    func listenNotify() throws {
        let listener = try PostgresConnection(url: TestEnvironment.databaseURL)
        let sender = try PostgresConnection(url: TestEnvironment.databaseURL)
        let channel = TestEnvironment.uniqueName("ready")
        try listener.listen(channel)
        #expect(try listener.waitForNotifications(timeout: .milliseconds(50)).isEmpty)
        try sender.notify(channel, payload: "task 42 ready")
        var received: [PostgresNotification] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while received.isEmpty, ContinuousClock.now < deadline {
            received = try listener.waitForNotifications(timeout: .milliseconds(200))
        }
        #expect(received.map(\.payload) == ["task 42 ready"])
        #expect(received.first?.channel == channel)
        #expect(received.first?.backendPID == sender.backendPID)
    }

    @Test("the pool serves 50 concurrent callers with at most its size of connections")
    func poolUnderLoad() async throws {
        let schema = try TestSchema("pool")
        defer { try? schema.drop() }
        let pool = schema.pool(size: 5)
        try await pool.query("CREATE TABLE hits (backend integer)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await pool.transaction { db in
                        try db.query("INSERT INTO hits SELECT pg_backend_pid()")
                        try db.query("SELECT pg_sleep(0.01)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let row = try #require(try await pool.query("SELECT count(*) AS n, count(DISTINCT backend) AS b FROM hits").first)
        #expect(try row.decode(Int.self, "n") == 50)
        #expect(try row.decode(Int.self, "b") <= 5)
        try await pool.shutdown()
    }

    @Test("after the server restarts, the connection recovers by itself")
    func serverRestart() throws {
        let server = try ScratchPostgres()
        let db = try PostgresConnection(url: server.url)
        #expect(try db.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1)
        try server.stop()
        #expect(throws: PostgresError.self) { try db.query("SELECT 1") }
        try server.start()
        var recovered = false
        for _ in 0..<3 where !recovered {
            recovered = (try? db.query("SELECT 2 AS two").first?.decode(Int.self, "two")) == 2
        }
        #expect(recovered)
        #expect(db.isHealthy)
    }

    @Test("a connection to nowhere is a typed connectionFailed error")
    func connectFailure() throws {
        let port = try freeLoopbackPort()
        do {
            _ = try PostgresConnection(url: "postgres://nobody:secret@127.0.0.1:\(port)/none", connectTimeout: 2)
            Issue.record("connecting to a closed port must throw")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            #expect(!error.description.contains("secret"))
        }
    }
}
