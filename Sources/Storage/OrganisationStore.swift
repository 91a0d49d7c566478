import Model
import Postgres

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
