import Testing
@testable import Model

@Suite("ResidentID")
struct ResidentIDTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let number: String
        let normalised: String
        let birthDate: String
        let sex: Sex
        let masked: String
        var testDescription: String { masked }
    }

    static let valid: [Valid] = [
        Valid(number: "220102196505150036", normalised: "220102196505150036", birthDate: "1965-05-15", sex: .male, masked: "220102********0036"),
        Valid(number: "11010519491231002X", normalised: "11010519491231002X", birthDate: "1949-12-31", sex: .female, masked: "110105********002X"),
        Valid(number: "11010519491231002x", normalised: "11010519491231002X", birthDate: "1949-12-31", sex: .female, masked: "110105********002X"),
        Valid(number: "22010219650731003x", normalised: "22010219650731003X", birthDate: "1965-07-31", sex: .male, masked: "220102********003X"),
        Valid(number: "220102197104300085", normalised: "220102197104300085", birthDate: "1971-04-30", sex: .female, masked: "220102********0085"),
        Valid(number: "440106199902280029", normalised: "440106199902280029", birthDate: "1999-02-28", sex: .female, masked: "440106********0029"),
        Valid(number: "220102190001010016", normalised: "220102190001010016", birthDate: "1900-01-01", sex: .male, masked: "220102********0016"),
        Valid(number: " 220102196511300010\n", normalised: "220102196511300010", birthDate: "1965-11-30", sex: .male, masked: "220102********0010"),
    ]

    @Test("accepts valid numbers", arguments: valid)
    func acceptsValid(_ example: Valid) throws {
        let id = try ResidentID(parsing: example.number, today: LocalDate(year: 2026, month: 1, day: 1))
        #expect(id.number == example.normalised)
        #expect(id.birthDate == LocalDate(example.birthDate))
        #expect(id.sex == example.sex)
        #expect(id.regionCode == String(example.normalised.prefix(6)))
        #expect(id.masked == example.masked)
        #expect(id.description == example.masked)
        #expect("\(id)" == example.masked)
    }

    @Test("rejects invalid numbers with a typed error", arguments: [
        ("220102196505150037", ResidentIDError.checkCharacterMismatch),
        ("220102196505150030", .checkCharacterMismatch),
        ("11010519491231002Y", .nonDigit(position: 18)),
        ("2201021965O5150036", .nonDigit(position: 11)),
        ("２２0102196505150036", .nonDigit(position: 1)),
        ("X20102196505150036", .nonDigit(position: 1)),
        ("22010219650515003", .wrongLength(found: 17)),
        ("2201021965051500361", .wrongLength(found: 19)),
        ("", .wrongLength(found: 0)),
        ("220102196502300036", .invalidBirthDate),
        ("220102196513010036", .invalidBirthDate),
        ("220102189912310036", .invalidBirthDate),
        ("220102203001010008", .birthDateInFuture),
    ])
    func rejects(number: String, expected: ResidentIDError) {
        #expect(throws: expected) {
            try ResidentID(parsing: number, today: LocalDate(year: 2026, month: 1, day: 1))
        }
    }

    @Test func future_birth_date_is_only_checked_against_a_given_today() throws {
        let id = try ResidentID(parsing: "220102203001010008")
        #expect(id.birthDate == LocalDate(year: 2030, month: 1, day: 1))
    }

    @Test("computes the check character", arguments: [
        ("22010219650515003", Character("6")),
        ("11010519491231002", "X"),
        ("22010219710430008", "5"),
        ("22010220300101000", "8"),
        ("22010219000101001", "6"),
    ])
    func checkCharacter(first17: String, expected: Character) {
        #expect(ResidentID.checkCharacter(for: first17) == expected)
    }

    @Test func check_character_needs_seventeen_digits() {
        #expect(ResidentID.checkCharacter(for: "2201021965051500") == nil)
        #expect(ResidentID.checkCharacter(for: "2201021965051500A") == nil)
    }

    @Test("error messages never contain the number", arguments: [
        "220102196505150037", "22010219650515003", "220102196502300036", "2201021965O5150036", "220102203001010008",
    ])
    func messagesDoNotLeak(number: String) {
        do throws(ResidentIDError) {
            _ = try ResidentID(parsing: number, today: LocalDate(year: 2026, month: 1, day: 1))
            Issue.record("expected a rejection")
        } catch {
            #expect(!error.message.contains("19650515"))
            #expect(!error.message.contains("2201021"))
            #expect(!error.message.contains("20300101"))
            #expect(!error.message.isEmpty)
            #expect(error.description == error.message)
        }
    }

    @Test func debug_output_is_masked_too() throws {
        let id = try ResidentID(parsing: "220102196505150036")
        var dumped = ""
        dump(id, to: &dumped)
        #expect(!dumped.contains("196505150036"))
        #expect(dumped.contains("220102********0036"))
        #expect(String(reflecting: id) == "ResidentID(220102********0036)")
        #expect(!String(describing: [id]).contains("196505150036"))
    }

    @Test func error_codes_are_stable() {
        #expect(ResidentIDError.wrongLength(found: 3).code == "wrong_length")
        #expect(ResidentIDError.nonDigit(position: 2).code == "non_digit")
        #expect(ResidentIDError.invalidBirthDate.code == "invalid_birth_date")
        #expect(ResidentIDError.birthDateInFuture.code == "birth_date_in_future")
        #expect(ResidentIDError.checkCharacterMismatch.code == "check_character_mismatch")
    }
}
