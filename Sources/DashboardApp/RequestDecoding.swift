import Foundation
import Hummingbird
import Services

/// Reads a JSON body into a Codable type, turning every way it can be wrong into a 4xx.
enum RequestDecoding {
    /// The largest body the API reads.
    static let maxBodyBytes = 64 * 1024

    /// `emptyAs`: what an empty body stands for, where the body is optional.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, emptyAs: String? = nil) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        var data = Data(buffer: buffer)
        if data.isEmpty, let emptyAs { data = Data(emptyAs.utf8) }
        if let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
           let field = firstControlCharacter(in: value, path: []) {
            throw ServiceError(.invalidField, "Text must not contain control characters.", field: field.isEmpty ? nil : field)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw ServiceError(.invalidJSON, "The body is not valid JSON (UTF-8). Send a JSON object.")
        } catch let error as DecodingError {
            throw ServiceError(.invalidField, message(for: error), field: field(of: error))
        }
    }

    /// The path of the first string (key or value) holding a control character, which PostgreSQL
    /// text cannot hold faithfully and no name or number needs.
    private static func firstControlCharacter(in value: Any, path: [String]) -> String? {
        func bad(_ text: String) -> Bool { text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } }
        switch value {
        case let text as String:
            return bad(text) ? path.joined(separator: ".") : nil
        case let object as [String: Any]:
            for (key, element) in object {
                if bad(key) { return path.joined(separator: ".") }
                if let found = firstControlCharacter(in: element, path: path + [key]) { return found }
            }
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = firstControlCharacter(in: element, path: path + ["[\(index)]"]) { return found }
            }
        default:
            break
        }
        return nil
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
