import Postgres

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
