import Foundation
import Testing
@testable import Model

@Suite("TaskTransition")
struct TaskTransitionTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z
    static let failing = RetryPolicy(
        maxTransientAttempts: 3, baseBackoff: .seconds(10), maxBackoff: .seconds(60), onConditionNotMet: .fail)
    static let awaiting = RetryPolicy(
        maxTransientAttempts: 3, baseBackoff: .seconds(10), maxBackoff: .seconds(60),
        onConditionNotMet: .awaitConditions(recheckEvery: .seconds(3600)))

    struct Legal: Sendable, CustomTestStringConvertible {
        let name: String
        let from: TaskSnapshot
        let event: TaskEvent
        var policy: RetryPolicy = TaskTransitionTests.failing
        var jitter: Double = 0.5
        let to: TaskSnapshot
        let effects: [TaskEffect]
        var testDescription: String { name }
    }

    static func at(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }

    static let legal: [Legal] = [
        // claim
        Legal(name: "queued claim", from: .init(status: .queued), event: .claim,
              to: .init(status: .running, attempt: 1), effects: [.recordEvent(detail: "attempt 1")]),
        Legal(name: "retrying claim", from: .init(status: .retrying, attempt: 2, transientFailures: 2, nextAttemptAt: at(5), lastError: "timeout"),
              event: .claim,
              to: .init(status: .running, attempt: 3, transientFailures: 2, lastError: "timeout"),
              effects: [.recordEvent(detail: "attempt 3")]),
        Legal(name: "awaitingConditions claim", from: .init(status: .awaitingConditions, attempt: 1, nextAttemptAt: at(0), lastError: "not yet"),
              event: .claim, to: .init(status: .running, attempt: 2, lastError: "not yet"),
              effects: [.recordEvent(detail: "attempt 2")]),
        Legal(name: "scheduled claim", from: .init(status: .scheduled, nextAttemptAt: at(-1)), event: .claim,
              to: .init(status: .running, attempt: 1), effects: [.recordEvent(detail: "attempt 1")]),
        // outcomes of a running task
        Legal(name: "running succeeded", from: .init(status: .running, attempt: 2, transientFailures: 1, lastError: "timeout"),
              event: .succeeded, to: .init(status: .succeeded, attempt: 2),
              effects: [.recordEvent(detail: nil), .releaseDependants]),
        Legal(name: "running conditionNotMet, fail policy", from: .init(status: .running, attempt: 1, transientFailures: 1),
              event: .conditionNotMet(reason: "account frozen"),
              to: .init(status: .failed, attempt: 1, lastError: "account frozen"),
              effects: [.recordEvent(detail: "account frozen")]),
        Legal(name: "running conditionNotMet, await policy", from: .init(status: .running, attempt: 1),
              event: .conditionNotMet(reason: "contributions short"), policy: awaiting,
              to: .init(status: .awaitingConditions, attempt: 1, nextAttemptAt: at(3600), lastError: "contributions short"),
              effects: [.recordEvent(detail: "contributions short"), .schedule(at: at(3600))]),
        Legal(name: "first transient failure", from: .init(status: .running, attempt: 1),
              event: .transientFailure(reason: "HTTP 503"),
              to: .init(status: .retrying, attempt: 1, transientFailures: 1, nextAttemptAt: at(5), lastError: "HTTP 503"),
              effects: [.recordEvent(detail: "HTTP 503"), .schedule(at: at(5))]),
        Legal(name: "second transient failure", from: .init(status: .running, attempt: 2, transientFailures: 1),
              event: .transientFailure(reason: "timeout"), jitter: 0.25,
              to: .init(status: .retrying, attempt: 2, transientFailures: 2, nextAttemptAt: at(5), lastError: "timeout"),
              effects: [.recordEvent(detail: "timeout"), .schedule(at: at(5))]),
        Legal(name: "last transient failure goes dead", from: .init(status: .running, attempt: 3, transientFailures: 2),
              event: .transientFailure(reason: "timeout"),
              to: .init(status: .dead, attempt: 3, transientFailures: 3, lastError: "timeout"),
              effects: [.recordEvent(detail: "timeout")]),
        Legal(name: "lease expired", from: .init(status: .running, attempt: 1), event: .leaseExpired, jitter: 0,
              to: .init(status: .retrying, attempt: 1, transientFailures: 1, nextAttemptAt: at(0), lastError: "lease expired"),
              effects: [.recordEvent(detail: "lease expired"), .schedule(at: at(0))]),
        Legal(name: "lease expired at the limit", from: .init(status: .running, attempt: 5, transientFailures: 2), event: .leaseExpired,
              to: .init(status: .dead, attempt: 5, transientFailures: 3, lastError: "lease expired"),
              effects: [.recordEvent(detail: "lease expired")]),
        Legal(name: "given back by a stopping worker", from: .init(status: .running, attempt: 2, transientFailures: 1),
              event: .released,
              to: .init(status: .queued, attempt: 2, transientFailures: 1),
              effects: [.recordEvent(detail: "released by a stopping worker"), .publish]),
        // release
        Legal(name: "released", from: .init(status: .blocked), event: .dependencyReleased(realNameCheckPending: false, notBefore: nil),
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish]),
        Legal(name: "released, real-name pending", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: true, notBefore: nil),
              to: .init(status: .awaitingRealName), effects: [.recordEvent(detail: "waiting for the real-name check")]),
        Legal(name: "released for a later date", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: false, notBefore: at(86_400)),
              to: .init(status: .scheduled, nextAttemptAt: at(86_400)),
              effects: [.recordEvent(detail: nil), .schedule(at: at(86_400))]),
        Legal(name: "released for a date already here", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: false, notBefore: at(-3600)),
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish]),
        // real-name check
        Legal(name: "real name confirmed", from: .init(status: .awaitingRealName), event: .realNameConfirmed,
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish]),
        Legal(name: "deadline while awaiting real name", from: .init(status: .awaitingRealName), event: .deadlinePassed,
              to: .init(status: .cancelled),
              effects: [.recordEvent(detail: "real-name check not done by the deadline"), .cancelDependants]),
        Legal(name: "deadline while still blocked", from: .init(status: .blocked), event: .deadlinePassed,
              to: .init(status: .cancelled),
              effects: [.recordEvent(detail: "real-name check not done by the deadline"), .cancelDependants]),
        // people
        Legal(name: "filer retriggers failed", from: .init(status: .failed, attempt: 1, lastError: "frozen"),
              event: .retrigger(by: .filer), to: .init(status: .queued, attempt: 1, lastError: "frozen"),
              effects: [.recordEvent(detail: "retriggered by filer"), .publish]),
        Legal(name: "operator retriggers failed", from: .init(status: .failed, attempt: 1),
              event: .retrigger(by: .operator), to: .init(status: .queued, attempt: 1),
              effects: [.recordEvent(detail: "retriggered by operator"), .publish]),
        Legal(name: "operator retriggers dead", from: .init(status: .dead, attempt: 3, transientFailures: 3, lastError: "timeout"),
              event: .retrigger(by: .operator), to: .init(status: .queued, attempt: 3, lastError: "timeout"),
              effects: [.recordEvent(detail: "retriggered by operator"), .publish]),
        Legal(name: "filer abandons failed", from: .init(status: .failed, attempt: 1, lastError: "frozen"), event: .abandon,
              to: .init(status: .abandoned, attempt: 1, lastError: "frozen"),
              effects: [.recordEvent(detail: nil), .cancelDependants]),
    ] + [TaskStatus.blocked, .queued, .retrying, .awaitingConditions, .awaitingRealName, .scheduled, .failed, .dead].map { status in
        Legal(name: "cancel \(status.rawValue)", from: .init(status: status, attempt: 1, nextAttemptAt: at(60)),
              event: .cancel(reason: "seal abandoned"), to: .init(status: .cancelled, attempt: 1),
              effects: [.recordEvent(detail: "seal abandoned"), .cancelDependants])
    }

    @Test("legal transitions", arguments: legal)
    func legalTransition(_ example: Legal) throws {
        let outcome = try TaskTransition.apply(
            example.event, to: example.from, now: Self.now, policy: example.policy, jitter: example.jitter
        ).get()
        #expect(outcome.task == example.to)
        #expect(outcome.effects == example.effects)
        #expect(outcome.status == example.to.status)
        #expect(outcome.attempt == example.to.attempt)
        #expect(outcome.nextAttemptAt == example.to.nextAttemptAt)
    }

    /// The legal (status, event) pairs, written independently of the implementation.
    static func isLegal(_ status: TaskStatus, _ event: TaskEvent) -> Bool {
        switch event {
        case .claim: [.queued, .retrying, .awaitingConditions, .scheduled].contains(status)
        case .succeeded, .conditionNotMet, .transientFailure, .leaseExpired, .released: status == .running
        case .dependencyReleased: status == .blocked
        case .realNameConfirmed: status == .awaitingRealName
        case .deadlinePassed: status == .awaitingRealName || status == .blocked
        case .retrigger(by: .filer): status == .failed
        case .retrigger(by: .operator): status == .failed || status == .dead
        case .abandon: status == .failed
        case .cancel: ![.running, .succeeded, .cancelled, .abandoned].contains(status)
        }
    }

    static let everyEvent: [TaskEvent] = [
        .claim, .succeeded, .conditionNotMet(reason: "x"), .transientFailure(reason: "x"),
        .dependencyReleased(realNameCheckPending: false, notBefore: nil), .realNameConfirmed, .deadlinePassed,
        .retrigger(by: .filer), .retrigger(by: .operator), .abandon, .leaseExpired, .released, .cancel(reason: "x"),
    ]

    @Test("every status × every event is accepted or refused as specified", arguments: TaskStatus.allCases)
    func matrix(status: TaskStatus) {
        for event in Self.everyEvent {
            let result = TaskTransition.apply(
                event, to: TaskSnapshot(status: status, attempt: 1), now: Self.now, policy: Self.failing, jitter: 0.5)
            switch result {
            case .success(let outcome):
                #expect(Self.isLegal(status, event), "\(status.rawValue) accepted \(event.name)")
                #expect(outcome.effects.first.map { if case .recordEvent = $0 { true } else { false } } == true)
            case .failure:
                #expect(!Self.isLegal(status, event), "\(status.rawValue) refused \(event.name)")
            }
        }
    }

    @Test("illegal transitions say which and from where", arguments: [
        (TaskStatus.queued, TaskEvent.succeeded, TransitionError.illegal(event: "succeeded", from: .queued)),
        (.succeeded, .claim, .illegal(event: "claim", from: .succeeded)),
        (.running, .cancel(reason: "x"), .illegal(event: "cancel", from: .running)),
        (.running, .claim, .illegal(event: "claim", from: .running)),
        (.cancelled, .retrigger(by: .operator), .illegal(event: "retrigger", from: .cancelled)),
        (.dead, .retrigger(by: .filer), .notPermitted(event: "retrigger", from: .dead, requester: .filer)),
        (.dead, .abandon, .illegal(event: "abandon", from: .dead)),
        (.queued, .realNameConfirmed, .illegal(event: "realNameConfirmed", from: .queued)),
        (.awaitingRealName, .claim, .illegal(event: "claim", from: .awaitingRealName)),
        (.blocked, .claim, .illegal(event: "claim", from: .blocked)),
        (.queued, .dependencyReleased(realNameCheckPending: false, notBefore: nil), .illegal(event: "dependencyReleased", from: .queued)),
    ])
    func illegal(status: TaskStatus, event: TaskEvent, expected: TransitionError) {
        let result = TaskTransition.apply(event, to: TaskSnapshot(status: status), now: Self.now, policy: Self.failing, jitter: 0)
        #expect(result == .failure(expected))
    }

    @Test func error_messages() {
        #expect(TransitionError.illegal(event: "claim", from: .succeeded).message
                == "A task that is succeeded cannot take the event claim.")
        #expect(TransitionError.notPermitted(event: "retrigger", from: .dead, requester: .filer).description
                == "A filer may not retrigger a task that is dead.")
        #expect(TransitionError.illegal(event: "claim", from: .succeeded).code == "illegal_transition")
    }

    @Test func a_pension_task_lives_through_faults_and_unmet_conditions() throws {
        var task = TaskSnapshot(status: .queued)
        var clock = Self.now
        let steps: [(TaskEvent, TaskStatus)] = [
            (.claim, .running), (.transientFailure(reason: "timeout"), .retrying),
            (.claim, .running), (.transientFailure(reason: "timeout"), .retrying),
            (.claim, .running), (.conditionNotMet(reason: "not old enough"), .awaitingConditions),
            (.claim, .running), (.transientFailure(reason: "timeout"), .retrying),
            (.claim, .running), (.transientFailure(reason: "timeout"), .retrying),
            (.claim, .running), (.succeeded, .succeeded),
        ]
        for (event, expected) in steps {
            let outcome = try TaskTransition.apply(event, to: task, now: clock, policy: Self.awaiting, jitter: 0.5).get()
            #expect(outcome.status == expected, "\(event.name)")
            task = outcome.task
            clock = clock.addingTimeInterval(60)
        }
        // Six claims; the condition reset the fault count, so four faults never reached the limit of three in a row.
        #expect(task.attempt == 6)
        #expect(task.transientFailures == 0)
        #expect(task.lastError == nil)
    }

    @Test func retrigger_resets_the_fault_count_but_not_the_attempt() throws {
        let dead = TaskSnapshot(status: .dead, attempt: 3, transientFailures: 3, lastError: "timeout")
        let queued = try TaskTransition.apply(.retrigger(by: .operator), to: dead, now: Self.now, policy: Self.failing, jitter: 0).get()
        let running = try TaskTransition.apply(.claim, to: queued.task, now: Self.now, policy: Self.failing, jitter: 0).get()
        let retrying = try TaskTransition.apply(.transientFailure(reason: "timeout"), to: running.task, now: Self.now, policy: Self.failing, jitter: 0).get()
        #expect(running.attempt == 4)
        #expect(retrying.status == .retrying)
        #expect(retrying.task.transientFailures == 1)
    }

    @Test func backoff_of_a_retry_follows_the_policy_and_the_jitter() throws {
        // Policy: base 10 s, max 60 s. The 4th fault in a row has ceiling 60 s (80 capped).
        let policy = RetryPolicy(maxTransientAttempts: 10, baseBackoff: .seconds(10), maxBackoff: .seconds(60), onConditionNotMet: .fail)
        let running = TaskSnapshot(status: .running, attempt: 4, transientFailures: 3)
        for (jitter, seconds) in [(0.0, 0.0), (0.5, 30.0), (0.9, 54.0)] {
            let outcome = try TaskTransition.apply(.transientFailure(reason: "x"), to: running, now: Self.now, policy: policy, jitter: jitter).get()
            #expect(outcome.nextAttemptAt == Self.now.addingTimeInterval(seconds))
        }
    }
}
