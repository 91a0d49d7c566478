import Hummingbird

/// Every path the dashboard serves and the methods it answers there, so a known path asked with
/// another method answers 405 with `Allow` (the router alone would say 404).
enum KnownRoutes {
    /// `*` matches one path segment.
    static let table: [(pattern: [Substring], methods: [HTTPRequest.Method])] = [
        ("/healthz", [.get]), ("/readyz", [.get]), ("/metrics", [.get]),
        ("/api/v1/openapi.json", [.get]),
        ("/api/v1/prequalifications/*", [.get, .put]),
        ("/api/v1/fund-centres", [.get]), ("/api/v1/calendar/*", [.get]),
        ("/api/v1/cases", [.get, .post]),
        ("/api/v1/cases/*", [.get]),
        ("/api/v1/cases/*/real-name-check", [.post]),
        ("/api/v1/cases/*/tasks/*/retrigger", [.post]),
        ("/api/v1/cases/*/tasks/*/abandon", [.post]),
        ("/", [.get]), ("/login", [.get, .post]), ("/logout", [.post]),
        ("/cases", [.get]), ("/cases/*", [.get]),
        ("/cases/*/tasks/*/retrigger", [.post]), ("/cases/*/tasks/*/abandon", [.post]),
        ("/failed", [.get]), ("/failed/retrigger", [.get, .post]),
        ("/static/app.css", [.get]), ("/static/app.js", [.get]),
    ].map { (path: String, methods: [HTTPRequest.Method]) in
        (path.split(separator: "/"), methods)
    }

    /// The methods served at `path`, or nil when no route has that shape.
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        var found: [HTTPRequest.Method] = []
        for route in table where route.pattern.count == segments.count {
            if zip(route.pattern, segments).allSatisfy({ $0 == "*" || $0 == $1 }) {
                found += route.methods.filter { !found.contains($0) }
            }
        }
        guard !found.isEmpty else { return nil }
        // HEAD is answered wherever GET is.
        if found.contains(.get) { found.append(.head) }
        return found
    }
}
