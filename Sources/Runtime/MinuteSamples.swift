import Foundation
import Storage
import Synchronization

/// This process's tallies per minute and agency since the last flush: outcomes and queue waits,
/// for the overview's charts. Cheap to record into (one lock, one dictionary entry).
public final class MinuteSamples: Sendable {
    private struct Key: Hashable {
        var minute: Int
        var agency: String
    }

    private let tallies = Mutex<[Key: MinuteSample]>([:])
    let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// A committed outcome.
    func outcome(agency: String, succeeded: Bool) {
        update(agency) { sample in
            sample.processed += 1
            if succeeded { sample.succeeded += 1 }
        }
    }

    /// A claim, `millis` after the message entered the stream.
    func waited(agency: String, millis: Int) {
        let millis = min(max(0, millis), 86_400_000)
        update(agency) { sample in
            sample.waitMillisSum += millis
            sample.waitCount += 1
            sample.waitMillisMax = max(sample.waitMillisMax, millis)
        }
    }

    /// Takes everything tallied so far.
    public func drain() -> [MinuteSample] {
        tallies.withLock { tallies in
            defer { tallies = [:] }
            return Array(tallies.values)
        }
    }

    /// Puts back tallies a flush could not write, so a PostgreSQL outage loses none.
    public func restore(_ samples: [MinuteSample]) {
        tallies.withLock { tallies in
            for sample in samples {
                let key = Key(minute: Int(sample.minute.timeIntervalSince1970) / 60, agency: sample.agency)
                var merged = tallies[key] ?? MinuteSample(minute: sample.minute, agency: sample.agency)
                merged.processed += sample.processed
                merged.succeeded += sample.succeeded
                merged.waitMillisSum += sample.waitMillisSum
                merged.waitCount += sample.waitCount
                merged.waitMillisMax = max(merged.waitMillisMax, sample.waitMillisMax)
                tallies[key] = merged
            }
        }
    }

    private func update(_ agency: String, _ change: (inout MinuteSample) -> Void) {
        let minute = Int(now().timeIntervalSince1970) / 60
        let key = Key(minute: minute, agency: agency)
        tallies.withLock { tallies in
            var sample = tallies[key] ?? MinuteSample(minute: Date(timeIntervalSince1970: Double(minute * 60)), agency: agency)
            change(&sample)
            tallies[key] = sample
        }
    }
}
