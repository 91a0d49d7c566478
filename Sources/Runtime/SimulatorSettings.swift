import Agencies
import ArgumentParser
import Foundation

/// The agency simulator as the environment configures it, for `workers run` and
/// `workers simulate-agencies` alike: `SIMULATOR_LATENCY_MS`, `SIMULATOR_FAILURE_RATE`,
/// `SIMULATOR_MEDICAL_MONTHS_MEN`, `SIMULATOR_MEDICAL_MONTHS_WOMEN`.
public enum SimulatorSettings {
    public static func simulator(ledger: (any EffectLedger)?,
                                 now: @escaping @Sendable () -> Date) throws -> SimulatedAgencies {
        let latency = try Environment.integer("SIMULATOR_LATENCY_MS") ?? 0
        let failureRate = Double(Environment.value("SIMULATOR_FAILURE_RATE") ?? "0") ?? -1
        guard latency >= 0, (0...1).contains(failureRate) else {
            throw ValidationError("SIMULATOR_LATENCY_MS must be 0 or more and SIMULATOR_FAILURE_RATE between 0 and 1")
        }
        let men = try Environment.integer("SIMULATOR_MEDICAL_MONTHS_MEN") ?? 300
        let women = try Environment.integer("SIMULATOR_MEDICAL_MONTHS_WOMEN") ?? 240
        guard men >= 0, women >= 0 else {
            throw ValidationError("SIMULATOR_MEDICAL_MONTHS_MEN and SIMULATOR_MEDICAL_MONTHS_WOMEN must be 0 or more")
        }
        return SimulatedAgencies(ledger: ledger, transientFailureRate: failureRate, medicalMonthsMen: men,
                                 medicalMonthsWomen: women, latency: .milliseconds(latency), now: now)
    }
}
