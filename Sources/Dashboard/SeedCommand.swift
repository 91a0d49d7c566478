import ArgumentParser
import Foundation
import Logging
import Runtime
import Storage

/// `dashboard seed`: fills the database with many cases for measuring the operator pages.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Add many generated cases (10 tasks and 10 events each) for measuring the dashboard at scale.",
        discussion: """
            Meant for a measuring or demo database: cases are filed by a `seed-agent` token nobody holds,
            spread over the last year, and nothing seeded is queued for the workers. Run it once per
            million cases wanted; each run adds to what is there.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many cases to add.")
    var cases: Int = 1_000_000

    @Option(name: .customLong("batch-size"), help: "Cases per transaction.")
    var batchSize: Int = 20_000

    func validate() throws {
        guard cases > 0, cases <= 5_000_000 else { throw ValidationError("--cases must be from 1 to 5000000") }
        guard batchSize > 0, batchSize <= 100_000 else { throw ValidationError("--batch-size must be from 1 to 100000") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: try connection.logLevel)
        let logger = Logger(label: "seed")
        let infrastructure = try Infrastructure(options: connection, postgresPoolSize: 1, redisPoolSize: 1,
                                                applicationName: "seed")
        try await infrastructure.migrate(logger: logger)
        let started = ContinuousClock.now
        let now = Date()
        let span = 365 * 86_400
        var done = 0
        while done < cases {
            let count = min(batchSize, cases - done)
            // Each batch covers its share of the year, so filing times rise with the case sequence.
            let batchEnd = now.addingTimeInterval(-Double(span) * Double(cases - done - count) / Double(cases))
            let batchSpan = max(1, span * count / cases)
            done += try await infrastructure.postgres.withConnection { db in
                try DemoSeed.insertBatch(count: count, totalSpan: batchSpan, now: batchEnd, on: db)
            }
            logger.info("seeded", metadata: ["cases": "\(done)", "of": "\(cases)",
                                             "elapsed": "\(ContinuousClock.now - started)"])
        }
        _ = try await infrastructure.postgres.withConnection { db in
            try db.execute(script: "ANALYZE cases; ANALYZE tasks; ANALYZE events;", name: "analyse")
        }
        await infrastructure.shutdown()
        print("Seeded \(done) cases in \(ContinuousClock.now - started).")
    }
}
