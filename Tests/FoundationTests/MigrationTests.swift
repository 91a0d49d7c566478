import Foundation
import Postgres
import Storage
import Testing
import TestSupport

@Suite("Schema migrations")
struct MigrationTests {
    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("migrations"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }

    @Test("the bundled migrations apply once; a second run applies nothing")
    func bundledTwice() throws {
        let schema = try TestSchema("mig")
        defer { try? schema.drop() }
        let db = try schema.connect()
        let migrator = Migrator(migrations: try Migration.bundled())
        let first = try migrator.migrate(db)
        #expect(first == migrator.migrations.map(\.version))
        #expect(!first.isEmpty)
        #expect(try migrator.migrate(db).isEmpty)
        let recorded = try db.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(Int.self, "version") }
        #expect(recorded == first)
    }

    @Test("files apply in numeric order, and a failing one rolls back with its record")
    func orderAndFailure() throws {
        let schema = try TestSchema("mig")
        defer { try? schema.drop() }
        let db = try schema.connect()
        let url = try folder([
            "0002_second.sql": "INSERT INTO log VALUES ('second');",
            "0001_first.sql": "CREATE TABLE log (entry text); INSERT INTO log VALUES ('first');",
            "0010_broken.sql": "INSERT INTO log VALUES ('tenth'); SELECT * FROM no_such_table;",
        ])
        let migrations = try Migration.load(from: url)
        #expect(migrations.map(\.version) == [1, 2, 10])
        #expect(migrations.map(\.name) == ["first", "second", "broken"])
        #expect(throws: PostgresError.self) { try Migrator(migrations: migrations).migrate(db) }
        #expect(try db.query("SELECT string_agg(entry, ',' ORDER BY entry) AS e FROM log").first?.decode(String.self, "e") == "first,second")
        #expect(try db.query("SELECT max(version) AS v FROM schema_migrations").first?.decode(Int.self, "v") == 2)
    }

    @Test("badly named or duplicate files are refused")
    func badNames() throws {
        #expect(throws: StorageError.badMigrationName("first.sql")) {
            try Migration.load(from: try folder(["first.sql": "SELECT 1;"]))
        }
        #expect(throws: StorageError.duplicateMigration(1)) {
            try Migration.load(from: try folder(["0001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 1;"]))
        }
    }

    @Test("two processes migrating at once apply each migration exactly once")
    func concurrentMigrators() async throws {
        let schema = try TestSchema("mig")
        defer { try? schema.drop() }
        // A slow first migration makes the two runs overlap for certain.
        let url = try folder([
            "0001_slow.sql": "SELECT pg_sleep(0.5); CREATE TABLE counter (n integer);",
            "0002_row.sql": "INSERT INTO counter VALUES (1);",
        ])
        let migrator = Migrator(migrations: try Migration.load(from: url))
        let pools = [schema.pool(size: 1), schema.pool(size: 1)]
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for pool in pools {
                group.addTask { try await pool.withConnection { try migrator.migrate($0) } }
            }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.sorted { $0.count < $1.count } == [[], [1, 2]])
        let db = try schema.connect()
        #expect(try db.query("SELECT count(*) AS n FROM counter").first?.decode(Int.self, "n") == 1)
        for pool in pools { try await pool.shutdown() }
    }
}
