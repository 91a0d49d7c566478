import Agencies
import Foundation
import Logging
import Model
import Postgres
import Queue
import Storage

/// Runs one delivered task: claim it in PostgreSQL, call the agency, commit the outcome with what
/// it releases, then publish or schedule what became ready. The message may be acknowledged once
/// `run` returns; if it throws (PostgreSQL or Redis unreachable) the message stays pending and is
/// delivered again.
public struct TaskRunner: Sendable {
    public let postgres: PostgresPool
    public let publisher: TaskPublisher
    public let agencies: any AgencyGateway
    public let calendar: WorkingDayCalendar
    public let paymentDay: PensionPaymentDay
    public let owner: String
    public let lease: Duration
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(postgres: PostgresPool, publisher: TaskPublisher, agencies: any AgencyGateway,
                calendar: WorkingDayCalendar, paymentDay: PensionPaymentDay, owner: String,
                lease: Duration = .seconds(60), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.publisher = publisher
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

    public func run(taskID: UUID, attempt: Int) async throws -> Result {
        let (owner, lease, claimedAt) = (owner, lease, now())
        guard let task = try await postgres.withConnection({ db in
            try Self.retryingConflicts {
                try TaskStore.claim(taskID, attempt: attempt, owner: owner, lease: lease, now: claimedAt, on: db)
            }
        }) else { return .stale }

        let event: TaskEvent
        do {
            let work = try await postgres.withConnection { try TaskStore.agencyRequest(for: task, on: $0) }
            let request = AgencyRequest(idempotencyKey: work.idempotencyKey, item: work.item, caseNo: work.caseNo,
                                        retirementDate: work.retirementDate, prequalification: work.prequalification)
            switch try await agencies.perform(request) {
            case .succeeded: event = .succeeded
            case .conditionNotMet(let reason): event = .conditionNotMet(reason: reason)
            }
        } catch let error as PostgresError where error.isConnectionError {
            throw error  // The lease runs out and the task is taken over; the message is redelivered.
        } catch {
            event = .transientFailure(reason: Self.reason(error))
        }

        let (calendar, paymentDay, finishedAt) = (calendar, paymentDay, now())
        let jitter = Double.random(in: 0..<1)
        guard let dispatch = try await postgres.withConnection({ db in
            try Self.retryingConflicts {
                try TaskStore.complete(task, with: event, now: finishedAt, jitter: jitter, calendar: calendar,
                                       paymentDay: paymentDay, actor: "worker:\(owner)", on: db)
            }
        }) else { return .stale }
        try await publisher.publish(dispatch.publish.map { ($0.id, $0.agency.rawValue, $0.attempt) })
        try await publisher.schedule(dispatch.schedule.map { ($0.id, $0.agency.rawValue, $0.attempt, $0.at) })
        return .completed(dispatch.status ?? .running)
    }

    /// Runs a transaction again when PostgreSQL aborted it for a deadlock or serialization conflict.
    static func retryingConflicts<T>(attempts: Int = 5, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let error as PostgresError where error.isSerializationFailure && attempt < attempts {
                attempt += 1
            }
        }
    }

    /// A reason safe to store and show: the error's own description, which never carries personal data.
    static func reason(_ error: any Error) -> String {
        String(describing: error).prefix(300).description
    }
}
