import Model
import Postgres

/// Pre-qualifications, keyed by resident ID.
public enum PrequalificationStore {
    /// What an upsert did: whether the record is new, and the kind its organisation is registered as.
    public struct Upserted: Sendable, Equatable {
        public var created: Bool
        public var organisationKind: OrganisationKind
    }

    /// Why a record was not stored.
    public enum Refusal: Error, Sendable, Equatable {
        /// The fund centre is not one of `fund_centres`.
        case unknownFundCentre
    }

    /// Registers or replaces a pre-qualification. Its organisation is registered if it is new, as
    /// `organisationKind` (an employer when not given); an organisation already registered keeps its
    /// kind, and naming another throws `OrganisationStore.KindDiffers`. Any refusal changes nothing.
    @discardableResult
    public static func upsert(_ record: Prequalification, organisationKind: OrganisationKind? = nil,
                              on db: PostgresConnection) throws -> Upserted {
        try db.transaction { db in
            if let centre = record.fundCentre, try !FundCentreStore.exists(centre, on: db) {
                throw Refusal.unknownFundCentre
            }
            let registered = try OrganisationStore.ensure(record.organisation, kind: organisationKind, on: db)
            let created = try db.query(Self.upsertRow, [
                record.idNumber.number, record.name, record.category.rawValue, record.organisation, record.passed,
                record.contributionMonths, record.deemedMonths, record.medicalContributionMonths, record.fundCentre,
                record.fundAccountFrozen, record.householdRegistered, record.onlyChildParent, record.plannedRetirementDate,
            ]).first?.decode(Bool.self, "created") ?? false
            return Upserted(created: created, organisationKind: registered)
        }
    }

    public static func find(_ idNumber: ResidentID, on db: PostgresConnection) throws -> Prequalification? {
        guard let row = try db.query(Self.select, [idNumber.number]).first else { return nil }
        return try prequalification(idNumber, from: row)
    }

    /// Reads a pre-qualification from a row holding its columns (as `find` selects them, with the
    /// organisation's kind as `organisation_kind`).
    static func prequalification(_ idNumber: ResidentID, from row: PostgresRow) throws -> Prequalification {
        Prequalification(
            idNumber: idNumber, name: try row.decode(String.self, "name"),
            category: try row.decodeEnum(RetirementCategory.self, "category"),
            organisation: try row.decode(String.self, "organisation_id"),
            organisationKind: try row.decodeEnum(OrganisationKind.self, "organisation_kind"),
            passed: try row.decode(Bool.self, "passed"),
            contributionMonths: try row.decode(Int.self, "contribution_months"),
            deemedMonths: try row.decode(Int.self, "deemed_months"),
            medicalContributionMonths: try row.decode(Int.self, "medical_contribution_months"),
            fundCentre: try row.decodeIfPresent(String.self, "fund_centre"),
            fundAccountFrozen: try row.decode(Bool.self, "fund_account_frozen"),
            householdRegistered: try row.decode(Bool.self, "household_registered"),
            onlyChildParent: try row.decode(Bool.self, "only_child_parent"),
            plannedRetirementDate: try row.decodeIfPresent(LocalDate.self, "planned_retirement_date"))
    }

    private static let upsertRow = PreparedStatement(name: "upsertPrequalification", sql: """
        INSERT INTO prequalifications (id_number, name, category, organisation_id, passed, contribution_months,
            deemed_months, medical_contribution_months, fund_centre, fund_account_frozen, household_registered,
            only_child_parent, planned_retirement_date, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
        ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category,
            organisation_id = EXCLUDED.organisation_id, passed = EXCLUDED.passed,
            contribution_months = EXCLUDED.contribution_months, deemed_months = EXCLUDED.deemed_months,
            medical_contribution_months = EXCLUDED.medical_contribution_months,
            fund_centre = EXCLUDED.fund_centre, fund_account_frozen = EXCLUDED.fund_account_frozen,
            household_registered = EXCLUDED.household_registered,
            only_child_parent = EXCLUDED.only_child_parent,
            planned_retirement_date = EXCLUDED.planned_retirement_date, updated_at = now()
        RETURNING (xmax = 0) AS created
        """)

    private static let select = PreparedStatement(name: "findPrequalification", sql: """
        SELECT p.name, p.category, p.organisation_id, p.passed, p.contribution_months, p.deemed_months,
               p.medical_contribution_months, p.fund_centre, p.fund_account_frozen, p.household_registered,
               p.only_child_parent, p.planned_retirement_date, o.kind AS organisation_kind
        FROM prequalifications p JOIN organisations o ON o.id = p.organisation_id
        WHERE p.id_number = $1
        """)
}
