import Foundation

/// Everything the system knows about one item: one row of ``ItemCatalogue``.
public struct ItemDefinition: Sendable, Hashable {
    /// When an item becomes part of a case, from the filer's choices.
    public enum Inclusion: Sendable, Hashable {
        /// In every joint application (retirement qualification is handled even when nothing is
        /// ticked), but not in an extraction alone, which follows a case that had it.
        case everyApplication
        /// When the pension benefit claim is ticked.
        case pensionBenefit
        /// When medical in-service to retired is ticked.
        case medicalTransfer
        /// When the housing fund is sealed (`seal` or `sealAndExtract`).
        case housingFundSealed
        /// When the housing fund is extracted (`sealAndExtract` or `extract`).
        case housingFundExtracted

        /// Whether choices include the item.
        public func includes(_ choices: FilingChoices) -> Bool {
            switch self {
            case .everyApplication: !choices.isExtractionAlone
            case .pensionBenefit: choices.pensionBenefit
            case .medicalTransfer: choices.medicalTransfer
            case .housingFundSealed: choices.housingFund.seals
            case .housingFundExtracted: choices.housingFund.extracts
            }
        }
    }

    /// When an item whose dependencies are done may start.
    public enum Start: Sendable, Hashable {
        /// At once.
        case whenReady
        /// On the next unified pension payment day (the item is `scheduled` until then).
        case onPaymentDay
    }

    /// The item described.
    public let item: Item
    /// The agency that does it.
    public let agency: Agency
    /// What the portal calls it.
    public let chineseName: String
    /// The items that must succeed first. Those not in the case are ignored.
    public let waitsFor: Set<Item>
    /// The time limit in working days once the item may start (0 = the same day); see
    /// ``WorkingDayCalendar/dueDate(timeLimitWorkingDays:countedFrom:)``.
    public let timeLimitWorkingDays: Int
    /// Which choice brings the item into a case.
    public let includedWhen: Inclusion
    /// When the item may start once released.
    public let start: Start
    /// Whether the item waits for the retiree's real-name check when the case requires one.
    public let needsRealNameCheck: Bool
    /// How faults and unmet conditions are retried.
    public let retryPolicy: RetryPolicy

    /// Creates a definition.
    public init(
        item: Item, agency: Agency, chineseName: String, waitsFor: Set<Item>, timeLimitWorkingDays: Int,
        includedWhen: Inclusion, start: Start = .whenReady, needsRealNameCheck: Bool = false,
        retryPolicy: RetryPolicy
    ) {
        self.item = item
        self.agency = agency
        self.chineseName = chineseName
        self.waitsFor = waitsFor
        self.timeLimitWorkingDays = timeLimitWorkingDays
        self.includedWhen = includedWhen
        self.start = start
        self.needsRealNameCheck = needsRealNameCheck
        self.retryPolicy = retryPolicy
    }
}

extension ItemDefinition {
    /// The ``TaskEvent/dependencyReleased(realNameCheckPending:notBefore:)`` event for this item
    /// once everything it waits for has succeeded.
    ///
    /// - Parameters:
    ///   - realNameCheckPending: whether the case requires the real-name check and it is not done;
    ///     ignored for items that do not need it.
    ///   - paymentDay: the unified pension payment day, for items that start on it.
    ///   - now: the current instant; the payment date is taken in Beijing time.
    public func releaseEvent(realNameCheckPending: Bool, paymentDay: PensionPaymentDay, now: Date) -> TaskEvent {
        let offset = LocalDate.chinaStandardTimeOffset
        let notBefore: Date? = switch start {
        case .whenReady: nil
        case .onPaymentDay:
            paymentDay.nextPaymentDate(onOrAfter: LocalDate(now, utcOffsetSeconds: offset)).startOfDay(utcOffsetSeconds: offset)
        }
        return .dependencyReleased(realNameCheckPending: needsRealNameCheck && realNameCheckPending, notBefore: notBefore)
    }
}
