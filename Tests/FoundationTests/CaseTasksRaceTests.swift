import Foundation
import Model
import Postgres
@testable import Storage
import Testing
import TestSupport

extension EngineTests {
    @Test("a claim that slips in while a case is being changed makes that change run again, never overwrite the claim")
    func claimRaceIsDetected() async throws {
        let s = try await setup()
        _ = try await file(s, request())
        let task = try #require(try await tasks(s)["hr.qualification"])
        #expect(task.status == "queued")
        let caseID = try #require(try await s.h.infrastructure.postgres.query("SELECT id FROM cases").first?.decode(UUID.self, "id"))
        let calendar = try WorkingDayCalendar.bundled()
        let payday = PensionPaymentDay(dayOfMonth: 15)!
        let schema = s.h.schema
        let now = Self.now
        let outcome: Result<Void, StorageError> = try await s.h.infrastructure.postgres.withConnection { db in
            let racer = try schema.connect()
            do {
                try db.transaction { db in
                    var state = try CaseTasks.lock([caseID], on: db)
                    // Another worker claims the queued task now: a claim does not wait for the case lock.
                    let claimed = try TaskStore.claim(task.id, attempt: 0, owner: "racer", lease: .seconds(30), now: now,
                                                      calendar: try WorkingDayCalendar.standard(), on: racer)
                    precondition(claimed != nil)
                    try state.apply(.cancel(reason: "test"), to: .hrQualification, caseID: caseID,
                                    at: CaseAggregate.Context(now: now, calendar: calendar, paymentDay: payday,
                                                              actor: "operator:test"))
                    _ = try state.flush(now: now, on: db)
                }
                return .success(())
            } catch let error as StorageError {
                return .failure(error)
            }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("the cancel overwrote the claim")
            return
        }
        #expect(error == .concurrentChange)
        // The claim stands, and nothing of the cancel was kept.
        #expect(try await tasks(s)["hr.qualification"]?.status == "running")
        #expect(try await s.h.infrastructure.postgres.query("SELECT count(*) AS n FROM events WHERE to_status = 'cancelled'")
            .first?.decode(Int.self, "n") == 0)
        // Run again through the public path, the cancel sees the running task and is refused.
        await #expect(throws: TransitionError.self) {
            try await s.h.infrastructure.postgres.withConnection {
                try TaskStore.act(.cancel(reason: "test"), on: task.id, actor: "operator:test", now: now,
                                  calendar: calendar, paymentDay: payday, on: $0)
            }
        }
        await s.h.close()
    }
}
