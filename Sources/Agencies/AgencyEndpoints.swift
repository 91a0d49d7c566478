import Foundation
import Model

/// Where the agencies are, from `AGENCY_BASE_URLS`:
/// `hr=http://…,social=http://…,medical=http://…,fund=http://…[,fund.changchun=http://…][,police=http://…,health=http://…]`.
///
/// A housing-fund request goes to the base URL of the centre the filer chose (`fund.<centre code>`)
/// and falls back to `fund=`, so a new centre needs no configuration until it has a system of its own.
/// `police=` and `health=` are called by the dashboard while the filer waits; the workers do not need them.
public struct AgencyEndpoints: Sendable, Equatable {
    public var agencies: [Agency: String]
    public var fundCentres: [String: String]
    public var notices: [NoticeAgency: String]

    public init(agencies: [Agency: String] = [:], fundCentres: [String: String] = [:], notices: [NoticeAgency: String] = [:]) {
        self.agencies = agencies
        self.fundCentres = fundCentres
        self.notices = notices
    }

    /// The base URL a request goes to: its fund centre's, else its agency's.
    public func baseURL(for request: AgencyRequest) -> String? {
        if request.item.agency == .fund, let centre = request.housingFund?.centre, let url = fundCentres[centre] {
            return url
        }
        return agencies[request.item.agency]
    }

    /// Why the text is not a valid list.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the comma-separated `name=url` list; every URL must be http(s) with a host.
    public static func parse(_ text: String) throws(ParseError) -> AgencyEndpoints {
        var endpoints = AgencyEndpoints()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let url = URL(string: pieces[1]), url.scheme == "http" || url.scheme == "https",
                  url.host != nil
            else { throw ParseError(description: "AGENCY_BASE_URLS: expected name=http(s)://host..., got \(part)") }
            let base = pieces[1].hasSuffix("/") ? String(pieces[1].dropLast()) : pieces[1]
            let name = pieces[0]
            if let agency = Agency(rawValue: name) {
                endpoints.agencies[agency] = base
            } else if let notice = NoticeAgency(rawValue: name) {
                endpoints.notices[notice] = base
            } else if name.hasPrefix("fund."), name.count > 5 {
                endpoints.fundCentres[String(name.dropFirst(5))] = base
            } else {
                throw ParseError(description: "AGENCY_BASE_URLS: unknown agency \(name) (hr, social, medical, fund, fund.<centre>, police, health)")
            }
        }
        return endpoints
    }

    /// Throws unless every agency in `agencies` and `notices` has a base URL.
    public func require(agencies needed: [Agency] = [], notices neededNotices: [NoticeAgency] = []) throws(ParseError) {
        let missing = needed.filter { agencies[$0] == nil }.map(\.rawValue)
            + neededNotices.filter { notices[$0] == nil }.map(\.rawValue)
        guard missing.isEmpty else {
            throw ParseError(description: "AGENCY_BASE_URLS lacks \(missing.joined(separator: ", "))")
        }
    }
}
