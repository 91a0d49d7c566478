import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Services
import Storage

/// A page refusal: rendered as an HTML page with its status (or JSON for a JSON twin).
struct PageError: Error {
    var status: HTTPResponse.Status
    var message: String

    static func forbidden(_ message: String) -> PageError { PageError(status: .forbidden, message: message) }
    static func badRequest(_ message: String) -> PageError { PageError(status: .badRequest, message: message) }
    static func notFound(_ message: String = "No such page.") -> PageError { PageError(status: .notFound, message: message) }
}

/// Not logged in: pages go to the login form, JSON twins answer 401.
struct LoginRequired: Error {
    var next: String
}

/// Responses of the operator pages: no caching, no framing, no inline code.
enum PageResponse {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        .init("X-Frame-Options")!: "DENY",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    static func html(_ html: HTML, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.raw)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        var response = JSONResponse.make(value, status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// 303 See Other: after a form post, the browser fetches `location` with GET.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "public, max-age=300",
                                        .init("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Request {
    /// Whether the JSON twin is wanted: `?format=json` or `Accept: application/json`.
    var wantsJSON: Bool {
        if uri.queryParameters.get("format") == "json" { return true }
        return headers[.accept]?.hasPrefix("application/json") ?? false
    }

    /// A cookie's value.
    func cookie(_ name: String) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    /// The path and query, for returning here after logging in.
    var pathAndQuery: String {
        uri.query.map { "\(uri.path)?\($0)" } ?? uri.path
    }
}

/// A form body (`application/x-www-form-urlencoded`), at most 16 KiB.
struct FormFields: Sendable {
    private var values: [String: String] = [:]

    static func read(_ request: Request) async throws -> FormFields {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 16 * 1024)
        } catch {
            throw PageError(status: .contentTooLarge, message: "The form is too large.")
        }
        return FormFields(encoded: String(buffer: buffer))
    }

    init(encoded: String) {
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            values[name] = parts.count > 1 ? (Self.decode(parts[1]) ?? "") : ""
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Constant-time comparison of two secrets.
func secretsMatch(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for (p, q) in zip(x, y) { difference |= p ^ q }
    return difference == 0
}
