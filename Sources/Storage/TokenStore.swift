import Foundation
import Model
import Postgres

/// API tokens: created once and shown once; only their SHA-256 is stored.
public enum TokenStore {
    /// Creates a token and returns it; the organisation is registered if it is new.
    public static func create(role: Caller.Role, name: String, organisation: String?,
                              organisationKind: OrganisationKind? = nil, idNumber: String?,
                              on db: PostgresConnection) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let token = "rot_" + secret
        try db.transaction { db in
            if let organisation {
                try OrganisationStore.ensure(organisation, kind: organisationKind, on: db)
            }
            try db.query("""
                INSERT INTO api_tokens (id, token_hash, role, name, organisation_id, id_number)
                VALUES ($1, sha256(convert_to($2, 'UTF8')), $3, $4, $5, $6)
                """, [UUID(), token, role.rawValue, name, organisation, idNumber], name: "createToken")
        }
        return token
    }

    /// The caller a token belongs to, or nil for an unknown or revoked token.
    public static func authenticate(_ token: String, on db: PostgresConnection) throws -> Caller? {
        guard let row = try db.query(Self.lookup, [token]).first else { return nil }
        return Caller(tokenID: try row.decode(UUID.self, "id").uuidString.lowercased(),
                      role: try row.decodeEnum(Caller.Role.self, "role"),
                      name: try row.decode(String.self, "name"),
                      organisation: try row.decodeIfPresent(String.self, "organisation_id"),
                      organisationKind: try row.decodeIfPresent(String.self, "organisation_kind").flatMap(OrganisationKind.init),
                      idNumber: try row.decodeIfPresent(String.self, "id_number"))
    }

    private static let lookup = PreparedStatement(name: "authenticateToken", sql: """
        SELECT t.id, t.role, t.name, t.organisation_id, t.id_number, o.kind AS organisation_kind
        FROM api_tokens t LEFT JOIN organisations o ON o.id = t.organisation_id
        WHERE t.token_hash = sha256(convert_to($1, 'UTF8')) AND t.revoked_at IS NULL
        """)
}

/// Organisations agents act for; registered on first mention.
public enum OrganisationStore {
    /// The organisation is registered with another kind than the one named.
    public struct KindDiffers: Error, Sendable, Equatable, CustomStringConvertible {
        public var registered: OrganisationKind
        public var description: String { "the organisation is registered as \(registered.rawValue)" }
    }

    /// Registers the organisation if it is new, as `kind` (an employer when nil); returns the kind it
    /// is registered as. Naming a kind other than an existing organisation's throws ``KindDiffers``.
    @discardableResult
    public static func ensure(_ id: String, kind: OrganisationKind?, on db: PostgresConnection) throws -> OrganisationKind {
        let registered = try db.query("""
            WITH inserted AS (
                INSERT INTO organisations (id, name, kind) VALUES ($1, $1, $2) ON CONFLICT (id) DO NOTHING RETURNING kind
            )
            SELECT kind FROM inserted UNION ALL SELECT kind FROM organisations WHERE id = $1 LIMIT 1
            """, [id, (kind ?? .employer).rawValue], name: "ensureOrganisation").first?.decodeEnum(OrganisationKind.self, "kind")
            ?? (kind ?? .employer)
        if let kind, kind != registered { throw KindDiffers(registered: registered) }
        return registered
    }
}

/// The province's housing-fund centres (`fund_centres`): data, so a new centre needs no rebuild.
public enum FundCentreStore {
    /// Every centre, by code.
    public static func all(on db: PostgresConnection) throws -> [(code: String, name: String)] {
        try db.query("SELECT code, name FROM fund_centres ORDER BY code", name: "fundCentres").map {
            (try $0.decode(String.self, "code"), try $0.decode(String.self, "name"))
        }
    }

    /// Whether a centre with this code exists.
    public static func exists(_ code: String, on db: PostgresConnection) throws -> Bool {
        try !db.query("SELECT 1 FROM fund_centres WHERE code = $1", [code], name: "fundCentreExists").rows.isEmpty
    }

    /// Adds a centre, or renames it; returns whether it is new.
    @discardableResult
    public static func put(code: String, name: String, on db: PostgresConnection) throws -> Bool {
        try db.query("""
            INSERT INTO fund_centres (code, name) VALUES ($1, $2)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING (xmax = 0) AS created
            """, [code, name], name: "putFundCentre").first?.decode(Bool.self, "created") ?? false
    }
}
