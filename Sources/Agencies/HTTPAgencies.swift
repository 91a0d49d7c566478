import AsyncHTTPClient
import Foundation
import Model
import NIOCore

/// The agencies over HTTP (see `docs/agency-api.md`).
///
/// Queued work: `POST {base URL}/tasks` with `AgencyWire.Request`, to the item's agency or, for the
/// housing fund, the centre the filer chose (``AgencyEndpoints``). A 200 with a valid
/// `AgencyWire.Response` is the answer. Anything else — a timeout, a refused or lost connection, a
/// 5xx, any other status, a body that is not the contract's — is a transient fault, retried with
/// backoff: the idempotency key (the task id) makes the repeat safe. The whole call — connect,
/// head and body — runs under one deadline (`timeout`), so no call outlives a lease that is well
/// longer (``validate(timeout:lease:)``); redirects are not followed (a redirect is outside the
/// contract, and would carry the body, bank account included, somewhere else).
///
/// At filing, while the filer waits, with their own short timeout: the police household check
/// (`POST {police}/household-checks`; no answer throws `TransientAgencyError` and filing is refused)
/// and the health commission's notice (`POST {health}/notices`; no answer gives the general notice
/// every filer is told, so an outage of an information service does not stop a filing). Without a
/// `police=` or `health=` URL those two are answered by `local` (the simulator's rules).
public struct HTTPAgencies: AgencyGateway {
    public let endpoints: AgencyEndpoints
    public let timeout: Duration
    public let checkTimeout: Duration
    public let local: SimulatedAgencies
    private let client: HTTPClient

    public init(endpoints: AgencyEndpoints, timeout: Duration = .seconds(10), checkTimeout: Duration = .seconds(3),
                local: SimulatedAgencies = SimulatedAgencies(), client: HTTPClient = HTTPAgencies.client) {
        self.endpoints = endpoints
        self.timeout = timeout
        self.checkTimeout = checkTimeout
        self.local = local
        self.client = client
    }

    /// The process's client for the agencies: redirects refused; the calls' own deadline covers the rest.
    /// Lives as long as the process (it is never shut down).
    public static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// Why a call timeout and a lease do not go together: a call must end well before its task's
    /// lease does, or another worker takes the task over while the call may still take effect.
    public static func validate(timeout: Duration, lease: Duration) -> String? {
        timeout * 2 <= lease ? nil
            : "AGENCY_TIMEOUT_SECONDS must be at most half of WORKER_LEASE (the call must end well before the lease does)"
    }

    public func perform(_ request: AgencyRequest) async throws -> AgencyOutcome {
        let agency = request.item.agency.rawValue
        guard let base = endpoints.baseURL(for: request) else {
            throw TransientAgencyError("no base URL for \(agency)")
        }
        let answer = try await post(base + "/tasks", AgencyWire.Request(request), as: AgencyWire.Response.self,
                                    idempotencyKey: request.idempotencyKey, timeout: timeout, agency: agency)
        guard let outcome = answer.agencyOutcome else { throw TransientAgencyError("\(agency) answered outside the contract") }
        return outcome
    }

    public func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        guard let base = endpoints.notices[.police] else { return try await local.checkHousehold(prequalification) }
        let body = AgencyWire.HouseholdCheckRequest(idNumber: prequalification.idNumber.number, name: prequalification.name)
        return try await post(base + "/household-checks", body, as: AgencyWire.HouseholdCheckResponse.self,
                              idempotencyKey: nil, timeout: checkTimeout, agency: "police").householdCheck
    }

    public func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        guard let base = endpoints.notices[.health] else { return try await local.healthNotice(prequalification) }
        let body = AgencyWire.NoticeRequest(idNumber: prequalification.idNumber.number, name: prequalification.name,
                                            onlyChildParent: prequalification.onlyChildParent)
        do {
            let answer = try await post(base + "/notices", body, as: AgencyWire.NoticeResponse.self, idempotencyKey: nil,
                                        timeout: checkTimeout, agency: "health")
            let text = answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw TransientAgencyError("health answered outside the contract") }
            return Notice(agency: NoticeAgency.health.rawValue, text: String(text.prefix(2_000)))
        } catch is TransientAgencyError {
            return SimulatedAgencies.generalHealthNotice
        }
    }

    /// POSTs JSON and decodes a 200's JSON; every other ending is a `TransientAgencyError` naming
    /// only the agency and the kind of failure (never the body, which holds personal data).
    private func post<Body: Encodable, Answer: Decodable>(
        _ url: String, _ body: Body, as answer: Answer.Type, idempotencyKey: String?, timeout: Duration, agency: String
    ) async throws -> Answer {
        var http = HTTPClientRequest(url: url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        if let idempotencyKey { http.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        http.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            (response, bytes) = try await Self.withDeadline(timeout) { [client, http] in
                let response = try await client.execute(http, timeout: .seconds(Int64(timeout.components.seconds) + 1))
                return (response, try await response.body.collect(upTo: 64 * 1024))
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw TransientAgencyError("\(agency) did not answer: \(type(of: error))")
        }
        guard response.status == .ok else { throw TransientAgencyError("\(agency) answered HTTP \(response.status.code)") }
        guard let decoded = try? JSONDecoder().decode(Answer.self, from: Data(bytes.readableBytesView)) else {
            throw TransientAgencyError("\(agency) answered outside the contract")
        }
        return decoded
    }

    /// Runs `body` and gives up when `deadline` passes first (the body is cancelled).
    static func withDeadline<T: Sendable>(_ deadline: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlinePassed() }
            return value
        }
    }

    struct DeadlinePassed: Error {}
}
