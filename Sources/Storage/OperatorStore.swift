import Foundation
import Postgres

/// A dashboard operator's role: `viewer` reads, `operator` may also act.
public enum OperatorRole: String, Sendable, Codable, CaseIterable {
    case viewer, `operator`
}

/// An operator as stored: only the bcrypt hash of the password.
public struct OperatorAccount: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var role: OperatorRole
    public var passwordHash: String
}

/// A logged-in operator, found by the session cookie.
public struct OperatorSession: Sendable, Equatable {
    public var operatorID: UUID
    public var name: String
    public var role: OperatorRole
    /// The token every form of this session must carry.
    public var csrfToken: String
    public var expiresAt: Date

    public init(operatorID: UUID, name: String, role: OperatorRole, csrfToken: String, expiresAt: Date) {
        self.operatorID = operatorID
        self.name = name
        self.role = role
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }
}

/// Operators and their sessions. A session is stored by the SHA-256 of its cookie value, so a
/// leaked table does not log anyone in.
public enum OperatorStore {
    /// Creates an operator, or replaces the role and password of one with that name; the
    /// sessions opened with the old password end (a reset is how a leaked password is answered).
    public static func upsert(name: String, role: OperatorRole, passwordHash: String, on db: PostgresConnection) throws {
        try db.transaction { db in
            try db.query("""
                DELETE FROM operator_sessions WHERE operator_id = (SELECT id FROM operators WHERE name = $1)
                """, [name], name: "endOperatorSessions")
            try db.query("""
                INSERT INTO operators (id, name, role, password_hash) VALUES ($1, $2, $3, $4)
                ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, disabled_at = NULL
                """, [UUID(), name, role.rawValue, passwordHash], name: "upsertOperator")
        }
    }

    /// Disables an operator and ends their sessions; returns whether one had that name.
    public static func disable(name: String, now: Date, on db: PostgresConnection) throws -> Bool {
        try db.transaction { db in
            let updated = try db.query("UPDATE operators SET disabled_at = $2 WHERE name = $1", [name, now],
                                       name: "disableOperator").affectedRows
            try db.query("""
                DELETE FROM operator_sessions WHERE operator_id = (SELECT id FROM operators WHERE name = $1)
                """, [name], name: "endOperatorSessions")
            return updated > 0
        }
    }

    /// The enabled operator with that name.
    public static func find(name: String, on db: PostgresConnection) throws -> OperatorAccount? {
        guard let row = try db.query(findOperator, [name]).first else { return nil }
        return OperatorAccount(id: try row.decode(UUID.self, "id"), name: try row.decode(String.self, "name"),
                               role: OperatorRole(rawValue: try row.decode(String.self, "role")) ?? .viewer,
                               passwordHash: try row.decode(String.self, "password_hash"))
    }

    /// Stores a new session (and clears expired ones, so the table stays small).
    public static func createSession(token: String, operatorID: UUID, csrfToken: String, now: Date, expiresAt: Date,
                                     on db: PostgresConnection) throws {
        try db.query("DELETE FROM operator_sessions WHERE expires_at < $1", [now], name: "dropExpiredSessions")
        try db.query("""
            INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, created_at, expires_at)
            VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $4, $5)
            """, [token, operatorID, csrfToken, now, expiresAt], name: "createSession")
    }

    /// The live session behind a cookie value, with its operator; nil when unknown, expired or disabled.
    public static func session(token: String, now: Date, on db: PostgresConnection) throws -> OperatorSession? {
        guard let row = try db.query(findSession, [token, now]).first else { return nil }
        return OperatorSession(operatorID: try row.decode(UUID.self, "id"), name: try row.decode(String.self, "name"),
                               role: OperatorRole(rawValue: try row.decode(String.self, "role")) ?? .viewer,
                               csrfToken: try row.decode(String.self, "csrf_token"),
                               expiresAt: try row.decode(Date.self, "expires_at"))
    }

    /// Ends a session.
    public static func deleteSession(token: String, on db: PostgresConnection) throws {
        try db.query("DELETE FROM operator_sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [token],
                     name: "deleteSession")
    }

    private static let findOperator = PreparedStatement(name: "findOperator", sql: """
        SELECT id, name, role, password_hash FROM operators WHERE name = $1 AND disabled_at IS NULL
        """)

    private static let findSession = PreparedStatement(name: "findSession", sql: """
        SELECT o.id, o.name, o.role, s.csrf_token, s.expires_at
        FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
        WHERE s.token_hash = sha256(convert_to($1, 'UTF8')) AND s.expires_at > $2 AND o.disabled_at IS NULL
        """)
}
