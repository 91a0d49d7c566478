import Foundation
import Postgres

/// What is kept, and for how long (README, "What is kept"): bank account numbers until the case's
/// extraction has ended; the event history of a case until `eventDays` after it ended; the
/// per-minute samples for `sampleDays`. Each call deletes or purges at most `limit` rows, so a pass
/// never holds long locks; the sweeper calls again until nothing is left.
public enum Retention {
    /// Replaces the full number of at most `limit` accounts whose extraction has ended
    /// (succeeded, cancelled or abandoned: nobody will pay into it again) by its masked form.
    public static func purgeBankAccounts(limit: Int, on db: PostgresConnection) throws -> Int {
        try db.query(Self.purgeAccounts, [limit]).rows.count
    }

    /// Deletes at most `limit` events of cases that ended before `before`.
    public static func deleteEvents(endedBefore before: Date, limit: Int, on db: PostgresConnection) throws -> Int {
        try db.query(Self.deleteOldEvents, [before, limit]).rows.count
    }

    /// Deletes at most `limit` per-minute samples older than `before`.
    public static func deleteSamples(before: Date, limit: Int, on db: PostgresConnection) throws -> Int {
        try db.query(Self.deleteOldSamples, [before, limit]).rows.count
    }

    private static let purgeAccounts = PreparedStatement(name: "purgeBankAccounts", sql: """
        UPDATE cases c SET bank_account_number = repeat('*', length(c.bank_account_number) - 4)
                                                 || right(c.bank_account_number, 4)
        WHERE c.id IN (
            SELECT c2.id FROM cases c2 JOIN tasks t ON t.case_id = c2.id AND t.item = 'fund.extraction'
            WHERE c2.bank_account_number IS NOT NULL AND c2.bank_account_number NOT LIKE '*%'
              AND t.status IN ('succeeded', 'cancelled', 'abandoned')
            LIMIT $1)
        RETURNING c.id
        """)

    private static let deleteOldEvents = PreparedStatement(name: "deleteOldEvents", sql: """
        DELETE FROM events WHERE id IN (
            SELECT e.id FROM cases c JOIN events e ON e.case_id = c.id
            WHERE c.status IN ('completed', 'closed') AND c.updated_at < $1
            LIMIT $2)
        RETURNING id
        """)

    private static let deleteOldSamples = PreparedStatement(name: "deleteOldSamples", sql: """
        DELETE FROM queue_samples WHERE (minute, agency) IN (
            SELECT minute, agency FROM queue_samples WHERE minute < $1 LIMIT $2)
        RETURNING minute
        """)
}
