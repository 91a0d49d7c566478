import Model
import Postgres

/// Pre-qualifications, keyed by resident ID.
public enum PrequalificationStore {
    /// Registers or replaces a pre-qualification.
    public static func upsert(_ record: Prequalification, on db: PostgresConnection) throws {
        try db.transaction { db in
            try OrganisationStore.ensure(record.organisation, on: db)
            try db.query("""
                INSERT INTO prequalifications (id_number, name, category, organisation_id, passed, contribution_months,
                    deemed_months, medical_contribution_months, fund_centre, fund_account_frozen, household_registered,
                    only_child_parent, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
                ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category,
                    organisation_id = EXCLUDED.organisation_id, passed = EXCLUDED.passed,
                    contribution_months = EXCLUDED.contribution_months, deemed_months = EXCLUDED.deemed_months,
                    medical_contribution_months = EXCLUDED.medical_contribution_months,
                    fund_centre = EXCLUDED.fund_centre, fund_account_frozen = EXCLUDED.fund_account_frozen,
                    household_registered = EXCLUDED.household_registered,
                    only_child_parent = EXCLUDED.only_child_parent, updated_at = now()
                """, [record.idNumber.number, record.name, record.category.rawValue, record.organisation, record.passed,
                      record.contributionMonths, record.deemedMonths, record.medicalContributionMonths, record.fundCentre,
                      record.fundAccountFrozen, record.householdRegistered, record.onlyChildParent],
                name: "upsertPrequalification")
        }
    }

    public static func find(_ idNumber: ResidentID, on db: PostgresConnection) throws -> Prequalification? {
        guard let row = try db.query(Self.select, [idNumber.number]).first else { return nil }
        return try prequalification(idNumber, from: row)
    }

    /// Reads a pre-qualification from a row holding its columns (as `find` selects them).
    static func prequalification(_ idNumber: ResidentID, from row: PostgresRow) throws -> Prequalification {
        Prequalification(
            idNumber: idNumber, name: try row.decode(String.self, "name"),
            category: RetirementCategory(rawValue: try row.decode(String.self, "category")) ?? .male,
            organisation: try row.decode(String.self, "organisation_id"), passed: try row.decode(Bool.self, "passed"),
            contributionMonths: try row.decode(Int.self, "contribution_months"),
            deemedMonths: try row.decode(Int.self, "deemed_months"),
            medicalContributionMonths: try row.decode(Int.self, "medical_contribution_months"),
            fundCentre: try row.decodeIfPresent(String.self, "fund_centre"),
            fundAccountFrozen: try row.decode(Bool.self, "fund_account_frozen"),
            householdRegistered: try row.decode(Bool.self, "household_registered"),
            onlyChildParent: try row.decode(Bool.self, "only_child_parent"))
    }

    private static let select = PreparedStatement(name: "findPrequalification", sql: """
        SELECT name, category, organisation_id, passed, contribution_months, deemed_months,
               medical_contribution_months, fund_centre, fund_account_frozen, household_registered, only_child_parent
        FROM prequalifications WHERE id_number = $1
        """)
}
