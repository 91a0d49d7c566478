/// The OpenAPI 3 document of the API, served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static let json = #"{"openapi":"3.0.3","info":{"title":"Retirement one thing","version":"1"},"paths":{}}"#
}
