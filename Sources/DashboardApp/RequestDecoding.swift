import Foundation
import Hummingbird
import Services

/// Reads a JSON body into a Codable type, turning every way it can be wrong into a 4xx.
enum RequestDecoding {
    /// The largest body the API reads.
    static let maxBodyBytes = 64 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let data = Data(buffer: buffer)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw ServiceError(.invalidJSON, "The body is not valid JSON (UTF-8). Send a JSON object.")
        } catch let error as DecodingError {
            throw ServiceError(.invalidField, message(for: error), field: field(of: error))
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String? {
        let parts = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        guard !parts.isEmpty else { return nil }
        return parts.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    private static func field(of error: DecodingError) -> String? {
        switch error {
        case .keyNotFound(let key, let context): path(context.codingPath + [key])
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path(context.codingPath)
        @unknown default: nil
        }
    }

    private static func message(for error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue) is required."
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            "The body must be a JSON object, not \(describe(type) == "an object" ? "this" : "a single value or list")."
        case .typeMismatch(let type, _): "This field must be \(describe(type))."
        case .valueNotFound(let type, _): "This field must be \(describe(type)), not null."
        case .dataCorrupted: "This field has a value that is not allowed."
        @unknown default: "A field is not as expected."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        default: type == [String: Any].self ? "an object" : "of another type (see the API document)"
        }
    }
}
