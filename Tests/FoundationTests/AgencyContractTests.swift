import Agencies
import Foundation
import Runtime
import Model
import Postgres
import Services
import Testing

/// The agency contract as the simulator keeps it with the PostgreSQL ledger (docs/agency-api.md):
/// an effect at most once per key; a recorded success replayed with what it reported, whatever the
/// data says now; "condition not met" decided afresh on every call.
@Suite("The agency contract (simulator and ledger)")
struct AgencyContractTests {
    struct LedgerRow: Equatable, CustomStringConvertible {
        let key: String
        let item: String
        let calls: Int
        let result: TaskResult?
        var description: String { "\(key) \(item) calls \(calls) \(String(describing: result))" }
    }

    func ledger(_ h: APIHarness) async throws -> [LedgerRow] {
        try await h.infrastructure.postgres.query(
            "SELECT idempotency_key, item, calls, result::text AS result FROM simulator_ledger ORDER BY idempotency_key").rows.map {
            LedgerRow(key: try $0.decode(String.self, "idempotency_key"), item: try $0.decode(String.self, "item"),
                      calls: try $0.decode(Int.self, "calls"),
                      result: try $0.decodeIfPresent(String.self, "result").map { try JSONDecoder().decode(TaskResult.self, from: Data($0.utf8)) })
        }
    }

    static func record(frozen: Bool) throws -> Prequalification {
        Prequalification(idNumber: try ResidentID(parsing: People.man()), name: "张三", category: .male, organisation: "acme",
                         passed: true, contributionMonths: 300, deemedMonths: 24, medicalContributionMonths: 300,
                         fundCentre: "changchun", fundAccountFrozen: frozen, householdRegistered: true, onlyChildParent: false)
    }

    static func extraction(key: String, frozen: Bool) throws -> AgencyRequest {
        AgencyRequest(idempotencyKey: key, item: .fundExtraction, caseNo: "RT2025113000000001",
                      retirementDate: LocalDate(year: 2025, month: 7, day: 15)!, prequalification: try record(frozen: frozen),
                      housingFund: .init(action: .sealAndExtract, centre: "jilin"),
                      bankAccount: BankAccount(bank: "中国工商银行", accountNumber: People.account, holderName: "张三"))
    }

    @Test("a condition not met is decided afresh: the same key, the account unfrozen in between, succeeds on the second call and records one effect")
    func conditionNotMetIsDecidedAfresh() async throws {
        let h = try await APIHarness()
        let clock = ManualClock(beijing(2025, 11, 30))
        let simulator = SimulatedAgencies(ledger: PostgresEffectLedger(postgres: h.infrastructure.postgres), now: { clock.now })
        let key = "0b7c2d9e-1111-4222-8333-944455556666"

        let refused = try await simulator.perform(try Self.extraction(key: key, frozen: true))
        guard case .conditionNotMet(let reason) = refused else {
            Issue.record("a frozen account was paid out: \(refused)")
            return
        }
        #expect(reason.contains("frozen"))
        #expect(try await ledger(h).isEmpty, "a refusal records no effect")
        // Refused again, still nothing.
        #expect(try await simulator.perform(try Self.extraction(key: key, frozen: true)) == refused)
        #expect(try await ledger(h).isEmpty)

        clock.set(beijing(2025, 12, 1))
        let paid = TaskResult(["amount": .string("360000.00"), "paidOn": .string("2025-12-01"),
                               "accountNumber": .string(BankAccount.mask(People.account))])
        #expect(try await simulator.perform(try Self.extraction(key: key, frozen: false)) == .succeeded(result: paid))
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "fund.extraction", calls: 1, result: paid)])
        await h.close()
    }

    @Test("a recorded success is replayed with its recorded result even when the data would now refuse (frozen after the payment); calls count every call")
    func recordedSuccessIsReplayed() async throws {
        let h = try await APIHarness()
        let clock = ManualClock(beijing(2025, 11, 30))
        let simulator = SimulatedAgencies(ledger: PostgresEffectLedger(postgres: h.infrastructure.postgres), now: { clock.now })
        let key = "1c8d3eaf-2222-4333-8444-a55566667777"
        let paid = TaskResult(["amount": .string("360000.00"), "paidOn": .string("2025-11-30"),
                               "accountNumber": .string(BankAccount.mask(People.account))])
        #expect(try await simulator.perform(try Self.extraction(key: key, frozen: false)) == .succeeded(result: paid))
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "fund.extraction", calls: 1, result: paid)])

        // Days later the account is frozen: the paid-out extraction is still reported as it was.
        clock.set(beijing(2025, 12, 5))
        #expect(try await simulator.perform(try Self.extraction(key: key, frozen: true)) == .succeeded(result: paid))
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "fund.extraction", calls: 2, result: paid)])
        // Unfrozen, a later day: the same recorded result, not a second payment.
        clock.set(beijing(2025, 12, 9))
        #expect(try await simulator.perform(try Self.extraction(key: key, frozen: false)) == .succeeded(result: paid))
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "fund.extraction", calls: 3, result: paid)])

        // Another key in the same batch is decided on its own.
        let other = "2d9e4fb0-3333-4444-8555-b66677778888"
        let answers = await simulator.perform(batch: [try Self.extraction(key: key, frozen: true),
                                                      try Self.extraction(key: other, frozen: true)])
        #expect(try answers[0].get() == .succeeded(result: paid))
        guard case .conditionNotMet = try answers[1].get() else {
            Issue.record("the other key was not refused: \(answers[1])")
            return
        }
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "fund.extraction", calls: 4, result: paid)])
        await h.close()
    }

    @Test("the benefit approval: refused before the retirement date, approved after it with the pension figures, replayed unchanged")
    func approvalAfterTheRetirementDate() async throws {
        let h = try await APIHarness()
        let clock = ManualClock(beijing(2025, 7, 14))
        let simulator = SimulatedAgencies(ledger: PostgresEffectLedger(postgres: h.infrastructure.postgres), now: { clock.now })
        let key = "3eaf50c1-4444-4555-8666-c77788889999"
        let request = AgencyRequest(idempotencyKey: key, item: .socialBenefitApproval, caseNo: "RT2025071400000001",
                                    retirementDate: LocalDate(year: 2025, month: 7, day: 15)!,
                                    prequalification: try Self.record(frozen: false))
        guard case .conditionNotMet(let reason) = try await simulator.perform(request) else {
            Issue.record("approved before the retirement date")
            return
        }
        #expect(reason.contains("2025-07-15"))
        #expect(try await ledger(h).isEmpty)
        clock.set(beijing(2025, 7, 15, hour: 0))
        // 27 years of contributions: 7,000 × 1 % × 27 = 1,890.00, plus 300 months × 560 / 139 = 1,208.63.
        let approved = TaskResult(["monthlyPension": .string("3098.63"), "annuityMonthly": .string("0.00")])
        #expect(try await simulator.perform(request) == .succeeded(result: approved))
        var changed = request
        changed.prequalification.contributionMonths = 100
        changed.prequalification.deemedMonths = 0
        #expect(try await simulator.perform(changed) == .succeeded(result: approved))
        #expect(try await ledger(h) == [LedgerRow(key: key, item: "social.benefitApproval", calls: 2, result: approved)])
        await h.close()
    }
}
