import AsyncHTTPClient
import Foundation
import Model
import NIOCore

/// The agencies over HTTP: `POST {base URL of the item's agency}/tasks` with `AgencyWire.Request`.
///
/// A 200 with a valid `AgencyWire.Response` is the answer. Anything else — a timeout, a refused or
/// lost connection, a 5xx, any other status, a body that is not the contract's — is a transient
/// fault, retried with backoff: the idempotency key (the task id) makes the repeat safe. The
/// real-time police and health checks at filing stay simulated (`local`): the four task agencies
/// are the ones called.
public struct HTTPAgencies: AgencyGateway {
    public let baseURLs: [Agency: String]
    public let timeout: Duration
    public let local: SimulatedAgencies
    private let client: HTTPClient

    public init(baseURLs: [Agency: String], timeout: Duration = .seconds(10), local: SimulatedAgencies = SimulatedAgencies(),
                client: HTTPClient = .shared) {
        self.baseURLs = baseURLs
        self.timeout = timeout
        self.local = local
        self.client = client
    }

    /// Reads `hr=http://…,social=http://…,medical=http://…,fund=http://…` (every agency needed).
    public static func parseBaseURLs(_ text: String) throws -> [Agency: String] {
        var urls: [Agency: String] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let agency = Agency(rawValue: pieces[0]),
                  let url = URL(string: pieces[1]), url.scheme == "http" || url.scheme == "https", url.host != nil
            else { throw TransientAgencyError("AGENCY_BASE_URLS: expected agency=http(s)://host..., got \(part)") }
            urls[agency] = pieces[1].hasSuffix("/") ? String(pieces[1].dropLast()) : pieces[1]
        }
        let missing = Agency.allCases.filter { urls[$0] == nil }
        guard missing.isEmpty else {
            throw TransientAgencyError("AGENCY_BASE_URLS lacks \(missing.map(\.rawValue).joined(separator: ", "))")
        }
        return urls
    }

    public func perform(_ request: AgencyRequest) async throws -> AgencyOutcome {
        guard let base = baseURLs[request.item.agency] else {
            throw TransientAgencyError("no base URL for \(request.item.agency.rawValue)")
        }
        var http = HTTPClientRequest(url: base + "/tasks")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Idempotency-Key", value: request.idempotencyKey)
        http.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(AgencyWire.Request(request))))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            let seconds = timeout.components.seconds
            response = try await client.execute(http, timeout: .seconds(seconds))
            body = try await response.body.collect(upTo: 64 * 1024)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw TransientAgencyError("\(request.item.agency.rawValue) did not answer: \(type(of: error))")
        }
        guard response.status == .ok else {
            throw TransientAgencyError("\(request.item.agency.rawValue) answered HTTP \(response.status.code)")
        }
        guard let answer = try? JSONDecoder().decode(AgencyWire.Response.self, from: Data(body.readableBytesView)),
              let outcome = answer.agencyOutcome
        else { throw TransientAgencyError("\(request.item.agency.rawValue) answered outside the contract") }
        return outcome
    }

    public func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        try await local.checkHousehold(prequalification)
    }

    public func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        try await local.healthNotice(prequalification)
    }
}
