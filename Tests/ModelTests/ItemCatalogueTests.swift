import Foundation
import Testing
@testable import Model

@Suite("ItemCatalogue")
struct ItemCatalogueTests {
    /// Every coherent combination of filing choices (2 × 2 × 3, and the extraction alone).
    static let allChoices: [FilingChoices] = [false, true].flatMap { pension in
        [false, true].flatMap { medical in
            HousingFundAction.allCases.map { FilingChoices(pensionBenefit: pension, medicalTransfer: medical, housingFund: $0) }
        }
    }.filter(\.isCoherent)

    @Test func item_raw_values_are_the_api_strings() {
        #expect(Item.allCases.map(\.rawValue) == [
            "hr.qualification", "hr.deemedYears",
            "social.pensionTransfer", "social.benefitApproval", "social.benefitPayment", "social.insuranceTermination",
            "medical.deemedYears", "medical.transfer",
            "fund.seal", "fund.extraction",
        ])
        #expect(Agency.allCases.map(\.rawValue) == ["hr", "social", "medical", "fund"])
        #expect(NoticeAgency.allCases.map(\.rawValue) == ["police", "health"])
        #expect(HousingFundAction.allCases.map(\.rawValue) == ["none", "seal", "sealAndExtract", "extract"])
    }

    @Test("every item has its own entry, with agency and time limit", arguments: [
        (Item.hrQualification, Agency.hr, 0), (.hrDeemedYears, .hr, 0),
        (.socialPensionTransfer, .social, 5), (.socialBenefitApproval, .social, 5),
        (.socialBenefitPayment, .social, 0), (.socialInsuranceTermination, .social, 5),
        (.medicalDeemedYears, .medical, 5), (.medicalTransfer, .medical, 5),
        (.fundSeal, .fund, 3), (.fundExtraction, .fund, 3),
    ])
    func entry(item: Item, agency: Agency, limit: Int) {
        let definition = ItemCatalogue.definition(of: item)
        #expect(definition.item == item)
        #expect(definition.agency == agency)
        #expect(item.agency == agency)
        #expect(item.rawValue.hasPrefix(agency.rawValue + "."))
        #expect(definition.timeLimitWorkingDays == limit)
        #expect(!definition.chineseName.isEmpty)
    }

    @Test func the_table_covers_every_item_once() {
        #expect(ItemCatalogue.all.map(\.item) == Item.allCases)
    }

    static let graph: [(Item, Set<Item>)] = [
        (.hrQualification, []),
        (.hrDeemedYears, [.hrQualification]),
        (.socialPensionTransfer, [.hrQualification]),
        (.socialBenefitApproval, [.socialPensionTransfer, .hrDeemedYears]),
        (.socialBenefitPayment, [.socialBenefitApproval]),
        (.socialInsuranceTermination, [.hrQualification]),
        (.medicalDeemedYears, [.hrQualification]),
        (.medicalTransfer, [.medicalDeemedYears]),
        (.fundSeal, [.hrQualification]),
        (.fundExtraction, [.fundSeal]),
    ]

    @Test("dependency graph", arguments: graph)
    func dependencies(item: Item, waitsFor: Set<Item>) {
        #expect(ItemCatalogue.definition(of: item).waitsFor == waitsFor)
    }

    @Test func the_graph_has_no_cycles() {
        // Kahn's algorithm: every item must be removable.
        var remaining = Set(Item.allCases)
        var order: [Item] = []
        while let next = Item.allCases.first(where: {
            remaining.contains($0) && ItemCatalogue.definition(of: $0).waitsFor.isDisjoint(with: remaining)
        }) {
            remaining.remove(next)
            order.append(next)
        }
        #expect(remaining.isEmpty)
        #expect(order.first == .hrQualification)
    }

    @Test("dependencies stay in the case and exactly hr.qualification starts", arguments: allChoices.filter { !$0.isExtractionAlone })
    func dependenciesStayInTheCase(choices: FilingChoices) {
        let items = Set(ItemCatalogue.items(for: choices))
        for item in items {
            #expect(ItemCatalogue.definition(of: item).waitsFor.isSubset(of: items), "\(item.rawValue)")
        }
        let tasks = ItemCatalogue.initialTasks(for: choices, realNameCheckPending: true)
        #expect(tasks.map(\.item) == ItemCatalogue.items(for: choices))
        #expect(tasks.filter { $0.status != .blocked }.map(\.item) == [.hrQualification])
        #expect(tasks.first?.status == .queued)
        // An item that starts on the payment day always has something in the case to wait for.
        for item in items where ItemCatalogue.definition(of: item).start == .onPaymentDay {
            #expect(!ItemCatalogue.dependencies(of: item, in: items).isEmpty)
        }
    }

    // The guide (选择联办事项 ①): nothing ticked is the retirement qualification alone; the deemed
    // years come with the pension item. (Before issue 14 every case held hr.deemedYears.)
    @Test("items included by the choices", arguments: [
        (FilingChoices(), [Item.hrQualification]),
        (FilingChoices(pensionBenefit: true), [.hrQualification, .hrDeemedYears, .socialPensionTransfer,
                                               .socialBenefitApproval, .socialBenefitPayment, .socialInsuranceTermination]),
        (FilingChoices(medicalTransfer: true), [.hrQualification, .medicalDeemedYears, .medicalTransfer]),
        (FilingChoices(housingFund: .seal), [.hrQualification, .fundSeal]),
        (FilingChoices(housingFund: .sealAndExtract), [.hrQualification, .fundSeal, .fundExtraction]),
        (FilingChoices(housingFund: .extract), [.fundExtraction]),
        (FilingChoices(pensionBenefit: true, medicalTransfer: true, housingFund: .sealAndExtract), Item.allCases),
    ])
    func included(choices: FilingChoices, items: [Item]) {
        #expect(ItemCatalogue.items(for: choices) == items)
    }

    @Test func an_extraction_alone_starts_at_once_or_waits_for_the_real_name_check() {
        let extraction = FilingChoices(housingFund: .extract)
        #expect(extraction.isCoherent)
        #expect(!FilingChoices(pensionBenefit: true, housingFund: .extract).isCoherent)
        #expect(!FilingChoices(medicalTransfer: true, housingFund: .extract).isCoherent)
        #expect(ItemCatalogue.initialTasks(for: extraction, realNameCheckPending: true).map(\.status) == [.awaitingRealName])
        #expect(ItemCatalogue.initialTasks(for: extraction, realNameCheckPending: false).map(\.status) == [.queued])
    }

    @Test func initial_states_of_a_full_case() {
        let tasks = ItemCatalogue.initialTasks(
            for: FilingChoices(pensionBenefit: true, medicalTransfer: true, housingFund: .sealAndExtract),
            realNameCheckPending: true)
        #expect(tasks.map(\.status) == [.queued] + Array(repeating: .blocked, count: 9))
        #expect(tasks.map(\.agency) == [.hr, .hr, .social, .social, .social, .social, .medical, .medical, .fund, .fund])
    }

    @Test func dependencies_outside_the_case_are_ignored() {
        // social.benefitApproval waits for social.pensionTransfer; without it in the case only
        // hr.deemedYears counts.
        let caseItems: Set<Item> = [.hrQualification, .hrDeemedYears, .socialBenefitApproval]
        #expect(ItemCatalogue.dependencies(of: .socialBenefitApproval, in: caseItems) == [.hrDeemedYears])
        #expect(ItemCatalogue.dependencies(of: .fundExtraction, in: [.fundExtraction]) == [])
    }

    @Test("condition-not-met behaviour per item", arguments: Item.allCases)
    func conditionNotMet(item: Item) {
        let policy = ItemCatalogue.definition(of: item).retryPolicy
        if item.agency == .social {
            #expect(policy.onConditionNotMet == .awaitConditions(recheckEvery: .seconds(86_400)))
        } else {
            #expect(policy.onConditionNotMet == .fail)
        }
        if item.agency == .social {
            // The pension chain continues until paid: never dead, backing off to an hour, stalled after a day.
            #expect(policy.maxTransientAttempts == nil)
            #expect(policy.maxBackoff == .seconds(3600))
            #expect(policy.stalledAfter == .seconds(86_400))
        } else {
            #expect((policy.maxTransientAttempts ?? 0) >= 3)
            #expect(policy.stalledAfter == nil)
        }
        #expect(policy.baseBackoff <= policy.maxBackoff)
    }

    @Test func only_extraction_needs_the_real_name_check_and_only_payment_waits_for_payment_day() {
        #expect(ItemCatalogue.all.filter(\.needsRealNameCheck).map(\.item) == [.fundExtraction])
        #expect(ItemCatalogue.all.filter { $0.start == .onPaymentDay }.map(\.item) == [.socialBenefitPayment])
    }

    @Test func release_after_qualification() {
        var statuses = Dictionary(uniqueKeysWithValues: Item.allCases.map { ($0, TaskStatus.blocked) })
        statuses[.hrQualification] = .succeeded
        #expect(ItemCatalogue.releasable(after: .hrQualification, statuses: statuses) == [
            .hrDeemedYears, .socialPensionTransfer, .socialInsuranceTermination, .medicalDeemedYears, .fundSeal,
        ])
    }

    @Test func approval_waits_for_both_its_dependencies() {
        var statuses = Dictionary(uniqueKeysWithValues: Item.allCases.map { ($0, TaskStatus.blocked) })
        statuses[.hrQualification] = .succeeded
        statuses[.hrDeemedYears] = .running
        statuses[.socialPensionTransfer] = .succeeded
        #expect(ItemCatalogue.releasable(after: .socialPensionTransfer, statuses: statuses) == [])
        statuses[.hrDeemedYears] = .succeeded
        #expect(ItemCatalogue.releasable(after: .hrDeemedYears, statuses: statuses) == [.socialBenefitApproval])
        // Only blocked tasks are released: a second release finds nothing.
        statuses[.socialBenefitApproval] = .queued
        #expect(ItemCatalogue.releasable(after: .hrDeemedYears, statuses: statuses) == [])
    }

    static let everything: Set<Item> = Set(Item.allCases)
    static let givenUp: [(Item, Set<Item>, [Item])] = [
        (.hrQualification, everything, Array(Item.allCases.dropFirst())),
        (.fundSeal, everything, [.fundExtraction]),
        (.socialPensionTransfer, everything, [.socialBenefitApproval, .socialBenefitPayment]),
        (.hrDeemedYears, everything, [.socialBenefitApproval, .socialBenefitPayment]),
        (.medicalTransfer, everything, []),
        (.hrQualification, [.hrQualification, .hrDeemedYears, .fundSeal], [.hrDeemedYears, .fundSeal]),
    ]

    @Test("what a given-up item takes with it", arguments: givenUp)
    func transitiveDependants(item: Item, caseItems: Set<Item>, expected: [Item]) {
        #expect(ItemCatalogue.transitiveDependants(of: item, in: caseItems) == expected)
    }

    @Test func release_events() throws {
        let payday = try #require(PensionPaymentDay(dayOfMonth: 15))
        let march10 = Date(timeIntervalSince1970: 1_773_108_000) // 2026-03-10T02:00:00Z
        let payment = ItemCatalogue.definition(of: .socialBenefitPayment)
        // 2026-03-15 00:00 Beijing = 2026-03-14T16:00:00Z
        #expect(payment.releaseEvent(realNameCheckPending: false, paymentDay: payday, now: march10)
                == .dependencyReleased(realNameCheckPending: false, notBefore: Date(timeIntervalSince1970: 1_773_504_000)))
        let extraction = ItemCatalogue.definition(of: .fundExtraction)
        #expect(extraction.releaseEvent(realNameCheckPending: true, paymentDay: payday, now: march10)
                == .dependencyReleased(realNameCheckPending: true, notBefore: nil))
        let seal = ItemCatalogue.definition(of: .fundSeal)
        #expect(seal.releaseEvent(realNameCheckPending: true, paymentDay: payday, now: march10)
                == .dependencyReleased(realNameCheckPending: false, notBefore: nil))
    }

    @Test func payment_released_on_payment_day_is_queued_at_once() throws {
        let payday = try #require(PensionPaymentDay(dayOfMonth: 15))
        let march15 = Date(timeIntervalSince1970: 1_773_543_600) // 2026-03-15T03:00:00Z, 11:00 Beijing
        let definition = ItemCatalogue.definition(of: .socialBenefitPayment)
        let event = definition.releaseEvent(realNameCheckPending: false, paymentDay: payday, now: march15)
        let outcome = try TaskTransition.apply(
            event, to: TaskSnapshot(status: .blocked), now: march15, policy: definition.retryPolicy, jitter: 0
        ).get()
        #expect(outcome.status == .queued)
        #expect(outcome.effects == [.recordEvent(detail: nil), .publish])
    }

    @Test("payment day", arguments: [
        ("2026-03-10", "2026-03-15"), ("2026-03-15", "2026-03-15"), ("2026-03-16", "2026-04-15"),
        ("2026-12-20", "2027-01-15"),
    ])
    func paymentDay(today: String, expected: String) throws {
        let payday = try #require(PensionPaymentDay(dayOfMonth: 15))
        #expect(payday.nextPaymentDate(onOrAfter: try #require(LocalDate(today))) == LocalDate(expected))
    }

    @Test func payment_day_range() {
        #expect(PensionPaymentDay(dayOfMonth: 0) == nil)
        #expect(PensionPaymentDay(dayOfMonth: 29) == nil)
        #expect(PensionPaymentDay(dayOfMonth: 1)?.dayOfMonth == 1)
        #expect(PensionPaymentDay(dayOfMonth: 28)?.dayOfMonth == 28)
    }

    @Test("real-name check is required for employer-filed extraction only", arguments: [
        (HousingFundAction.sealAndExtract, FilerKind.agent, true),
        (.extract, .agent, true),
        (.sealAndExtract, .individual, false),
        (.extract, .individual, false),
        (.seal, .agent, false),
        (.none, .agent, false),
    ])
    func realNameRequired(action: HousingFundAction, filer: FilerKind, required: Bool) {
        #expect(RealNameCheck.isRequired(housingFund: action, filedBy: filer) == required)
    }

    @Test("real-name deadline", arguments: [
        // The guide's window: from filing to 30 days after the retirement date.
        (HousingFundAction.sealAndExtract, "2025-06-20", "2025-08-14"),
        (.sealAndExtract, "2025-08-14", "2025-08-14"),
        (.extract, "2025-07-15", "2025-08-14"),   // filed on the retirement date: still the guide's
        // Ours where that window would be empty: 30 days after filing.
        (.extract, "2025-07-16", "2025-08-15"),   // an extraction alone filed after retirement
        (.extract, "2026-01-10", "2026-02-09"),
        (.sealAndExtract, "2025-08-15", "2025-09-14"),   // filed after the guide's window closed
    ])
    func realNameDeadline(action: HousingFundAction, filed: String, deadline: String) throws {
        let retirement = try #require(LocalDate("2025-07-15"))
        let filedOn = try #require(LocalDate(filed))
        let expected = try #require(LocalDate(deadline))
        #expect(RealNameCheck.deadline(retirementDate: retirement, filedOn: filedOn, action: action) == expected)
        #expect(!RealNameCheck.isPastDeadline(expected, today: expected))
        #expect(RealNameCheck.isPastDeadline(expected, today: expected.adding(days: 1)))
    }
}
