/// The one table of items: agency, dependencies, time limit, inclusion rule and retry policy.
/// Adding an item is adding a case to ``Item`` and one entry to ``definition(of:)``.
///
/// Which items a case holds (the guide, 选择联办事项): `hr.qualification` always — ticking nothing
/// handles the retirement qualification alone; `hr.deemedYears` with the pension claim; the social
/// chain with the pension claim; the medical pair with the medical transfer; `fund.seal` when the
/// account is sealed, `fund.extraction` when it is extracted. An extraction alone (a later case for an
/// account an earlier case sealed) holds `fund.extraction` and nothing else.
///
/// The dependency graph follows what each agency needs from the others:
/// - `hr.qualification` comes first: until human resources confirms the person may retire, no
///   other agency has anything to act on.
/// - `hr.deemedYears` needs the qualification, and the pension approval needs the deemed years
///   (they count towards the minimum contribution period and the amount).
/// - `social.pensionTransfer` (in-service → retired) needs the qualification; approval needs the
///   transfer and the deemed years; payment needs the approval and then waits for the unified
///   payment day.
/// - `social.insuranceTermination` (ending work-injury and unemployment contributions) needs only
///   the qualification: it does not depend on the pension being approved.
/// - `medical.deemedYears` needs the qualification; `medical.transfer` needs the medical deemed
///   years (the medical bureau decides them itself, not from the pension's).
/// - `fund.seal` needs the qualification (the account is sealed because the person retires);
///   `fund.extraction` needs the seal, since the law closes the account when it is paid out.
///
/// "Condition not met" (see ``RetryPolicy/ConditionNotMet``): the whole social chain waits and
/// re-checks by itself — the guide says the pension claim is filed once and the bureau continues
/// until the benefit is approved and paid, and insurance termination is handled by the same bureau
/// in the same claim. Medical and fund items stop as `failed` for the filer to retrigger or abandon,
/// as the guide says; so do the hr items, because only a person (the employer or the
/// pre-qualifying body) can fix a refused qualification.
public enum ItemCatalogue {
    /// Every item's definition, in ``Item`` order.
    public static var all: [ItemDefinition] { Item.allCases.map(definition(of:)) }

    /// The definition of one item.
    public static func definition(of item: Item) -> ItemDefinition {
        switch item {
        case .hrQualification:
            ItemDefinition(
                item: item, agency: .hr, chineseName: "退休资格确认",
                waitsFor: [], timeLimitWorkingDays: 0,
                includedWhen: .everyApplication, retryPolicy: hrPolicy)
        case .hrDeemedYears:
            ItemDefinition(
                item: item, agency: .hr, chineseName: "养老保险视同缴费年限认定",
                waitsFor: [.hrQualification], timeLimitWorkingDays: 0,
                includedWhen: .pensionBenefit, retryPolicy: hrPolicy)
        case .socialPensionTransfer:
            ItemDefinition(
                item: item, agency: .social, chineseName: "养老保险在职转退休",
                waitsFor: [.hrQualification], timeLimitWorkingDays: 5,
                includedWhen: .pensionBenefit, retryPolicy: socialPolicy)
        case .socialBenefitApproval:
            ItemDefinition(
                item: item, agency: .social, chineseName: "基本养老保险和职业年金待遇核定",
                waitsFor: [.socialPensionTransfer, .hrDeemedYears], timeLimitWorkingDays: 5,
                includedWhen: .pensionBenefit, retryPolicy: socialPolicy)
        case .socialBenefitPayment:
            ItemDefinition(
                item: item, agency: .social, chineseName: "养老保险待遇发放",
                waitsFor: [.socialBenefitApproval], timeLimitWorkingDays: 0,
                includedWhen: .pensionBenefit, start: .onPaymentDay, retryPolicy: socialPolicy)
        case .socialInsuranceTermination:
            ItemDefinition(
                item: item, agency: .social, chineseName: "工伤保险和失业保险缴费关系终止",
                waitsFor: [.hrQualification], timeLimitWorkingDays: 5,
                includedWhen: .pensionBenefit, retryPolicy: socialPolicy)
        case .medicalDeemedYears:
            ItemDefinition(
                item: item, agency: .medical, chineseName: "基本医疗保险视同缴费年限核定",
                waitsFor: [.hrQualification], timeLimitWorkingDays: 5,
                includedWhen: .medicalTransfer, retryPolicy: failingPolicy)
        case .medicalTransfer:
            ItemDefinition(
                item: item, agency: .medical, chineseName: "基本医疗保险在职转退休",
                waitsFor: [.medicalDeemedYears], timeLimitWorkingDays: 5,
                includedWhen: .medicalTransfer, retryPolicy: failingPolicy)
        case .fundSeal:
            ItemDefinition(
                item: item, agency: .fund, chineseName: "住房公积金账户封存",
                waitsFor: [.hrQualification], timeLimitWorkingDays: 3,
                includedWhen: .housingFundSealed, retryPolicy: failingPolicy)
        case .fundExtraction:
            ItemDefinition(
                item: item, agency: .fund, chineseName: "住房公积金提取",
                waitsFor: [.fundSeal], timeLimitWorkingDays: 3,
                includedWhen: .housingFundExtracted, needsRealNameCheck: true, retryPolicy: failingPolicy)
        }
    }

    /// Human resources answers the same day: retry quickly, give up to an operator within minutes.
    static let hrPolicy = RetryPolicy(
        maxTransientAttempts: 6, baseBackoff: .seconds(5), maxBackoff: .seconds(300), onConditionNotMet: .fail)
    /// The pension chain continues until paid: it never gives up on an unmet condition (it asks again
    /// daily) nor on faults (it backs off to an hour and keeps trying; after a day of faults it is
    /// shown as stalled, for a person to look at).
    static let socialPolicy = RetryPolicy(
        maxTransientAttempts: nil, baseBackoff: .seconds(30), maxBackoff: .seconds(3600),
        onConditionNotMet: .awaitConditions(recheckEvery: .seconds(86_400)), stalledAfter: .seconds(86_400))
    /// Medical and fund: an unmet condition goes back to the filer.
    static let failingPolicy = RetryPolicy(
        maxTransientAttempts: 8, baseBackoff: .seconds(30), maxBackoff: .seconds(3600), onConditionNotMet: .fail)

    /// The items of a case for the given choices, in ``Item`` order.
    public static func items(for choices: FilingChoices) -> [Item] {
        Item.allCases.filter { definition(of: $0).includedWhen.includes(choices) }
    }

    /// The included items a given item waits for, within a case (others are ignored).
    public static func dependencies(of item: Item, in caseItems: Set<Item>) -> Set<Item> {
        definition(of: item).waitsFor.intersection(caseItems)
    }

    /// The tasks of a new case with their first status: `blocked` when the item waits for an item
    /// in the case, otherwise `queued` (or `awaitingRealName` for an item needing the real-name
    /// check while it is pending).
    ///
    /// An item that starts on the payment day always waits for one in the case (the approval), so
    /// it never starts unblocked; `ItemCatalogueTests` checks that.
    public static func initialTasks(for choices: FilingChoices, realNameCheckPending: Bool) -> [InitialTask] {
        let included = items(for: choices)
        let caseItems = Set(included)
        return included.map { item in
            let definition = definition(of: item)
            let status: TaskStatus =
                if !dependencies(of: item, in: caseItems).isEmpty { .blocked }
                else if definition.needsRealNameCheck && realNameCheckPending { .awaitingRealName }
                else { .queued }
            return InitialTask(item: item, agency: definition.agency, status: status)
        }
    }

    /// The blocked items that can be released now that `item` has succeeded: those in the case
    /// that wait for it and whose every dependency in the case has succeeded.
    ///
    /// - Parameter statuses: the current status of every task in the case, `item` included.
    public static func releasable(after item: Item, statuses: [Item: TaskStatus]) -> [Item] {
        let caseItems = Set(statuses.keys)
        return Item.allCases.filter { candidate in
            statuses[candidate] == .blocked
                && definition(of: candidate).waitsFor.contains(item)
                && dependencies(of: candidate, in: caseItems).allSatisfy { statuses[$0] == .succeeded }
        }
    }

    /// Every item in the case that waits, directly or through others, for `item`: what can no
    /// longer happen when `item` is abandoned or cancelled.
    public static func transitiveDependants(of item: Item, in caseItems: Set<Item>) -> [Item] {
        var found: Set<Item> = []
        var frontier: [Item] = [item]
        while let current = frontier.popLast() {
            for candidate in caseItems where !found.contains(candidate)
                && definition(of: candidate).waitsFor.contains(current) {
                found.insert(candidate)
                frontier.append(candidate)
            }
        }
        return Item.allCases.filter(found.contains)
    }
}

/// A task of a new case, as ``ItemCatalogue/initialTasks(for:realNameCheckPending:)`` creates it.
public struct InitialTask: Sendable, Hashable {
    /// The item.
    public let item: Item
    /// The agency that does it.
    public let agency: Agency
    /// Its first status: `blocked`, `queued` or `awaitingRealName`.
    public let status: TaskStatus
}
