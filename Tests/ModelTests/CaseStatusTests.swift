import Testing
@testable import Model

@Suite("CaseStatus")
struct CaseStatusTests {
    @Test func raw_values() {
        #expect(TaskStatus.allCases.map(\.rawValue) == [
            "blocked", "queued", "running", "succeeded", "retrying", "awaitingConditions", "awaitingRealName",
            "scheduled", "failed", "dead", "cancelled", "abandoned",
        ])
        #expect(CaseStatus.allCases.map(\.rawValue) == ["inProgress", "actionRequired", "completed", "closed"])
    }

    @Test("a case of one task", arguments: [
        (TaskStatus.blocked, CaseStatus.inProgress), (.queued, .inProgress), (.running, .inProgress),
        (.succeeded, .completed), (.retrying, .inProgress), (.awaitingConditions, .inProgress),
        (.awaitingRealName, .inProgress), (.scheduled, .inProgress), (.failed, .actionRequired),
        (.dead, .actionRequired), (.cancelled, .closed), (.abandoned, .closed),
    ])
    func single(status: TaskStatus, expected: CaseStatus) {
        #expect(CaseStatus.derive(from: [status]) == expected)
    }

    @Test("mixed cases", arguments: [
        ([TaskStatus.succeeded, .succeeded, .succeeded], CaseStatus.completed),
        ([.succeeded, .running], .inProgress),
        ([.blocked, .queued], .inProgress),
        ([.succeeded, .failed, .running], .actionRequired),
        ([.running, .blocked, .dead], .actionRequired),
        ([.failed, .cancelled], .actionRequired),
        ([.succeeded, .cancelled], .closed),
        ([.abandoned, .cancelled, .succeeded], .closed),
        ([.succeeded, .abandoned, .scheduled], .inProgress),
        ([.succeeded, .awaitingConditions], .inProgress),
        ([], .completed),
    ])
    func mixed(statuses: [TaskStatus], expected: CaseStatus) {
        #expect(CaseStatus.derive(from: statuses) == expected)
    }

    @Test func ended() {
        #expect(CaseStatus.allCases.filter(\.hasEnded) == [.completed, .closed])
    }
}
