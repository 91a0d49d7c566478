import Foundation
import Model
import Postgres

/// The real-name (face) check that releases a housing-fund extraction, and its deadline.
public enum RealNameStore {
    public enum Confirmation: Sendable {
        /// Recorded; what it released is in the dispatch.
        case confirmed(Dispatch)
        /// The case needs no check, or it is done already.
        case notRequired
        /// The deadline has passed.
        case deadlinePassed(LocalDate)
    }

    /// Records that the retiree passed the check at `verifiedAt`, and releases every task waiting for
    /// it, in one transaction under the case lock.
    public static func confirm(caseID: UUID, verifiedAt: Date, today: LocalDate, now: Date, actor: String,
                               calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay,
                               on db: PostgresConnection) throws -> Confirmation {
        try db.transaction { db in
            var state = try CaseTasks.lock([caseID], on: db)
            guard let row = try db.query(Self.selectCheck, [caseID]).first else { return .notRequired }
            guard try row.decode(Bool.self, "real_name_required"),
                  try row.decodeIfPresent(Date.self, "real_name_done_at") == nil
            else { return .notRequired }
            if let deadline = try row.decodeIfPresent(LocalDate.self, "real_name_deadline"), today > deadline {
                return .deadlinePassed(deadline)
            }
            try db.query("UPDATE cases SET real_name_done_at = $2, updated_at = $3 WHERE id = $1",
                         [caseID, verifiedAt, now], name: "confirmRealName")
            let context = CaseAggregate.Context(now: now, calendar: calendar, paymentDay: paymentDay, actor: actor)
            state[caseID]?.confirmRealName()
            for item in state[caseID]?.items(status: .awaitingRealName) ?? [] {
                try state.apply(.realNameConfirmed, to: item, caseID: caseID, at: context)
            }
            return .confirmed(try state.flush(now: now, on: db).dispatch)
        }
    }

    /// Cancels the tasks still waiting for a real-name check whose deadline passed before `today`
    /// (the seal of the account stays as it is); returns how many it cancelled. One transaction per case.
    public static func cancelMissedDeadlines(today: LocalDate, now: Date, limit: Int, calendar: WorkingDayCalendar,
                                             paymentDay: PensionPaymentDay, on db: PostgresConnection) throws -> Int {
        let cases = try db.query(Self.missed, [today, limit]).map { try $0.decode(UUID.self, "case_id") }
        var cancelled = 0
        for caseID in Set(cases) {
            cancelled += try db.transaction { db in
                var state = try CaseTasks.lock([caseID], on: db)
                guard let row = try db.query(Self.selectCheck, [caseID]).first,
                      try row.decodeIfPresent(Date.self, "real_name_done_at") == nil,
                      let deadline = try row.decodeIfPresent(LocalDate.self, "real_name_deadline"), today > deadline
                else { return 0 }
                var count = 0
                let context = CaseAggregate.Context(now: now, calendar: calendar, paymentDay: paymentDay,
                                                    actor: "system:deadline")
                for item in Item.allCases where ItemCatalogue.definition(of: item).needsRealNameCheck {
                    guard let status = state[caseID]?.tasks[item]?.snapshot.status,
                          status == .awaitingRealName || status == .blocked
                    else { continue }
                    try state.apply(.deadlinePassed, to: item, caseID: caseID, at: context)
                    count += 1
                }
                _ = try state.flush(now: now, on: db)
                return count
            }
        }
        return cancelled
    }

    private static let selectCheck = PreparedStatement(name: "selectRealNameCheck", sql: """
        SELECT real_name_required, real_name_deadline, real_name_done_at FROM cases WHERE id = $1
        """)

    /// Uses the partial index `tasks_real_name_wait` (migration 0006): only tasks still waiting are in it.
    private static let missed = PreparedStatement(name: "missedRealNameDeadlines", sql: """
        SELECT t.case_id FROM tasks t JOIN cases c ON c.id = t.case_id
        WHERE t.item = 'fund.extraction' AND t.status IN ('awaitingRealName', 'blocked')
          AND c.real_name_required AND c.real_name_done_at IS NULL AND c.real_name_deadline < $1
        LIMIT $2
        """)
}
