import Testing
@testable import Model

/// A seeded generator, so "random" tests are repeatable (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    static let policy = RetryPolicy(
        maxTransientAttempts: 5, baseBackoff: .seconds(1), maxBackoff: .seconds(60), onConditionNotMet: .fail)

    @Test("the ceiling doubles from the base up to the maximum", arguments: [
        (0, Duration.seconds(1)), (1, .seconds(1)), (2, .seconds(2)), (3, .seconds(4)), (4, .seconds(8)),
        (6, .seconds(32)), (7, .seconds(60)), (100, .seconds(60)), (Int.max, .seconds(60)),
    ])
    func ceiling(failures: Int, expected: Duration) {
        #expect(Self.policy.backoffCeiling(afterFailure: failures) == expected)
    }

    @Test("full jitter scales the ceiling", arguments: [
        (3, 0.0, Duration.zero), (3, 0.5, .seconds(2)), (3, 0.25, .seconds(1)), (7, 0.75, .seconds(45)),
        (1, 0.5, .milliseconds(500)), (3, -1.0, .zero), (3, .nan, .zero),
    ])
    func jitter(failures: Int, jitter: Double, expected: Duration) {
        #expect(Self.policy.backoff(afterFailure: failures, jitter: jitter) == expected)
    }

    @Test func jitter_of_one_or_more_stays_below_the_ceiling() {
        for jitter in [1.0, 2.0, .infinity] {
            let delay = Self.policy.backoff(afterFailure: 7, jitter: jitter)
            #expect(delay < .seconds(60))
            #expect(delay >= .milliseconds(59_999))
        }
    }

    @Test func random_backoff_stays_within_bounds_and_is_repeatable() {
        var first = SeededGenerator(state: 42)
        var second = SeededGenerator(state: 42)
        var outOfBounds: [String] = []
        var sawLow = false
        var sawHigh = false
        for round in 0..<2_000 {
            let failures = round % 10 + 1
            let ceiling = Self.policy.backoffCeiling(afterFailure: failures)
            let a = Self.policy.backoff(afterFailure: failures, using: &first)
            let b = Self.policy.backoff(afterFailure: failures, using: &second)
            if a != b || a < .zero || a >= ceiling { outOfBounds.append("round \(round): \(a)") }
            if a < ceiling * 0.1 { sawLow = true }
            if a > ceiling * 0.9 { sawHigh = true }
        }
        #expect(outOfBounds.isEmpty)
        // Full jitter uses the whole window, not just its top.
        #expect(sawLow)
        #expect(sawHigh)
    }

    @Test func absurd_configuration_does_not_trap() {
        let huge = RetryPolicy(
            maxTransientAttempts: 3, baseBackoff: .seconds(Int64.max / 2), maxBackoff: .seconds(Int64.max), onConditionNotMet: .fail)
        #expect(huge.backoffCeiling(afterFailure: 50) == .milliseconds(9_000_000_000_000_000))
        #expect(huge.backoff(afterFailure: 50, jitter: 0.5) == .milliseconds(4_500_000_000_000_000))
    }

    @Test func at_least_one_attempt() {
        let policy = RetryPolicy(maxTransientAttempts: 0, baseBackoff: .seconds(1), maxBackoff: .seconds(2), onConditionNotMet: .fail)
        #expect(policy.maxTransientAttempts == 1)
    }
}
