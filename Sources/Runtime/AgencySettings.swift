import Agencies
import ArgumentParser
import Foundation
import Model

/// How a process reaches the agencies, from the environment: `AGENCY_MODE` (`simulated`, the
/// default, or `http`), `AGENCY_BASE_URLS`, `AGENCY_TIMEOUT_SECONDS` (queued work, 10) and
/// `AGENCY_CHECK_TIMEOUT_SECONDS` (the checks made while a filer waits, 3).
///
/// The workers need the four task agencies' URLs; the dashboard, which files, needs `police=` and
/// `health=`. Each executable asks for what it needs, and a missing URL stops it at start-up.
public enum AgencySettings {
    /// What a process uses the agencies for.
    public enum Use: Sendable {
        /// The workers: queued work for hr, social, medical and fund, under leases of this length.
        case queuedWork(lease: Duration)
        /// The dashboard: the police household check and the health notice at filing.
        case filingChecks
    }

    /// The gateway for `use`; in simulated mode, `simulator()` builds it.
    public static func gateway(for use: Use, simulator: () throws -> SimulatedAgencies) throws -> any AgencyGateway {
        let mode = Environment.value("AGENCY_MODE") ?? "simulated"
        switch mode {
        case "simulated":
            return try simulator()
        case "http":
            guard let text = Environment.value("AGENCY_BASE_URLS") else {
                throw ValidationError("AGENCY_MODE=http needs AGENCY_BASE_URLS=hr=http://…,social=http://…,medical=http://…,fund=http://…,police=http://…,health=http://…")
            }
            let endpoints: AgencyEndpoints
            do {
                endpoints = try AgencyEndpoints.parse(text)
                switch use {
                case .queuedWork: try endpoints.require(agencies: Agency.allCases)
                case .filingChecks: try endpoints.require(notices: NoticeAgency.allCases)
                }
            } catch {
                throw ValidationError(error.description)
            }
            let timeout = try Environment.integer("AGENCY_TIMEOUT_SECONDS") ?? 10
            let checkTimeout = try Environment.integer("AGENCY_CHECK_TIMEOUT_SECONDS") ?? 3
            guard timeout > 0, checkTimeout > 0 else {
                throw ValidationError("AGENCY_TIMEOUT_SECONDS and AGENCY_CHECK_TIMEOUT_SECONDS must be at least 1")
            }
            if case .queuedWork(let lease) = use, let refusal = HTTPAgencies.validate(timeout: .seconds(timeout), lease: lease) {
                throw ValidationError(refusal)
            }
            return HTTPAgencies(endpoints: endpoints, timeout: .seconds(timeout), checkTimeout: .seconds(checkTimeout))
        default:
            throw ValidationError("AGENCY_MODE must be simulated or http")
        }
    }
}
