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
    /// The pension chain's shape: never dead, stalled after a day of faults.
    static let untiring = RetryPolicy(
        maxTransientAttempts: nil, baseBackoff: .seconds(30), maxBackoff: .seconds(3600),
        onConditionNotMet: .awaitConditions(recheckEvery: .seconds(86_400)), stalledAfter: .seconds(86_400))
    static let due = at(7200)
    static let result = TaskResult(["deemedMonths": .integer(24)])

    struct Legal: Sendable, CustomTestStringConvertible {
        let name: String
        let from: TaskSnapshot
        let event: TaskEvent
        var policy: RetryPolicy = TaskTransitionTests.failing
        var jitter: Double = 0.5
        let to: TaskSnapshot
        let effects: [TaskEffect]
        var timeLimit: TaskTransition.TimeLimit = .keeps
        var testDescription: String { name }
    }

    static func at(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }

    static let legal: [Legal] = [
        // claim
        Legal(name: "queued claim keeps the running limit", from: .init(status: .queued, dueBy: due), event: .claim,
              to: .init(status: .running, attempt: 1, dueBy: due), effects: [.recordEvent(detail: "attempt 1")]),
        Legal(name: "retrying claim", from: .init(status: .retrying, attempt: 2, transientFailures: 2, nextAttemptAt: at(5),
                                                  lastError: "timeout", dueBy: due, failingSince: at(-60)),
              event: .claim,
              to: .init(status: .running, attempt: 3, transientFailures: 2, lastError: "timeout", dueBy: due, failingSince: at(-60)),
              effects: [.recordEvent(detail: "attempt 3")]),
        Legal(name: "awaitingConditions claim (the re-check) starts a limit",
              from: .init(status: .awaitingConditions, attempt: 1, nextAttemptAt: at(0), lastError: "not yet"),
              event: .claim, to: .init(status: .running, attempt: 2, lastError: "not yet"),
              effects: [.recordEvent(detail: "attempt 2")], timeLimit: .starts),
        Legal(name: "scheduled claim (the payment day) starts a limit", from: .init(status: .scheduled, nextAttemptAt: at(-1)), event: .claim,
              to: .init(status: .running, attempt: 1), effects: [.recordEvent(detail: "attempt 1")], timeLimit: .starts),
        // outcomes of a running task
        Legal(name: "running succeeded keeps the agency's result and the last limit on record",
              from: .init(status: .running, attempt: 2, transientFailures: 1, lastError: "timeout", dueBy: due, failingSince: at(-60)),
              event: .succeeded(result: result), to: .init(status: .succeeded, attempt: 2, dueBy: due, result: result),
              effects: [.recordEvent(detail: nil), .releaseDependants]),
        Legal(name: "running conditionNotMet, fail policy: the limit stops",
              from: .init(status: .running, attempt: 1, transientFailures: 1, dueBy: due, failingSince: at(-60)),
              event: .conditionNotMet(reason: "account frozen"),
              to: .init(status: .failed, attempt: 1, lastError: "account frozen"),
              effects: [.recordEvent(detail: "account frozen")], timeLimit: .stops),
        Legal(name: "running conditionNotMet, await policy: the limit stops", from: .init(status: .running, attempt: 1, dueBy: due),
              event: .conditionNotMet(reason: "contributions short"), policy: awaiting,
              to: .init(status: .awaitingConditions, attempt: 1, nextAttemptAt: at(3600), lastError: "contributions short"),
              effects: [.recordEvent(detail: "contributions short"), .schedule(at: at(3600))], timeLimit: .stops),
        Legal(name: "first transient failure starts a fault run", from: .init(status: .running, attempt: 1, dueBy: due),
              event: .transientFailure(reason: "HTTP 503"),
              to: .init(status: .retrying, attempt: 1, transientFailures: 1, nextAttemptAt: at(5), lastError: "HTTP 503",
                        dueBy: due, failingSince: now),
              effects: [.recordEvent(detail: "HTTP 503"), .schedule(at: at(5))]),
        Legal(name: "second transient failure keeps the run's start",
              from: .init(status: .running, attempt: 2, transientFailures: 1, failingSince: at(-600)),
              event: .transientFailure(reason: "timeout"), jitter: 0.25,
              to: .init(status: .retrying, attempt: 2, transientFailures: 2, nextAttemptAt: at(5), lastError: "timeout",
                        failingSince: at(-600)),
              effects: [.recordEvent(detail: "timeout"), .schedule(at: at(5))]),
        Legal(name: "last transient failure goes dead: the limit stops",
              from: .init(status: .running, attempt: 3, transientFailures: 2, dueBy: due, failingSince: at(-600)),
              event: .transientFailure(reason: "timeout"),
              to: .init(status: .dead, attempt: 3, transientFailures: 3, lastError: "timeout", failingSince: at(-600)),
              effects: [.recordEvent(detail: "timeout")], timeLimit: .stops),
        Legal(name: "the 100th fault of a policy without a limit retries at its ceiling",
              from: .init(status: .running, attempt: 100, transientFailures: 99, failingSince: at(-90_000)),
              event: .transientFailure(reason: "timeout"), policy: untiring, jitter: 0.5,
              to: .init(status: .retrying, attempt: 100, transientFailures: 100, nextAttemptAt: at(1800), lastError: "timeout",
                        failingSince: at(-90_000)),
              effects: [.recordEvent(detail: "timeout"), .schedule(at: at(1800))]),
        Legal(name: "lease expired", from: .init(status: .running, attempt: 1), event: .leaseExpired, jitter: 0,
              to: .init(status: .retrying, attempt: 1, transientFailures: 1, nextAttemptAt: at(0), lastError: "lease expired",
                        failingSince: now),
              effects: [.recordEvent(detail: "lease expired"), .schedule(at: at(0))]),
        Legal(name: "lease expired at the limit", from: .init(status: .running, attempt: 5, transientFailures: 2), event: .leaseExpired,
              to: .init(status: .dead, attempt: 5, transientFailures: 3, lastError: "lease expired", failingSince: now),
              effects: [.recordEvent(detail: "lease expired")], timeLimit: .stops),
        Legal(name: "given back by a stopping worker", from: .init(status: .running, attempt: 2, transientFailures: 1, dueBy: due),
              event: .released,
              to: .init(status: .queued, attempt: 2, transientFailures: 1, dueBy: due),
              effects: [.recordEvent(detail: "released by a stopping worker"), .publish]),
        // release
        Legal(name: "released: a limit starts", from: .init(status: .blocked), event: .dependencyReleased(realNameCheckPending: false, notBefore: nil),
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish], timeLimit: .starts),
        Legal(name: "released, real-name pending: no limit yet", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: true, notBefore: nil),
              to: .init(status: .awaitingRealName), effects: [.recordEvent(detail: "waiting for the real-name check")],
              timeLimit: .stops),
        Legal(name: "released for a later date: no limit yet", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: false, notBefore: at(86_400)),
              to: .init(status: .scheduled, nextAttemptAt: at(86_400)),
              effects: [.recordEvent(detail: nil), .schedule(at: at(86_400))], timeLimit: .stops),
        Legal(name: "released for a date already here", from: .init(status: .blocked),
              event: .dependencyReleased(realNameCheckPending: false, notBefore: at(-3600)),
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish], timeLimit: .starts),
        // real-name check
        Legal(name: "real name confirmed: a limit starts", from: .init(status: .awaitingRealName), event: .realNameConfirmed,
              to: .init(status: .queued), effects: [.recordEvent(detail: nil), .publish], timeLimit: .starts),
        Legal(name: "deadline while awaiting real name", from: .init(status: .awaitingRealName), event: .deadlinePassed,
              to: .init(status: .cancelled),
              effects: [.recordEvent(detail: "real-name check not done by the deadline"), .cancelDependants]),
        Legal(name: "deadline while still blocked", from: .init(status: .blocked), event: .deadlinePassed,
              to: .init(status: .cancelled),
              effects: [.recordEvent(detail: "real-name check not done by the deadline"), .cancelDependants]),
        // people
        Legal(name: "filer retriggers failed: a new limit", from: .init(status: .failed, attempt: 1, lastError: "frozen"),
              event: .retrigger(by: .filer), to: .init(status: .queued, attempt: 1, lastError: "frozen"),
              effects: [.recordEvent(detail: "retriggered by filer"), .publish], timeLimit: .starts),
        Legal(name: "operator retriggers failed", from: .init(status: .failed, attempt: 1),
              event: .retrigger(by: .operator), to: .init(status: .queued, attempt: 1),
              effects: [.recordEvent(detail: "retriggered by operator"), .publish], timeLimit: .starts),
        Legal(name: "operator retriggers dead: the fault run ends",
              from: .init(status: .dead, attempt: 3, transientFailures: 3, lastError: "timeout", failingSince: at(-600)),
              event: .retrigger(by: .operator), to: .init(status: .queued, attempt: 3, lastError: "timeout"),
              effects: [.recordEvent(detail: "retriggered by operator"), .publish], timeLimit: .starts),
        Legal(name: "filer abandons failed", from: .init(status: .failed, attempt: 1, lastError: "frozen"),
              event: .abandon(by: .filer, reason: nil),
              to: .init(status: .abandoned, attempt: 1, lastError: "frozen"),
              effects: [.recordEvent(detail: "abandoned by filer"), .cancelDependants]),
        Legal(name: "operator closes a pension item waiting on a condition, with a reason",
              from: .init(status: .awaitingConditions, attempt: 4, nextAttemptAt: at(3600), lastError: "not yet"),
              event: .abandon(by: .operator, reason: "the retiree died"), policy: awaiting,
              to: .init(status: .abandoned, attempt: 4, lastError: "not yet"),
              effects: [.recordEvent(detail: "abandoned by operator: the retiree died"), .cancelDependants]),
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
        #expect(outcome.timeLimit == example.timeLimit)
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
        case .abandon(by: .filer, _): status == .failed
        case .abandon(by: .operator, _): status == .failed || status == .awaitingConditions
        case .cancel: ![.running, .succeeded, .cancelled, .abandoned].contains(status)
        }
    }

    static let everyEvent: [TaskEvent] = [
        .claim, .succeeded(result: nil), .conditionNotMet(reason: "x"), .transientFailure(reason: "x"),
        .dependencyReleased(realNameCheckPending: false, notBefore: nil), .realNameConfirmed, .deadlinePassed,
        .retrigger(by: .filer), .retrigger(by: .operator), .abandon(by: .filer, reason: nil),
        .abandon(by: .operator, reason: "x"), .leaseExpired, .released, .cancel(reason: "x"),
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
        (TaskStatus.queued, TaskEvent.succeeded(result: nil), TransitionError.illegal(event: "succeeded", from: .queued)),
        (.succeeded, .claim, .illegal(event: "claim", from: .succeeded)),
        (.running, .cancel(reason: "x"), .illegal(event: "cancel", from: .running)),
        (.running, .claim, .illegal(event: "claim", from: .running)),
        (.cancelled, .retrigger(by: .operator), .illegal(event: "retrigger", from: .cancelled)),
        (.dead, .retrigger(by: .filer), .notPermitted(event: "retrigger", from: .dead, requester: .filer)),
        (.dead, .abandon(by: .operator, reason: "x"), .illegal(event: "abandon", from: .dead)),
        (.awaitingConditions, .abandon(by: .filer, reason: nil),
         .notPermitted(event: "abandon", from: .awaitingConditions, requester: .filer)),
        (.retrying, .abandon(by: .operator, reason: "x"), .illegal(event: "abandon", from: .retrying)),
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
            (.claim, .running), (.succeeded(result: nil), .succeeded),
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

    @Test func the_pension_chain_never_dies_and_is_stalled_after_a_day_of_faults() throws {
        var task = TaskSnapshot(status: .queued)
        var clock = Self.now
        for _ in 0..<200 {
            task = try TaskTransition.apply(.claim, to: task, now: clock, policy: Self.untiring, jitter: 0.5).get().task
            task = try TaskTransition.apply(.transientFailure(reason: "HTTP 503"), to: task, now: clock, policy: Self.untiring,
                                            jitter: 0.5).get().task
            #expect(task.status == .retrying)
            clock = try #require(task.nextAttemptAt)
        }
        #expect(task.failingSince == Self.now)
        // The ceiling is an hour: with jitter 0.5 every wait from the 8th fault on is 30 minutes.
        #expect(task.nextAttemptAt == clock)
        #expect(task.isStalled(at: Self.now.addingTimeInterval(86_400), policy: Self.untiring))
        #expect(!task.isStalled(at: Self.now.addingTimeInterval(86_399), policy: Self.untiring))
        // A policy without a stall threshold never reports one; an answer ends the fault run.
        #expect(!task.isStalled(at: clock, policy: Self.failing))
        task = try TaskTransition.apply(.claim, to: task, now: clock, policy: Self.untiring, jitter: 0).get().task
        task = try TaskTransition.apply(.conditionNotMet(reason: "not yet"), to: task, now: clock, policy: Self.untiring,
                                        jitter: 0).get().task
        #expect(task.failingSince == nil)
        #expect(!task.isStalled(at: clock.addingTimeInterval(10 * 86_400), policy: Self.untiring))
    }

    @Test func only_a_running_limit_makes_a_task_overdue() {
        let late = Self.due.addingTimeInterval(1)
        #expect(TaskSnapshot(status: .queued, dueBy: Self.due).isOverdue(at: late))
        #expect(TaskSnapshot(status: .retrying, dueBy: Self.due).isOverdue(at: late))
        #expect(!TaskSnapshot(status: .queued, dueBy: Self.due).isOverdue(at: Self.due))
        #expect(!TaskSnapshot(status: .awaitingConditions).isOverdue(at: late))
        #expect(!TaskSnapshot(status: .succeeded, dueBy: Self.due).isOverdue(at: late))
    }
}
