import Foundation

/// The OpenAPI 3 document of the API, served at `/api/v1/openapi.json` exactly as it is in
/// `Resources/openapi.json`.
///
/// It must match the implementation exactly (it is fuzzed against it): change it with the routes,
/// `CaseBodies.swift` and `APIError.swift`, and check it with `scripts/check-openapi`.
enum OpenAPIDocument {
    /// The document's bytes (read once; a missing resource is a build fault the tests catch).
    static let json: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return #"{"error": {"code": "internal", "message": "the OpenAPI document is missing from the build"}}"# }
        return text
    }()
}
