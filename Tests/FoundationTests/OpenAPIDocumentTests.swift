import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DashboardApp

/// The served OpenAPI document and the router agree: every `/api/v1` path (and `/healthz`, `/readyz`) the router answers is in
/// the document with the same methods, and the document names no path the router does not answer.
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentAndTheRouterKnowTheSamePathsAndMethods() async throws {
        let h = try await APIHarness()
        let reply = try await h.app.test(.router) { try await $0.send(.get, "/api/v1/openapi.json") }
        #expect(reply.status == .ok)
        let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let verbs: Set<String> = ["get", "put", "post", "delete", "patch"]
        // `{caseNo}` and `*` both stand for one segment.
        func shape(_ path: String) -> String {
            path.split(separator: "/").map { $0.hasPrefix("{") || $0 == "*" ? "*" : String($0) }.joined(separator: "/")
        }
        let documented = Dictionary(uniqueKeysWithValues: paths.map { path, operations in
            (shape(path), Set(operations.keys.filter(verbs.contains)))
        })
        let routed = Dictionary(KnownRoutes.table.map { route -> (String, Set<String>) in
            (route.pattern.joined(separator: "/"), Set(route.methods.map { $0.rawValue.lowercased() }))
        }.filter { $0.0.hasPrefix("api/v1") || ["healthz", "readyz"].contains($0.0) }.map { (shape($0.0), $0.1) },
           uniquingKeysWith: { $0.union($1) })
        #expect(documented == routed)
        #expect(documented["api/v1/fund-centres"] == ["get"])
        #expect(documented["api/v1/calendar/*"] == ["get"])
        await h.close()
    }
}
