import Foundation
import Postgres

/// What the workers did in one minute for one agency.
public struct MinuteSample: Sendable, Equatable {
    public var minute: Date
    public var agency: String
    /// Outcomes committed (any status).
    public var processed: Int
    /// Of those, tasks that succeeded.
    public var succeeded: Int
    /// Sum and count of queue waits (message entering the stream to claim), and the longest.
    public var waitMillisSum: Int
    public var waitCount: Int
    public var waitMillisMax: Int

    public init(minute: Date, agency: String, processed: Int = 0, succeeded: Int = 0, waitMillisSum: Int = 0,
                waitCount: Int = 0, waitMillisMax: Int = 0) {
        self.minute = minute
        self.agency = agency
        self.processed = processed
        self.succeeded = succeeded
        self.waitMillisSum = waitMillisSum
        self.waitCount = waitCount
        self.waitMillisMax = waitMillisMax
    }

    /// The mean queue wait in milliseconds, nil when nothing was claimed.
    public var meanWaitMillis: Double? { waitCount > 0 ? Double(waitMillisSum) / Double(waitCount) : nil }
}

/// Per-minute samples: each worker adds its tallies to the minute's row; the overview reads the last hour.
public enum SampleStore {
    /// Adds tallies to their rows in one statement (several workers add to the same minute).
    public static func add(_ samples: [MinuteSample], on db: PostgresConnection) throws {
        guard !samples.isEmpty else { return }
        try db.query(addSamples, [samples.map(\.minute), samples.map(\.agency), samples.map(\.processed),
                                  samples.map(\.succeeded), samples.map(\.waitMillisSum), samples.map(\.waitCount),
                                  samples.map(\.waitMillisMax)])
    }

    /// Every sample from `since` on, oldest first.
    public static func since(_ since: Date, on db: PostgresConnection) throws -> [MinuteSample] {
        try db.query(readSamples, [since]).map { row in
            MinuteSample(minute: try row.decode(Date.self, "minute"), agency: try row.decode(String.self, "agency"),
                         processed: try row.decode(Int.self, "processed"), succeeded: try row.decode(Int.self, "succeeded"),
                         waitMillisSum: try row.decode(Int.self, "wait_ms_sum"), waitCount: try row.decode(Int.self, "wait_count"),
                         waitMillisMax: try row.decode(Int.self, "wait_ms_max"))
        }
    }

    /// Removes samples older than `before` (the charts show one hour; a day is kept).
    public static func prune(before: Date, on db: PostgresConnection) throws {
        try db.query("DELETE FROM queue_samples WHERE minute < $1", [before], name: "pruneSamples")
    }

    private static let addSamples = PreparedStatement(name: "addSamples", sql: """
        INSERT INTO queue_samples AS s (minute, agency, processed, succeeded, wait_ms_sum, wait_count, wait_ms_max)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::int[], $4::int[], $5::bigint[], $6::int[], $7::int[])
        ON CONFLICT (minute, agency) DO UPDATE SET
            processed = s.processed + EXCLUDED.processed,
            succeeded = s.succeeded + EXCLUDED.succeeded,
            wait_ms_sum = s.wait_ms_sum + EXCLUDED.wait_ms_sum,
            wait_count = s.wait_count + EXCLUDED.wait_count,
            wait_ms_max = greatest(s.wait_ms_max, EXCLUDED.wait_ms_max)
        """)

    private static let readSamples = PreparedStatement(name: "readSamples", sql: """
        SELECT minute, agency, processed, succeeded, wait_ms_sum, wait_count, wait_ms_max
        FROM queue_samples WHERE minute >= $1 ORDER BY minute, agency
        """)
}
