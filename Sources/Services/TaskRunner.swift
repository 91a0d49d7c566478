import Agencies
import Foundation
import Logging
import Model

/// Runs delivered tasks: claims them in the repository, calls the agency, commits the outcomes with
/// what they release, then acknowledges the messages and publishes or schedules what became ready.
///
/// Each step takes a batch, so a busy worker claims many tasks in one transaction and commits many
/// outcomes in another. A message is acknowledged only after its outcome has committed; if a step
/// throws (PostgreSQL or Redis unreachable) the messages stay pending and are delivered again.
public struct TaskRunner: Sendable {
    public let tasks: any TaskRepository
    public let queue: any TaskQueue
    public let agencies: any AgencyGateway
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let owner: String
    public let lease: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Multiplies every retry wait (the backoff's jitter): 1 in production; the crash harness
    /// shortens the waits (`RETRY_BACKOFF_SCALE`) so a run settles in minutes.
    public let backoffScale: Double

    public init(tasks: any TaskRepository, queue: any TaskQueue, agencies: any AgencyGateway,
                calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay, owner: String,
                lease: Duration = .seconds(60), logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                backoffScale: Double = 1) {
        self.backoffScale = backoffScale
        self.tasks = tasks
        self.queue = queue
        self.agencies = agencies
        self.calendar = calendar
        self.paymentDay = paymentDay
        self.owner = owner
        self.lease = lease
        self.logger = logger
        self.now = now
    }

    /// What happened to a message.
    public enum Result: Sendable, Equatable {
        /// Nothing to claim: a duplicate or stale message.
        case stale
        /// The attempt ran and its outcome is committed.
        case completed(TaskStatus)
    }

    /// Runs one task attempt start to finish (the message, if any, is the caller's to acknowledge).
    public func run(taskID: UUID, attempt: Int) async throws -> Result {
        guard let task = try await claim([(taskID, attempt)]).first else { return .stale }
        let result = try await complete(try await perform([task]))
        try await settle(result)
        return result.statuses[task.id].map { .completed($0) } ?? .stale
    }

    /// Claims the tasks whose messages still match them, in one transaction.
    public func claim(_ messages: [(id: UUID, attempt: Int)]) async throws -> [ClaimedTask] {
        guard !messages.isEmpty else { return [] }
        return try await tasks.claim(messages, owner: owner, lease: lease, now: now(), calendar: calendar)
    }

    /// Calls the agencies for claimed tasks; one completion per task, in order. A fault of the
    /// agency becomes a transient failure; losing the simulator's ledger (`EffectLedgerUnavailable`) throws, since
    /// whether the effect was recorded is unknown — the call is repeated with the same idempotency key.
    /// A call cut short by cancellation (the worker is stopping) throws `CancellationError`.
    public func perform(_ tasks: [ClaimedTask]) async throws -> [Completion] {
        let requests = tasks.compactMap { task in
            task.work.map {
                AgencyRequest(idempotencyKey: $0.idempotencyKey, item: $0.item, caseNo: $0.caseNo,
                              retirementDate: $0.retirementDate, prequalification: $0.prequalification,
                              housingFund: $0.housingFund.map { .init(action: $0.action, centre: $0.centre) },
                              bankAccount: $0.bankAccount)
            }
        }
        var answers = await agencies.perform(batch: requests).makeIterator()
        return try tasks.map { task in
            let event: TaskEvent
            if task.work == nil {
                event = .transientFailure(reason: "the case's pre-qualification is missing")
            } else {
                switch answers.next()! {
                case .success(.succeeded(let result)): event = .succeeded(result: result)
                case .success(.conditionNotMet(let reason)): event = .conditionNotMet(reason: reason)
                case .failure(let error as EffectLedgerUnavailable): throw error
                case .failure(let error as CancellationError): throw error
                case .failure(let error): event = .transientFailure(reason: Self.reason(error))
                }
            }
            return Completion(task: task, event: event, jitter: Double.random(in: 0..<1) * backoffScale)
        }
    }

    /// Commits outcomes in one transaction; those whose attempt is no longer the task's are left out.
    public func complete(_ completions: [Completion]) async throws -> CompletionResult {
        guard !completions.isEmpty else { return CompletionResult() }
        return try await tasks.complete(completions, now: now(), calendar: calendar, paymentDay: paymentDay,
                                        actor: "worker:\(owner)")
    }

    /// Gives claimed tasks back unfinished (the worker is stopping): each returns to the queue at
    /// its attempt and is published again.
    public func release(_ tasks: [ClaimedTask]) async throws -> CompletionResult {
        try await complete(tasks.map { Completion(task: $0, event: .released, jitter: 0) })
    }

    /// After a commit: acknowledges the messages and publishes or schedules what it made due, in one round trip.
    public func settle(_ result: CompletionResult, acknowledging ids: [String] = [], of agency: Agency? = nil) async throws {
        try await queue.settle(result.dispatch, acknowledging: ids, of: agency)
    }

    /// A reason safe to store and show: the error's own description, which never carries personal data.
    static func reason(_ error: any Error) -> String {
        String(describing: error).prefix(300).description
    }
}
