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
