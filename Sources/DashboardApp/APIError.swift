import Foundation
import Model
import Hummingbird
import Logging
import Services

/// Turns every error into the API's error body; nothing escapes as a bare 5xx page.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            return APIErrorBody.response(error)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = KnownRoutes.methods(for: request.uri.path),
               !allowed.contains(request.method) {
                var response = APIErrorBody.response(status: .methodNotAllowed, code: "method_not_allowed",
                                                     message: "\(request.method.rawValue) is not served here; use \(allowed.map(\.rawValue).joined(separator: ", ")).")
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return response
            }
            let code: ServiceError.Code? = switch error.status {
            case .notFound: .notFound
            case .contentTooLarge: .payloadTooLarge
            case .unauthorized: .unauthorized
            case .badRequest: .invalidJSON
            case .tooManyRequests: .rateLimited
            default: nil
            }
            guard let code else {
                return APIErrorBody.response(status: error.status, code: "http_error", message: error.status.reasonPhrase)
            }
            return APIErrorBody.response(ServiceError(code, APIErrorBody.defaultMessage(code)))
        } catch {
            // The description of our error types never holds personal data or bound values.
            logger.error("request failed", metadata: ["path": "\(Redaction.maskNumbers(request.uri.path))", "error": "\(error)"])
            return APIErrorBody.response(status: .internalServerError, code: "internal",
                                         message: "Something went wrong on our side; try again in a moment.")
        }
    }
}

enum APIErrorBody {
    static func status(of code: ServiceError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidJSON: .badRequest
        case .invalidField, .invalidIDNumber, .prequalificationNotFound, .tooEarly, .householdCheckFailed,
             .fundCentreRequired, .bankAccountInvalid, .bankHolderMismatch, .wrongFiler, .notSealed: .unprocessableContent
        case .agencyUnavailable: .serviceUnavailable
        case .duplicateCase, .notRetriggerable, .notAbandonable, .realNameNotRequired: .conflict
        case .realNameDeadlinePassed: .gone
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .payloadTooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        }
    }

    static func defaultMessage(_ code: ServiceError.Code) -> String {
        switch code {
        case .notFound: "No such resource, or it is not yours to see."
        case .payloadTooLarge: "The request body is too large (at most 64 KiB)."
        case .unauthorized: "Send a valid token: Authorization: Bearer <token>."
        case .invalidJSON: "The body is not valid JSON."
        case .rateLimited: "Too many requests; slow down and try again."
        default: code.rawValue
        }
    }

    static func response(_ error: ServiceError) -> Response {
        var body: [String: String] = error.extra
        body["code"] = error.code.rawValue
        body["message"] = error.message
        if let field = error.field { body["field"] = field }
        var response = JSONResponse.make(["error": body], status: status(of: error.code))
        if error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        if let seconds = error.retryAfterSeconds {
            response.headers[.retryAfter] = String(seconds)
        }
        return response
    }

    static func response(status: HTTPResponse.Status, code: String, message: String) -> Response {
        JSONResponse.make(["error": ["code": code, "message": message]], status: status)
    }
}

/// Encodes a value as a JSON response.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"encoding failed"}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
