import DashboardApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Model
import Postgres
import Services
import Testing

// HTTP-level tests of filing (POST /api/v1/cases), reading cases and pre-qualifications, against
// API.md. Every test has its own harness: its own schema, Redis key prefix and fixed clock
// (APIHarness: 1_764_468_000 = 2025-11-30 10:00 Beijing time).

// MARK: - People and bodies

/// The day the harness clock says it is, in Beijing.
private let harnessToday = LocalDate(year: 2025, month: 11, day: 30)!

/// Men born 1965-05-15: retirement 2025-07-15 (60 years 2 months), filing open since 2025-06-15.
private func man(_ sequence: Int = 3) -> String {
    precondition(sequence % 2 == 1, "odd sequence = male")
    return APIHarness.residentID(birth: "19650515", sequence: sequence)
}

/// A 19-digit account number that passes the Luhn check.
private let account = luhnComplete("622202020011223344")

private func luhnComplete(_ prefix: String) -> String {
    for digit in 0...9 where BankAccount.passesLuhn(prefix + String(digit)) {
        return prefix + String(digit)
    }
    fatalError("no Luhn digit")
}

/// A filing body as JSON, built from the API's own request type.
private func filingJSON(_ idNumber: String, name: String = "张三", pension: Bool? = true, medical: Bool? = true,
                        fund: HousingFundAction? = .seal, centre: String? = "changchun",
                        bank: FilingRequest.Bank?? = .none) -> String {
    let bankAccount: FilingRequest.Bank? = switch bank {
    case .none: fund == .sealAndExtract ? FilingRequest.Bank(bank: "中国工商银行", accountNumber: account, holderName: name) : nil
    case .some(let explicit): explicit
    }
    let request = FilingRequest(retiree: .init(name: name, idNumber: idNumber), pensionBenefit: pension,
                                medicalTransfer: medical, housingFund: fund.map { .init(action: $0, centre: centre) },
                                bankAccount: bankAccount)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try! encoder.encode(request), as: UTF8.self)
}

// MARK: - Responses

struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: body)
    }
}

struct CaseJSON: Decodable {
    struct Retiree: Decodable { let name, idNumber, sex, category: String }
    struct Fund: Decodable { let action: String; let centre: String? }
    struct Bank: Decodable { let bank, accountNumber, holderName: String }
    struct RealName: Decodable { let required: Bool; let deadline: String?; let doneAt: String? }
    struct NoticeJSON: Decodable { let agency, text: String }
    struct TaskJSON: Decodable {
        let item, agency, status: String
        let attempts: Int
        let dueBy, nextAttemptAt, lastError: String?
        let overdue, stalled: Bool
        let result: TaskResult?
        let updatedAt: String
    }
    struct EventJSON: Decodable {
        let at: String
        let item: String?
        let from: String?
        let to: String
        let attempt: Int?
        let actor: String
        let detail: String?
    }
    let caseNo, status, filedAt, filedBy: String
    let organisation: String?
    let retiree: Retiree
    let statutoryRetirementDate, retirementDate: String
    let pensionBenefit, medicalTransfer: Bool
    let housingFund: Fund
    let bankAccount: Bank?
    let realNameCheck: RealName
    let notices: [NoticeJSON]
    let tasks: [TaskJSON]
    let events: [EventJSON]?
    let warnings: [String]?
}

struct CaseListJSON: Decodable {
    struct Summary: Decodable {
        struct Retiree: Decodable { let name, idNumber: String }
        let caseNo, status, filedAt, filedBy: String
        let retiree: Retiree
        let retirementDate: String
    }
    let cases: [Summary]
    let nextCursor: String?
}

struct PrequalificationJSON: Decodable {
    let name, idNumber, sex, category, statutoryRetirementDate, retirementDate, earliestFilingDate, organisation: String
    let organisationKind: String
    let plannedRetirementDate: String?
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:],
              body: ByteBuffer? = nil) async throws -> Reply {
        try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    func file(_ json: String, token: String, key: String? = nil) async throws -> Reply {
        try await send(.post, "/api/v1/cases", headers: bearer(token, idempotencyKey: key), body: ByteBuffer(string: json))
    }

    func fileBytes(_ bytes: [UInt8], token: String) async throws -> Reply {
        try await send(.post, "/api/v1/cases", headers: bearer(token), body: ByteBuffer(bytes: bytes))
    }

    func get(_ uri: String, token: String) async throws -> Reply {
        try await send(.get, uri, headers: bearer(token))
    }
}

/// What an error body's `field` must be.
enum FieldExpectation: Sendable {
    case absent
    case named(String)
}

/// Checks an error answer: status, `{"error": {"code", "message", "field"?}}`, and that the message
/// holds none of `secrets`. Returns the `error` object.
@discardableResult
func expectError(_ reply: Reply, _ status: HTTPResponse.Status, _ code: String, field: FieldExpectation = .absent,
                 secrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
    #expect(reply.status == status, "status \(reply.status.code), body \(reply.text)", sourceLocation: sourceLocation)
    let error = expectErrorShape(reply, sourceLocation: sourceLocation)
    #expect(error["code"] as? String == code, "body \(reply.text)", sourceLocation: sourceLocation)
    switch field {
    case .absent:
        #expect(error["field"] == nil, "unexpected field in \(reply.text)", sourceLocation: sourceLocation)
    case .named(let name):
        #expect(error["field"] as? String == name, "body \(reply.text)", sourceLocation: sourceLocation)
    }
    let message = error["message"] as? String ?? ""
    for secret in secrets {
        #expect(!message.contains(secret), "message leaks a number: \(message)", sourceLocation: sourceLocation)
        #expect(!reply.text.contains(secret), "error body leaks a number: \(reply.text)", sourceLocation: sourceLocation)
    }
    return error
}

/// Checks the error body's shape alone: a JSON object with one `error` object holding string
/// `code` and non-empty string `message`.
@discardableResult
func expectErrorShape(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
    #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true,
            "content type \(reply.headers[.contentType] ?? "none")", sourceLocation: sourceLocation)
    let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any]
    #expect(object != nil, "error body is not a JSON object: \(reply.text)", sourceLocation: sourceLocation)
    #expect(object.map { Array($0.keys) } == ["error"], "body \(reply.text)", sourceLocation: sourceLocation)
    let error = object?["error"] as? [String: Any] ?? [:]
    #expect(error["code"] is String, "body \(reply.text)", sourceLocation: sourceLocation)
    #expect((error["message"] as? String)?.isEmpty == false, "body \(reply.text)", sourceLocation: sourceLocation)
    return error
}

/// The queued tasks per agency stream under the harness's prefix.
private func streamLengths(_ h: APIHarness) async throws -> [String: Int] {
    var lengths: [String: Int] = [:]
    for agency in Agency.allCases { lengths[agency.rawValue] = try await h.streamLength(agency.rawValue) }
    return lengths
}

private func totalStreamLength(_ h: APIHarness) async throws -> Int {
    try await streamLengths(h).values.reduce(0, +)
}

// MARK: - Parameter types

struct InvalidFieldCase: Sendable, CustomTestStringConvertible {
    let label: String
    let json: @Sendable (String) -> String
    let field: String
    var testDescription: String { label }
}

struct IDCase: Sendable, CustomTestStringConvertible {
    let label: String
    let idNumber: String
    var testDescription: String { label }
}

struct Combination: Sendable, CustomTestStringConvertible {
    let pension: Bool
    let medical: Bool
    let fund: HousingFundAction
    var choices: FilingChoices { FilingChoices(pensionBenefit: pension, medicalTransfer: medical, housingFund: fund) }
    var testDescription: String { "pension \(pension), medical \(medical), fund \(fund.rawValue)" }

    /// Every joint application (an extraction alone follows a sealed account: tested on its own).
    static let all: [Combination] = [true, false].flatMap { pension in
        [true, false].flatMap { medical in
            HousingFundAction.allCases.filter { $0 != .extract }.map { Combination(pension: pension, medical: medical, fund: $0) }
        }
    }
}

struct MalformedBody: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: [UInt8]
    /// The exact status where the contract or the rules fix one; otherwise any 4xx.
    let status: HTTPResponse.Status?
    let code: String?
    var testDescription: String { label }

    init(_ label: String, _ text: String, status: HTTPResponse.Status? = nil, code: String? = nil) {
        self.init(label, Array(text.utf8), status: status, code: code)
    }

    init(_ label: String, _ bytes: [UInt8], status: HTTPResponse.Status? = nil, code: String? = nil) {
        self.label = label
        self.bytes = bytes
        self.status = status
        self.code = code
    }

    static var all: [MalformedBody] {
        let id = man()
        let retiree = #"{"name":"张三","idNumber":"\#(id)"}"#
        func with(_ members: String) -> String { #"{"retiree":\#(retiree),\#(members)}"# }
        let deepArrays = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let deepObjects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        return [
            // Not JSON at all, or not an object.
            MalformedBody("empty body", "", status: .badRequest, code: "invalid_json"),
            MalformedBody("whitespace only", "  \n\t ", status: .badRequest, code: "invalid_json"),
            MalformedBody("null", "null"),
            MalformedBody("a JSON array", "[]"),
            MalformedBody("an array of the object", "[\(with(#""pensionBenefit":true"#))]"),
            MalformedBody("a number", "42"),
            MalformedBody("a string", #""retiree""#),
            MalformedBody("true", "true"),
            MalformedBody("empty object", "{}", status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("truncated", #"{"retiree":{"name":"张三""#, status: .badRequest, code: "invalid_json"),
            MalformedBody("missing value", #"{"retiree": }"#, status: .badRequest, code: "invalid_json"),
            MalformedBody("trailing garbage", with(#""pensionBenefit":true"#) + " x", status: .badRequest, code: "invalid_json"),
            MalformedBody("single quotes", "{'retiree': 1}", status: .badRequest, code: "invalid_json"),
            MalformedBody("raw newline inside a string", "{\"retiree\":{\"name\":\"张\n三\",\"idNumber\":\"\(id)\"}}"),
            MalformedBody("invalid UTF-8 bytes", Array(#"{"retiree":{"name":""#.utf8) + [0xFF, 0xFE, 0xC3, 0x28]
                + Array(#"","idNumber":"\#(id)"}}"#.utf8), status: .badRequest, code: "invalid_json"),
            MalformedBody("invalid UTF-8 outside strings", [0x7B, 0xC0, 0xAF, 0x7D], status: .badRequest, code: "invalid_json"),
            MalformedBody("lone surrogate escape", #"{"retiree":{"name":"\ud800","idNumber":"\#(id)"}}"#),
            MalformedBody("deep nesting of 600 arrays", deepArrays, status: .badRequest, code: "invalid_json"),
            MalformedBody("600 nested arrays in a field", #"{"retiree":\#(deepArrays)}"#),
            MalformedBody("deep nesting of 600 objects", deepObjects),
            // Wrong types at every level.
            MalformedBody("retiree a string", #"{"retiree":"张三"}"#, status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("retiree an array", #"{"retiree":[]}"#, status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("retiree null", #"{"retiree":null}"#, status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("name null", #"{"retiree":{"name":null,"idNumber":"\#(id)"}}"#,
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("name nested garbage", #"{"retiree": {"name": {"a": [[[[1]]]]}}}"#,
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("idNumber a number", #"{"retiree":{"name":"张三","idNumber":220102196505150036}}"#,
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("idNumber an object", #"{"retiree":{"name":"张三","idNumber":{}}}"#,
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("pensionBenefit a string", with(#""pensionBenefit":"true""#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("pensionBenefit a number", with(#""pensionBenefit":1"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("pensionBenefit a huge number", with(#""pensionBenefit":1e999999"#)),
            MalformedBody("pensionBenefit a 40-digit number",
                          with(#""pensionBenefit":1234567890123456789012345678901234567890"#)),
            MalformedBody("medicalTransfer an object", with(#""medicalTransfer":{}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("housingFund a string", with(#""housingFund":"seal""#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("housingFund an array", with(#""housingFund":[]"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("housingFund.action null", with(#""housingFund":{"action":null}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("housingFund.action unknown", with(#""housingFund":{"action":"burn","centre":"changchun"}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("housingFund.centre a number", with(#""housingFund":{"action":"seal","centre":5}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("bankAccount a string",
                          with(#""housingFund":{"action":"sealAndExtract","centre":"changchun"},"bankAccount":"x""#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("bankAccount.accountNumber a number",
                          with(#""housingFund":{"action":"sealAndExtract","centre":"changchun"},"bankAccount":{"bank":"工行","accountNumber":6222020200112233445,"holderName":"张三"}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("bankAccount missing holderName",
                          with(#""housingFund":{"action":"sealAndExtract","centre":"changchun"},"bankAccount":{"bank":"工行","accountNumber":"\#(account)"}"#),
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("NUL in the name", #"{"retiree":{"name":"张\u0000三","idNumber":"\#(id)"}}"#),
            MalformedBody("a 10,000-character name",
                          #"{"retiree":{"name":"\#(String(repeating: "张", count: 10_000))","idNumber":"\#(id)"}}"#,
                          status: .unprocessableContent, code: "invalid_field"),
            MalformedBody("a 1 MB payload",
                          #"{"retiree":{"name":"\#(String(repeating: "a", count: 1_048_576))","idNumber":"\#(id)"}}"#,
                          status: .contentTooLarge, code: "payload_too_large"),
        ]
    }
}

// MARK: - The suite

@Suite("Filing API (HTTP)")
struct FilingAPITests {
    // MARK: unauthorized

    enum AuthVariant: String, Sendable, CaseIterable {
        case missing, wrongToken, notBearer, emptyBearer, overlong, revoked
    }

    @Test("Missing, wrong, malformed and revoked tokens get 401 unauthorized on every endpoint, and nothing is filed",
          arguments: AuthVariant.allCases)
    func unauthorized(variant: AuthVariant) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        var headers: HTTPFields = [.contentType: "application/json"]
        switch variant {
        case .missing: break
        case .wrongToken: headers[.authorization] = "Bearer rot_" + String(repeating: "0", count: 64)
        case .notBearer: headers[.authorization] = "Basic \(agent)"
        case .emptyBearer: headers[.authorization] = "Bearer "
        case .overlong: headers[.authorization] = "Bearer " + String(repeating: "a", count: 5000)
        case .revoked:
            headers[.authorization] = "Bearer \(agent)"
            try await h.infrastructure.postgres.query("UPDATE api_tokens SET revoked_at = now()")
        }
        let sent = headers
        try await h.app.test(.router) { client in
            let requests: [(HTTPRequest.Method, String, ByteBuffer?)] = [
                (.post, "/api/v1/cases", ByteBuffer(string: filingJSON(id))),
                (.get, "/api/v1/cases", nil),
                (.get, "/api/v1/cases/RT2025113000000001", nil),
                (.get, "/api/v1/prequalifications/\(id)", nil),
                (.put, "/api/v1/prequalifications/\(id)", ByteBuffer(string: "{}")),
            ]
            for (method, uri, body) in requests {
                let reply = try await client.send(method, uri, headers: sent, body: body)
                expectError(reply, .unauthorized, "unauthorized", secrets: [id])
                #expect(reply.headers[.wwwAuthenticate] == "Bearer", "\(method) \(uri)")
            }
        }
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    // MARK: invalid_json and invalid_field

    @Test("A body that is not JSON is 400 invalid_json without a field")
    func invalidJSON() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        try await h.app.test(.router) { client in
            for text in ["{", "not json", #"{"retiree": {"name": "张三", "idNumber": "x"}"#, "{\"retiree\" 1}", "nul"] {
                expectError(try await client.file(text, token: agent), .badRequest, "invalid_json")
            }
        }
        #expect(try await h.count("cases") == 0)
        await h.close()
    }

    static let invalidFieldCases: [InvalidFieldCase] = [
        InvalidFieldCase(label: "pensionBenefit is a string", json: { id in
            #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"pensionBenefit":"yes"}"# }, field: "pensionBenefit"),
        InvalidFieldCase(label: "medicalTransfer is a number", json: { id in
            #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"medicalTransfer":1}"# }, field: "medicalTransfer"),
        InvalidFieldCase(label: "retiree missing", json: { _ in #"{"pensionBenefit":true}"# }, field: "retiree"),
        InvalidFieldCase(label: "retiree.idNumber missing", json: { _ in #"{"retiree":{"name":"张三"}}"# },
                         field: "retiree.idNumber"),
        InvalidFieldCase(label: "retiree.name missing", json: { id in #"{"retiree":{"idNumber":"\#(id)"}}"# },
                         field: "retiree.name"),
        InvalidFieldCase(label: "retiree.name is a number", json: { id in
            #"{"retiree":{"name":42,"idNumber":"\#(id)"}}"# }, field: "retiree.name"),
        InvalidFieldCase(label: "retiree.name is blank", json: { id in filingJSON(id, name: "   ") }, field: "retiree.name"),
        InvalidFieldCase(label: "retiree.name has 65 characters", json: { id in
            filingJSON(id, name: String(repeating: "张", count: 65)) }, field: "retiree.name"),
        // ("extract" was the unknown action here until it became extraction alone, issue 14.)
        InvalidFieldCase(label: "housingFund.action unknown", json: { id in
            #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"housingFund":{"action":"sealOnly","centre":"changchun"}}"# },
                         field: "housingFund.action"),
        InvalidFieldCase(label: "extraction alone with the pension ticked", json: { id in
            filingJSON(id, pension: true, medical: false, fund: .extract) }, field: "housingFund.action"),
        InvalidFieldCase(label: "extraction alone with the medical transfer ticked", json: { id in
            filingJSON(id, pension: false, medical: true, fund: .extract) }, field: "housingFund.action"),
        InvalidFieldCase(label: "housingFund.centre not one of the province's", json: { id in
            filingJSON(id, fund: .seal, centre: "beijing") }, field: "housingFund.centre"),
        InvalidFieldCase(label: "housingFund.action missing", json: { id in
            #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"housingFund":{"centre":"changchun"}}"# },
                         field: "housingFund.action"),
        InvalidFieldCase(label: "housingFund.centre has 65 characters", json: { id in
            filingJSON(id, fund: .seal, centre: String(repeating: "c", count: 65)) }, field: "housingFund.centre"),
        InvalidFieldCase(label: "bankAccount with seal", json: { id in
            filingJSON(id, fund: .seal, bank: .some(.init(bank: "中国工商银行", accountNumber: account, holderName: "张三"))) },
                         field: "bankAccount"),
        InvalidFieldCase(label: "bankAccount with none", json: { id in
            filingJSON(id, fund: HousingFundAction.none, centre: nil,
                       bank: .some(.init(bank: "中国工商银行", accountNumber: account, holderName: "张三"))) },
                         field: "bankAccount"),
        InvalidFieldCase(label: "bankAccount without housingFund", json: { id in
            filingJSON(id, fund: nil, bank: .some(.init(bank: "中国工商银行", accountNumber: account, holderName: "张三"))) },
                         field: "bankAccount"),
        InvalidFieldCase(label: "bankAccount.holderName missing", json: { id in
            #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"housingFund":{"action":"sealAndExtract","centre":"changchun"},"bankAccount":{"bank":"工行","accountNumber":"\#(account)"}}"# },
                         field: "bankAccount.holderName"),
    ]

    @Test("Wrong shapes and contradictory choices are 422 invalid_field naming the field; nothing is filed or published",
          arguments: invalidFieldCases)
    func invalidField(_ example: InvalidFieldCase) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) { try await $0.file(example.json(id), token: agent) }
        expectError(reply, .unprocessableContent, "invalid_field", field: .named(example.field), secrets: [id, account])
        #expect(try await h.count("cases") == 0)
        #expect(try await h.count("tasks") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("An individual filing for someone else is 422 invalid_field on retiree.idNumber")
    func individualForSomeoneElse() async throws {
        let h = try await APIHarness()
        _ = try await h.token(.agent, organisation: "acme")
        let mine = man(3), theirs = man(5)
        try await h.prequalify(mine, name: "张三")
        try await h.prequalify(theirs, name: "李四")
        let individual = try await h.token(.individual, idNumber: mine)
        let reply = try await h.app.test(.router) {
            try await $0.file(filingJSON(theirs, name: "李四"), token: individual)
        }
        expectError(reply, .unprocessableContent, "invalid_field", field: .named("retiree.idNumber"), secrets: [mine, theirs])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("An operator cannot file: 422 invalid_field")
    func operatorFiling() async throws {
        let h = try await APIHarness()
        _ = try await h.token(.agent, organisation: "acme")
        let op = try await h.token(.operator)
        let id = man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: op) }
        expectError(reply, .unprocessableContent, "invalid_field", secrets: [id])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    // MARK: invalid_id_number

    static let badIDs: [IDCase] = {
        let good = man()
        let first17 = String(good.prefix(17))
        let wrongCheck = ResidentID.checkCharacters.first { $0 != good.last! }!
        let impossibleFirst17 = "220102" + "19650230" + "003"
        let futureFirst17 = "220102" + "20300101" + "003"
        return [
            IDCase(label: "17 characters", idNumber: first17),
            IDCase(label: "19 characters", idNumber: good + "1"),
            IDCase(label: "empty", idNumber: ""),
            IDCase(label: "wrong check character", idNumber: first17 + String(wrongCheck)),
            IDCase(label: "letter in the middle", idNumber: "22010219650515A03" + String(good.last!)),
            IDCase(label: "impossible birth date 1965-02-30",
                   idNumber: impossibleFirst17 + String(ResidentID.checkCharacter(for: impossibleFirst17)!)),
            IDCase(label: "birth date in the future",
                   idNumber: futureFirst17 + String(ResidentID.checkCharacter(for: futureFirst17)!)),
            IDCase(label: "full-width digits", idNumber: "２２０１０２１９６５０５１５００３" + String(good.last!)),
        ]
    }()

    @Test("Malformed resident IDs are 422 invalid_id_number on retiree.idNumber, never echoing the number",
          arguments: badIDs)
    func invalidIDNumber(_ example: IDCase) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        try await h.prequalify(man(), name: "张三")
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(example.idNumber), token: agent) }
        expectError(reply, .unprocessableContent, "invalid_id_number", field: .named("retiree.idNumber"),
                    secrets: example.idNumber.count >= 17 ? [example.idNumber] : [])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    // MARK: prequalification_not_found

    enum PrequalificationProblem: String, Sendable, CaseIterable {
        case none, notPassed, nameDiffers, otherOrganisation
    }

    @Test("Without a passed pre-qualification within reach, filing is 422 prequalification_not_found",
          arguments: PrequalificationProblem.allCases)
    func prequalificationNotFound(_ problem: PrequalificationProblem) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        _ = try await h.token(.agent, organisation: "globex")
        let id = man()
        switch problem {
        case .none: break
        case .notPassed: try await h.prequalify(id, name: "张三", passed: false)
        case .nameDiffers: try await h.prequalify(id, name: "张山")
        case .otherOrganisation: try await h.prequalify(id, name: "张三", organisation: "globex")
        }
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: agent) }
        expectError(reply, .unprocessableContent, "prequalification_not_found", field: .named("retiree"), secrets: [id])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    // MARK: too_early

    @Test("Filing more than a month before retirement is 422 too_early with the Model's earliestDate")
    func tooEarly() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = APIHarness.residentID(birth: "19661215", sequence: 3)
        try await h.prequalify(id, name: "张三")
        let expected = RetirementRule(.male).earliestFilingDate(birthDate: LocalDate(year: 1966, month: 12, day: 15)!)
        #expect(expected.iso8601 == "2027-05-15")
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: agent) }
        let error = expectError(reply, .unprocessableContent, "too_early", secrets: [id])
        #expect(error["earliestDate"] as? String == expected.iso8601)
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("The earliest filing date itself is allowed; the day before it is too_early",
          arguments: [("19650930", true), ("19651001", false)])
    func tooEarlyBoundary(birth: String, allowed: Bool) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = APIHarness.residentID(birth: birth, sequence: 3)
        try await h.prequalify(id, name: "张三")
        let birthDate = try ResidentID(parsing: id).birthDate
        let earliest = RetirementRule(.male).earliestFilingDate(birthDate: birthDate)
        #expect((earliest <= harnessToday) == allowed, "earliest \(earliest.iso8601)")
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: agent) }
        if allowed {
            #expect(reply.status == .created, "\(reply.text)")
            #expect(try await h.count("cases") == 1)
        } else {
            let error = expectError(reply, .unprocessableContent, "too_early", secrets: [id])
            #expect(error["earliestDate"] as? String == earliest.iso8601)
            #expect(error["earliestDate"] as? String == "2025-12-01")
            #expect(try await h.count("cases") == 0)
        }
        await h.close()
    }

    // MARK: household_check_failed, fund_centre_required, bank errors

    @Test("A retiree whose household registration is not confirmed gets 422 household_check_failed")
    func householdCheckFailed() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三", householdRegistered: false)
        let reply = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: agent) }
        expectError(reply, .unprocessableContent, "household_check_failed", secrets: [id])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("Sealing or extracting without a centre is 422 fund_centre_required on housingFund.centre",
          arguments: [
            #"{"action":"seal"}"#, #"{"action":"seal","centre":null}"#, #"{"action":"seal","centre":"   "}"#,
            #"{"action":"sealAndExtract"}"#, #"{"action":"sealAndExtract","centre":""}"#,
          ])
    func fundCentreRequired(housingFund: String) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let bank = housingFund.contains("sealAndExtract")
            ? #","bankAccount":{"bank":"中国工商银行","accountNumber":"\#(account)","holderName":"张三"}"# : ""
        let json = #"{"retiree":{"name":"张三","idNumber":"\#(id)"},"housingFund":\#(housingFund)\#(bank)}"#
        let reply = try await h.app.test(.router) { try await $0.file(json, token: agent) }
        expectError(reply, .unprocessableContent, "fund_centre_required", field: .named("housingFund.centre"),
                    secrets: [id, account])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    static let badAccounts: [(label: String, bank: FilingRequest.Bank?, field: String)] = [
        ("missing with sealAndExtract", nil, "bankAccount"),
        ("15 digits", .init(bank: "中国工商银行", accountNumber: "622202020011223", holderName: "张三"), "bankAccount.accountNumber"),
        ("20 digits", .init(bank: "中国工商银行", accountNumber: "62220202001122334455", holderName: "张三"),
         "bankAccount.accountNumber"),
        ("letters", .init(bank: "中国工商银行", accountNumber: "6222020200ABCD33445", holderName: "张三"),
         "bankAccount.accountNumber"),
        ("dashes", .init(bank: "中国工商银行", accountNumber: "6222-0202-0011-2233-445", holderName: "张三"),
         "bankAccount.accountNumber"),
        ("full-width digits", .init(bank: "中国工商银行", accountNumber: "６２２２０２０２００１１２２３３４４５", holderName: "张三"),
         "bankAccount.accountNumber"),
        ("empty", .init(bank: "中国工商银行", accountNumber: "", holderName: "张三"), "bankAccount.accountNumber"),
        ("blank bank name", .init(bank: "  ", accountNumber: account, holderName: "张三"), "bankAccount.bank"),
    ]

    @Test("A missing or malformed extraction account is 422 bank_account_invalid, never echoing the number",
          arguments: badAccounts.indices)
    func bankAccountInvalid(index: Int) async throws {
        let example = Self.badAccounts[index]
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let json = filingJSON(id, fund: .sealAndExtract, bank: .some(example.bank))
        let reply = try await h.app.test(.router) { try await $0.file(json, token: agent) }
        let number = example.bank?.accountNumber ?? ""
        expectError(reply, .unprocessableContent, "bank_account_invalid", field: .named(example.field),
                    secrets: [id] + (number.count >= 12 ? [number] : []))
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("An extraction account in someone else's name is 422 bank_holder_mismatch")
    func bankHolderMismatch() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let json = filingJSON(id, fund: .sealAndExtract,
                              bank: .some(.init(bank: "中国工商银行", accountNumber: account, holderName: "李四")))
        let reply = try await h.app.test(.router) { try await $0.file(json, token: agent) }
        expectError(reply, .unprocessableContent, "bank_holder_mismatch", field: .named("bankAccount.holderName"),
                    secrets: [id, account])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("An account failing the Luhn check is accepted with a masked warning")
    func luhnWarning() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let bad = String(account.dropLast()) + String((Int(String(account.last!))! + 1) % 10)
        #expect(!BankAccount.passesLuhn(bad))
        let json = filingJSON(id, fund: .sealAndExtract, bank: .some(.init(bank: "中国工商银行", accountNumber: bad, holderName: "张三")))
        let reply = try await h.app.test(.router) { try await $0.file(json, token: agent) }
        #expect(reply.status == .created, "\(reply.text)")
        let body = try reply.decode(CaseJSON.self)
        #expect(body.warnings?.count == 1)
        #expect(body.warnings?.first?.contains(String(bad.suffix(4))) == true)
        #expect(!reply.text.contains(bad))
        #expect(!reply.text.contains(id))
        await h.close()
    }

    @Test("Numbers are normalised: an ID ending in lower-case x and an account number with spaces are accepted and masked")
    func normalisedNumbers() async throws {
        let h = try await APIHarness()
        let id = try #require(stride(from: 1, to: 999, by: 2).lazy
            .map { APIHarness.residentID(birth: "19650515", sequence: $0) }.first { $0.hasSuffix("X") })
        let individual = try await h.token(.individual, idNumber: id)
        // A flexible-employment person: their archive institution passed the pre-check.
        try await h.prequalify(id, name: "张三", organisation: "archive-1", organisationKind: .archive)
        let spaced = stride(from: 0, to: account.count, by: 4).map { offset -> String in
            let start = account.index(account.startIndex, offsetBy: offset)
            return String(account[start..<(account.index(start, offsetBy: 4, limitedBy: account.endIndex) ?? account.endIndex)])
        }.joined(separator: " ")
        let json = filingJSON(String(id.dropLast()) + "x", fund: .sealAndExtract,
                              bank: .some(.init(bank: "中国工商银行", accountNumber: spaced, holderName: "张三")))
        let reply = try await h.app.test(.router) { try await $0.file(json, token: individual) }
        #expect(reply.status == .created, "\(reply.text)")
        let body = try reply.decode(CaseJSON.self)
        #expect(body.retiree.idNumber == "220102********" + String(id.suffix(4)))
        #expect(body.retiree.idNumber.hasSuffix("X"))
        #expect(body.bankAccount?.accountNumber == String(repeating: "*", count: account.count - 4) + account.suffix(4))
        #expect(body.filedBy == "individual")
        #expect(body.realNameCheck.required == false)
        #expect(!reply.text.contains(String(id.dropLast())))
        await h.close()
    }

    // MARK: duplicate_case

    // The rule is one open task per retiree and item (issue 14; before, one open case per retiree,
    // and this test set the case status instead of finishing its tasks).
    @Test("Filing an item an open task of the retiree already holds is 409 duplicate_case naming its case; once those are done, filing again works")
    func duplicateCase() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let first = try await h.app.test(.router) { try await $0.file(filingJSON(id), token: agent) }
        #expect(first.status == .created)
        let caseNo = try first.decode(CaseJSON.self).caseNo
        let published = try await totalStreamLength(h)
        let tasks = try await h.count("tasks")

        // Different choices, no key: hr.qualification (and the seal) are still open in the first case.
        for (label, body) in [("seal and extract", filingJSON(id, pension: false, medical: false, fund: .sealAndExtract)),
                              ("nothing ticked", filingJSON(id, pension: false, medical: false, fund: HousingFundAction.none, centre: nil))] {
            let again = try await h.app.test(.router) { try await $0.file(body, token: agent) }
            let error = expectError(again, .conflict, "duplicate_case", secrets: [id, account])
            #expect(error["caseNo"] as? String == caseNo, "\(label)")
            #expect(try await h.count("cases") == 1)
            #expect(try await h.count("tasks") == tasks)
            #expect(try await totalStreamLength(h) == published)
        }

        // Every task of the first case done except the pension chain, still waiting for a condition:
        // a new case without the pension items may be filed; one with them may not.
        try await h.infrastructure.postgres.query("""
            UPDATE tasks SET status = CASE WHEN item LIKE 'social.%' THEN 'awaitingConditions' ELSE 'succeeded' END
            """)
        let pensionAgain = try await h.app.test(.router) {
            try await $0.file(filingJSON(id, pension: true, medical: false, fund: HousingFundAction.none, centre: nil), token: agent)
        }
        let error = expectError(pensionAgain, .conflict, "duplicate_case", secrets: [id])
        #expect(error["caseNo"] as? String == caseNo)
        let later = try await h.app.test(.router) {
            try await $0.file(filingJSON(id, pension: false, medical: true, fund: HousingFundAction.none, centre: nil), token: agent)
        }
        #expect(later.status == .created, "\(later.text)")
        #expect(try later.decode(CaseJSON.self).caseNo != caseNo)
        #expect(try await h.count("cases") == 2)
        await h.close()
    }

    @Test("Concurrent filings for one retiree with different keys: exactly one 201, the rest 409 naming it")
    func concurrentDuplicates() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let replies = try await h.app.test(.router) { client in
            try await withThrowingTaskGroup(of: Reply.self) { group in
                for n in 0..<8 {
                    group.addTask { try await client.file(filingJSON(id), token: agent, key: "key-\(n)") }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
        }
        let created = replies.filter { $0.status == .created }
        #expect(created.count == 1, "\(replies.map(\.status.code))")
        let caseNo = try created.first.map { try $0.decode(CaseJSON.self).caseNo }
        for reply in replies where reply.status != .created {
            let error = expectError(reply, .conflict, "duplicate_case", secrets: [id])
            #expect(error["caseNo"] as? String == caseNo)
        }
        #expect(try await h.count("cases") == 1)
        let queued = ItemCatalogue.initialTasks(for: FilingChoices(pensionBenefit: true, medicalTransfer: true, housingFund: .seal),
                                                realNameCheckPending: false).filter { $0.status == .queued }.count
        #expect(try await totalStreamLength(h) == queued)
        await h.close()
    }

    // MARK: payload_too_large and not_found

    @Test("A body over 64 KiB is 413 payload_too_large; exactly 64 KiB is read (and refused for its content)")
    func payloadTooLarge() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        @Sendable func body(size: Int) -> String {
            let skeleton = #"{"retiree":{"name":"","idNumber":"\#(id)"}}"#
            let padding = String(repeating: "a", count: size - skeleton.utf8.count)
            let text = #"{"retiree":{"name":"\#(padding)","idNumber":"\#(id)"}}"#
            precondition(text.utf8.count == size)
            return text
        }
        try await h.app.test(.router) { client in
            let atLimit = try await client.file(body(size: 64 * 1024), token: agent)
            expectError(atLimit, .unprocessableContent, "invalid_field", field: .named("retiree.name"), secrets: [id])
            for size in [64 * 1024 + 1, 70_000, 2 * 1024 * 1024] {
                let reply = try await client.file(body(size: size), token: agent)
                expectError(reply, .contentTooLarge, "payload_too_large", secrets: [id])
            }
        }
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("Unknown cases and paths are 404 not_found with the error body")
    func notFound() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let op = try await h.token(.operator)
        try await h.app.test(.router) { client in
            for token in [agent, op] {
                for uri in ["/api/v1/cases/RT2025113000000001", "/api/v1/cases/" + String(repeating: "R", count: 41),
                            "/api/v1/cases/%00", "/api/v1/cases/%FF%FE", "/api/v1/cases/x'%20OR%20'1'='1",
                            "/api/v1/cases/RT2025113000000001?include=events", "/api/v1/nothing-here"] {
                    expectError(try await client.get(uri, token: token), .notFound, "not_found")
                }
                let id = man()
                expectError(try await client.get("/api/v1/prequalifications/\(id)", token: token), .notFound, "not_found",
                            secrets: [id])
            }
        }
        await h.close()
    }

    // MARK: reach

    @Test("A case is 404 to another organisation's agent and to another individual; 200 to the operator, the owning agent and the retiree")
    func caseReach() async throws {
        let h = try await APIHarness()
        let acme = try await h.token(.agent, organisation: "acme")
        let globex = try await h.token(.agent, organisation: "globex")
        let op = try await h.token(.operator)
        let id = man(3), stranger = man(5)
        let retiree = try await h.token(.individual, idNumber: id)
        let otherPerson = try await h.token(.individual, idNumber: stranger)
        try await h.prequalify(id, name: "张三")
        try await h.app.test(.router) { client in
            let filed = try await client.file(filingJSON(id), token: acme)
            #expect(filed.status == .created)
            let caseNo = try filed.decode(CaseJSON.self).caseNo
            for (who, token) in [("other organisation's agent", globex), ("another individual", otherPerson)] {
                for uri in ["/api/v1/cases/\(caseNo)", "/api/v1/cases/\(caseNo)?include=events"] {
                    let reply = try await client.get(uri, token: token)
                    expectError(reply, .notFound, "not_found", secrets: [id])
                    #expect(!reply.text.contains(caseNo), "\(who) learns the case number")
                }
                let list = try await client.get("/api/v1/cases", token: token).decode(CaseListJSON.self)
                #expect(list.cases.isEmpty, "\(who) lists the case")
            }
            for (who, token) in [("operator", op), ("owning agent", acme), ("retiree", retiree)] {
                let reply = try await client.get("/api/v1/cases/\(caseNo)", token: token)
                #expect(reply.status == .ok, "\(who): \(reply.text)")
                #expect(try reply.decode(CaseJSON.self).caseNo == caseNo, "\(who)")
                let list = try await client.get("/api/v1/cases", token: token).decode(CaseListJSON.self)
                #expect(list.cases.map(\.caseNo) == [caseNo], "\(who)")
            }
        }
        await h.close()
    }

    @Test("A pre-qualification is 404 outside reach (other agent, other individual, wrong name); an agent's PUT is 404 and changes nothing")
    func prequalificationReach() async throws {
        let h = try await APIHarness()
        let acme = try await h.token(.agent, organisation: "acme")
        let globex = try await h.token(.agent, organisation: "globex")
        let op = try await h.token(.operator)
        let id = man(3)
        let retiree = try await h.token(.individual, idNumber: id)
        let otherPerson = try await h.token(.individual, idNumber: man(5))
        try await h.prequalify(id, name: "张三")
        let put = #"{"name":"王五","category":"male","organisation":"globex","passed":true,"contributionMonths":300,"deemedMonths":0,"medicalContributionMonths":300,"fundCentre":"changchun"}"#
        try await h.app.test(.router) { client in
            let uri = "/api/v1/prequalifications/\(id)"
            for token in [globex, otherPerson] {
                expectError(try await client.get(uri, token: token), .notFound, "not_found", secrets: [id])
            }
            expectError(try await client.get(uri + "?name=%E6%9D%8E%E5%9B%9B", token: acme), .notFound, "not_found",
                        secrets: [id])
            for token in [op, acme, retiree] {
                let reply = try await client.get(uri + "?name=%E5%BC%A0%E4%B8%89", token: token)
                #expect(reply.status == .ok, "\(reply.text)")
                let body = try reply.decode(PrequalificationJSON.self)
                #expect(body.name == "张三")
                #expect(body.idNumber == String(id.prefix(6)) + "********" + String(id.suffix(4)))
                #expect(!reply.text.contains("1965-05-15") && !reply.text.contains("birthDate"))
                #expect(body.statutoryRetirementDate == "2025-07-15")
                #expect(body.retirementDate == "2025-07-15")
                #expect(body.plannedRetirementDate == nil)
                #expect(body.organisationKind == "employer")
                #expect(body.earliestFilingDate == "2025-06-15")
                #expect(body.organisation == "acme")
                #expect(!reply.text.contains(id))
            }
            for token in [acme, globex, retiree] {
                let reply = try await client.send(.put, uri, headers: bearer(token), body: ByteBuffer(string: put))
                expectError(reply, .notFound, "not_found", secrets: [id])
            }
            let unchanged = try await client.get(uri, token: op).decode(PrequalificationJSON.self)
            #expect(unchanged.name == "张三")
            #expect(unchanged.organisation == "acme")
            // The operator may.
            let replaced = try await client.send(.put, uri, headers: bearer(op), body: ByteBuffer(string: put))
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(try await client.get(uri, token: globex).status == .ok)
            expectError(try await client.get(uri, token: acme), .notFound, "not_found")
            // A malformed ID in the path.
            expectError(try await client.get("/api/v1/prequalifications/12345", token: op), .unprocessableContent,
                        "invalid_id_number", field: .named("idNumber"))
        }
        await h.close()
    }

    @Test("Control characters (NUL among them) in any text are 422 invalid_field and change nothing")
    func controlCharacters() async throws {
        let h = try await APIHarness()
        let op = try await h.token(.operator)
        let acme = try await h.token(.agent, organisation: "acme")
        let id = man(3)
        try await h.prequalify(id, name: "张三")
        let put = #"{"name":"张三","category":"male","organisation":"o\u0000rg","passed":true,"contributionMonths":300,"deemedMonths":0,"medicalContributionMonths":300}"#
        let filing = #"{"retiree":{"name":"张\u0001三","idNumber":"\#(id)"}}"#
        try await h.app.test(.router) { client in
            let uri = "/api/v1/prequalifications/\(id)"
            let reply = try await client.send(.put, uri, headers: bearer(op), body: ByteBuffer(string: put))
            expectError(reply, .unprocessableContent, "invalid_field", field: .named("organisation"))
            #expect(try await client.get(uri, token: op).decode(PrequalificationJSON.self).organisation == "acme")
            let filed = try await client.send(.post, "/api/v1/cases", headers: bearer(acme), body: ByteBuffer(string: filing))
            expectError(filed, .unprocessableContent, "invalid_field", field: .named("retiree.name"))
        }
        #expect(try await h.count("cases") == 0)
        await h.close()
    }

    // MARK: idempotency

    @Test("Same key and body: 201 then 200 with the same case, one row, nothing published again")
    func idempotentReplay() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let json = filingJSON(id, fund: .sealAndExtract)
        try await h.app.test(.router) { client in
            let first = try await client.file(json, token: agent, key: "filing-0001")
            #expect(first.status == .created, "\(first.text)")
            let caseNo = try first.decode(CaseJSON.self).caseNo
            let published = try await streamLengths(h)
            #expect(published.values.reduce(0, +) > 0)
            for _ in 0..<3 {
                let again = try await client.file(json, token: agent, key: "filing-0001")
                #expect(again.status == .ok, "\(again.text)")
                let body = try again.decode(CaseJSON.self)
                #expect(body.caseNo == caseNo)
                #expect(body.tasks.count == (try first.decode(CaseJSON.self)).tasks.count)
            }
            // The same request written differently (key order, spacing) is the same request.
            let reordered = #"""
                { "bankAccount": {"holderName": "张三", "accountNumber": "\#(account)", "bank": "中国工商银行"},
                  "housingFund": {"centre": "changchun", "action": "sealAndExtract"},
                  "medicalTransfer": true, "pensionBenefit": true,
                  "retiree": {"idNumber": "\#(id)", "name": "张三"} }
                """#
            let same = try await client.file(reordered, token: agent, key: "filing-0001")
            #expect(same.status == .ok, "\(same.text)")
            #expect(try same.decode(CaseJSON.self).caseNo == caseNo)
            #expect(try await h.count("cases") == 1)
            #expect(try await streamLengths(h) == published)

            // Same key, different body.
            let different = try await client.file(filingJSON(id, medical: false, fund: .sealAndExtract), token: agent,
                                                  key: "filing-0001")
            expectError(different, .unprocessableContent, "invalid_field", field: .named("Idempotency-Key"),
                        secrets: [id, account])
            #expect(try await h.count("cases") == 1)
            #expect(try await streamLengths(h) == published)

            // Keys belong to a token: another agent of the same organisation with the same key is a new filing.
            let colleague = try await h.token(.agent, organisation: "acme")
            let other = try await client.file(json, token: colleague, key: "filing-0001")
            let error = expectError(other, .conflict, "duplicate_case", secrets: [id, account])
            #expect(error["caseNo"] as? String == caseNo)
            #expect(try await h.count("cases") == 1)
        }
        await h.close()
    }

    @Test("An empty or over-long Idempotency-Key is 422 invalid_field on Idempotency-Key", arguments: [0, 201])
    func badIdempotencyKey(length: Int) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) {
            try await $0.file(filingJSON(id), token: agent, key: String(repeating: "k", count: length))
        }
        expectError(reply, .unprocessableContent, "invalid_field", field: .named("Idempotency-Key"), secrets: [id])
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }

    @Test("Concurrent replays of one key and body: one 201, the rest 200 with the same case, published once")
    func concurrentReplays() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let json = filingJSON(id)
        let replies = try await h.app.test(.router) { client in
            try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await client.file(json, token: agent, key: "same-key") } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
        }
        #expect(replies.filter { $0.status == .created }.count == 1, "\(replies.map(\.status.code)) \(replies.map(\.text))")
        #expect(replies.filter { $0.status == .ok }.count == 7,
                "\(replies.filter { $0.status != .created }.map { "\($0.status.code) \($0.text)" })")
        let caseNos = Set(replies.compactMap { try? $0.decode(CaseJSON.self).caseNo })
        #expect(caseNos.count == 1)
        #expect(try await h.count("cases") == 1)
        let queued = ItemCatalogue.initialTasks(for: FilingChoices(pensionBenefit: true, medicalTransfer: true, housingFund: .seal),
                                                realNameCheckPending: false).filter { $0.status == .queued }.count
        #expect(try await totalStreamLength(h) == queued)
        await h.close()
    }

    // MARK: successful filings

    @Test("An agent's filing creates exactly the catalogue's tasks, publishes exactly the queued ones, masks numbers",
          arguments: Combination.all)
    func agentFiling(_ combination: Combination) async throws {
        try await checkFiling(combination, filer: .agent)
    }

    // A flexible-employment person (pre-qualified by an archive institution). Until issue 14 this
    // test let any individual file, an employee included: that is wrong_filer now (WhoFilesTests).
    @Test("A flexible-employment person filing for themselves gets 201, filedBy individual and no real-name check",
          arguments: HousingFundAction.allCases.filter { $0 != .extract })
    func individualFiling(_ fund: HousingFundAction) async throws {
        try await checkFiling(Combination(pension: true, medical: true, fund: fund), filer: .individual)
    }

    private func checkFiling(_ combination: Combination, filer: FilerKind) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        let token: String
        let organisation = filer == .agent ? "acme" : "archive-1"
        if filer == .agent { token = agent } else { token = try await h.token(.individual, idNumber: id) }
        try await h.prequalify(id, name: "张三", organisation: organisation, organisationKind: filer == .agent ? nil : .archive)
        let json = filingJSON(id, pension: combination.pension, medical: combination.medical, fund: combination.fund,
                              centre: combination.fund == .none ? nil : "changchun")
        let (filed, fetched) = try await h.app.test(.router) { client in
            let filed = try await client.file(json, token: token)
            let caseNo = (try? filed.decode(CaseJSON.self).caseNo) ?? "none"
            return (filed, try await client.get("/api/v1/cases/\(caseNo)", token: token))
        }
        #expect(filed.status == .created, "\(filed.text)")
        #expect(fetched.status == .ok, "\(fetched.text)")
        #expect(!filed.text.contains(id), "the full ID number is in the response")
        #expect(!filed.text.contains(account), "the full account number is in the response")
        #expect(!fetched.text.contains(id))
        #expect(!fetched.text.contains(account))

        let body = try filed.decode(CaseJSON.self)
        let realName = filer == .agent && combination.fund.extracts
        let expected = ItemCatalogue.initialTasks(for: combination.choices, realNameCheckPending: realName)
        #expect(Set(body.tasks.map { "\($0.item) \($0.agency) \($0.status)" })
                == Set(expected.map { "\($0.item.rawValue) \($0.agency.rawValue) \($0.status.rawValue)" }))
        #expect(body.tasks.count == expected.count)
        for task in body.tasks {
            #expect(task.attempts == 0, "\(task.item)")
            // A limit runs only for a task the agency can act on; a waiting one has none.
            #expect((task.dueBy != nil) == (task.status == "queued"), "\(task.item): dueBy \(task.dueBy ?? "null")")
            #expect(task.overdue == false && task.stalled == false && task.result == nil, "\(task.item)")
            #expect(task.nextAttemptAt == nil && task.lastError == nil, "\(task.item)")
        }
        #expect(body.status == "inProgress")
        #expect(body.caseNo.hasPrefix("RT20251130"))
        #expect(body.filedAt == "2025-11-30T02:00:00Z")
        #expect(body.filedBy == filer.rawValue)
        #expect(body.organisation == organisation)
        #expect(body.retiree.name == "张三")
        #expect(body.retiree.idNumber == "220102********" + String(id.suffix(4)))
        #expect(body.retiree.sex == "male")
        #expect(body.retiree.category == "male")
        #expect(body.statutoryRetirementDate == "2025-07-15")
        #expect(body.retirementDate == "2025-07-15")
        #expect(!filed.text.contains("1965-05-15") && !filed.text.contains("19650515"), "the birth date is in the response")
        #expect(body.pensionBenefit == combination.pension)
        #expect(body.medicalTransfer == combination.medical)
        #expect(body.housingFund.action == combination.fund.rawValue)
        #expect(body.housingFund.centre == (combination.fund == .none ? nil : "changchun"))
        #expect(body.realNameCheck.required == realName)
        // Filed 2025-11-30, after the guide's window (to 2025-08-14) closed: 30 days from filing.
        // (Until issue 14 this said 2025-08-14, and the sweeper cancelled the extraction at once.)
        #expect(body.realNameCheck.deadline == (realName ? "2025-12-30" : nil))
        #expect(body.realNameCheck.doneAt == nil)
        #expect(body.notices.map(\.agency) == ["health"])
        if combination.fund == .sealAndExtract {
            #expect(body.bankAccount?.accountNumber == String(repeating: "*", count: account.count - 4) + account.suffix(4))
            #expect(body.bankAccount?.holderName == "张三")
            #expect(body.bankAccount?.bank == "中国工商银行")
        } else {
            #expect(body.bankAccount == nil)
        }

        // Exactly the queued tasks were published, each to its agency's stream.
        let lengths = try await streamLengths(h)
        for agency in Agency.allCases {
            #expect(lengths[agency.rawValue] == expected.filter { $0.agency == agency && $0.status == .queued }.count,
                    "\(agency)")
        }
        #expect(lengths.values.reduce(0, +) == expected.filter { $0.status == .queued }.count)
        #expect(try await h.count("cases") == 1)
        #expect(try await h.count("tasks") == expected.count)
        #expect(try await h.count("events") == expected.count)

        // GET shows the same case.
        let again = try fetched.decode(CaseJSON.self)
        #expect(again.caseNo == body.caseNo)
        #expect(Set(again.tasks.map { "\($0.item) \($0.status) \($0.dueBy ?? "-")" })
                == Set(body.tasks.map { "\($0.item) \($0.status) \($0.dueBy ?? "-")" }))
        #expect(again.realNameCheck.required == realName)
        await h.close()
    }

    // MARK: listing

    @Test("Listing: newest first, keyset pages of 2 visit 5 cases once, status filter, own organisation only")
    func listing() async throws {
        let h = try await APIHarness()
        let acme = try await h.token(.agent, organisation: "acme")
        let globex = try await h.token(.agent, organisation: "globex")
        let people = [11, 13, 15, 17, 19].map { man($0) }
        for id in people { try await h.prequalify(id, name: "张三") }
        let outsider = man(21)
        try await h.prequalify(outsider, name: "张三", organisation: "globex")
        try await h.app.test(.router) { client in
            var filedOrder: [String] = []
            for (index, id) in people.enumerated() {
                filedOrder.append(try await client.file(filingJSON(id), token: acme).decode(CaseJSON.self).caseNo)
                if index == 2 {
                    #expect(try await client.file(filingJSON(outsider), token: globex).status == .created)
                }
            }
            #expect(Set(filedOrder).count == 5)

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/cases?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await client.get(uri, token: acme)
                #expect(reply.status == .ok, "\(reply.text)")
                let page = try reply.decode(CaseListJSON.self)
                #expect(page.cases.count <= 2)
                seen += page.cases.map(\.caseNo)
                for summary in page.cases {
                    #expect(summary.retiree.idNumber.contains("********"))
                    #expect(summary.status == "inProgress")
                    #expect(summary.filedBy == "agent")
                }
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Array(filedOrder.reversed()), "newest first, each once")
            #expect(Set(seen).count == seen.count)

            // The default page holds all five; the raw text never holds a full ID number.
            let all = try await client.get("/api/v1/cases", token: acme)
            #expect(try all.decode(CaseListJSON.self).cases.map(\.caseNo) == Array(filedOrder.reversed()))
            #expect(try all.decode(CaseListJSON.self).nextCursor == nil)
            for id in people { #expect(!all.text.contains(id)) }

            // Status filter: close one case as workers would, then filter.
            try await h.infrastructure.postgres.query("UPDATE cases SET status = 'closed' WHERE case_no = $1", [filedOrder[1]])
            let closed = try await client.get("/api/v1/cases?status=closed", token: acme).decode(CaseListJSON.self)
            #expect(closed.cases.map(\.caseNo) == [filedOrder[1]])
            #expect(closed.cases.first?.status == "closed")
            let open = try await client.get("/api/v1/cases?status=inProgress&limit=100", token: acme).decode(CaseListJSON.self)
            #expect(open.cases.map(\.caseNo) == Array(filedOrder.reversed()).filter { $0 != filedOrder[1] })
            let completed = try await client.get("/api/v1/cases?status=completed", token: acme).decode(CaseListJSON.self)
            #expect(completed.cases.isEmpty)
            #expect(completed.nextCursor == nil)
            // A filtered page walk.
            let firstOpen = try await client.get("/api/v1/cases?status=inProgress&limit=3", token: acme).decode(CaseListJSON.self)
            #expect(firstOpen.cases.count == 3)
            let cursorText = try #require(firstOpen.nextCursor)
            let restOpen = try await client.get("/api/v1/cases?status=inProgress&limit=3&cursor=\(cursorText)", token: acme)
                .decode(CaseListJSON.self)
            #expect(firstOpen.cases.map(\.caseNo) + restOpen.cases.map(\.caseNo) == open.cases.map(\.caseNo))
            #expect(restOpen.nextCursor == nil)

            // The other organisation sees only its own.
            let theirs = try await client.get("/api/v1/cases", token: globex).decode(CaseListJSON.self)
            #expect(theirs.cases.count == 1)
            #expect(!filedOrder.contains(theirs.cases[0].caseNo))
        }
        await h.close()
    }

    @Test("Bad limit, cursor, status or include are 422 invalid_field naming the parameter",
          arguments: [
            ("/api/v1/cases?limit=0", "limit"), ("/api/v1/cases?limit=101", "limit"), ("/api/v1/cases?limit=x", "limit"),
            ("/api/v1/cases?limit=-1", "limit"), ("/api/v1/cases?limit=", "limit"),
            ("/api/v1/cases?limit=99999999999999999999", "limit"),
            ("/api/v1/cases?cursor=zzz", "cursor"), ("/api/v1/cases?cursor=c", "cursor"),
            ("/api/v1/cases?cursor=c0", "cursor"), ("/api/v1/cases?cursor=c-5", "cursor"),
            ("/api/v1/cases?cursor=c!!", "cursor"), ("/api/v1/cases?cursor=czzzzzzzzzzzzzzzz", "cursor"),
            ("/api/v1/cases?status=open", "status"), ("/api/v1/cases?status=INPROGRESS", "status"),
            ("/api/v1/cases/RT2025113000000001?include=tasks", "include"),
          ])
    func badListParameters(uri: String, field: String) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let reply = try await h.app.test(.router) { try await $0.get(uri, token: agent) }
        expectError(reply, .unprocessableContent, "invalid_field", field: .named(field))
        await h.close()
    }

    @Test("include=events gives one filing event per task: from null, to the task's status")
    func events() async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        try await h.app.test(.router) { client in
            let filed = try await client.file(filingJSON(id, fund: .sealAndExtract), token: agent).decode(CaseJSON.self)
            let plain = try await client.get("/api/v1/cases/\(filed.caseNo)", token: agent)
            #expect(try plain.decode(CaseJSON.self).events == nil)
            let reply = try await client.get("/api/v1/cases/\(filed.caseNo)?include=events", token: agent)
            #expect(reply.status == .ok)
            let body = try reply.decode(CaseJSON.self)
            let events = try #require(body.events)
            #expect(events.count == body.tasks.count)
            #expect(Set(events.compactMap(\.item)) == Set(body.tasks.map(\.item)))
            for task in body.tasks {
                let matching = events.filter { $0.item == task.item }
                #expect(matching.count == 1, "\(task.item)")
                #expect(matching.first?.to == task.status, "\(task.item)")
                #expect(matching.first?.from == nil, "\(task.item)")
                #expect(matching.first?.at == "2025-11-30T02:00:00Z")
            }
            // `from` is present as JSON null, not left out.
            let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
            for event in object["events"] as? [[String: Any]] ?? [] {
                #expect(event["from"] is NSNull)
            }
            #expect(!reply.text.contains(id))
            #expect(!reply.text.contains(account))
        }
        await h.close()
    }

    // MARK: malformed bodies

    @Test("Malformed bodies of any shape get a 4xx with the error body, never a 5xx, and file nothing",
          arguments: MalformedBody.all)
    func malformed(_ example: MalformedBody) async throws {
        let h = try await APIHarness()
        let agent = try await h.token(.agent, organisation: "acme")
        let id = man()
        try await h.prequalify(id, name: "张三")
        let reply = try await h.app.test(.router) { try await $0.fileBytes(example.bytes, token: agent) }
        #expect((400..<500).contains(reply.status.code), "status \(reply.status.code): \(reply.text.prefix(300))")
        let error = expectErrorShape(reply)
        if let status = example.status { #expect(reply.status == status, "\(reply.text.prefix(300))") }
        if let code = example.code { #expect(error["code"] as? String == code, "\(reply.text.prefix(300))") }
        #expect(!(error["message"] as? String ?? "").contains(id))
        #expect(try await h.count("cases") == 0)
        #expect(try await totalStreamLength(h) == 0)
        await h.close()
    }
}

