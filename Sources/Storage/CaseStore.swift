import Foundation
import Model
import Postgres

/// Cases, their tasks and events in PostgreSQL.
public enum CaseStore {
    /// What the insert made: the case number and the tasks ready to publish.
    public struct Inserted: Sendable {
        public var id: UUID
        public var caseNo: String
        public var readyTasks: [(id: UUID, agency: Agency, attempt: Int)]
    }

    /// Inserts a case with all its tasks and their first events, in the caller's transaction.
    ///
    /// The case number is `RT` + the filing date (Beijing time) + an 8-digit sequence.
    public static func insert(_ record: CaseRecord, idempotencyKey: String?, fingerprint: String?,
                              actor: String, on db: PostgresConnection) throws -> Inserted {
        let seq = try db.query("SELECT nextval('case_numbers') AS seq", name: "nextCaseNumber").first!.decode(Int.self, "seq")
        let day = LocalDate(record.filedAt, utcOffsetSeconds: LocalDate.chinaStandardTimeOffset)
        let caseNo = String(format: "RT%04d%02d%02d%08d", day.year, day.month, day.day, seq)
        let noticesJSON = JSONB(record.notices)
        try db.query(Self.insertCase, [
            record.id, seq, caseNo, record.status.rawValue, record.filedAt, record.filedBy.rawValue, record.filedByToken,
            record.organisation, record.retireeIDNumber, record.retireeName, record.sex.rawValue, record.birthDate,
            record.category.rawValue, record.retirementDate, record.choices.pensionBenefit, record.choices.medicalTransfer,
            record.choices.housingFund.rawValue, record.fundCentre, record.bankAccount?.bank,
            record.bankAccount?.accountNumber, record.bankAccount?.holderName, record.realNameRequired,
            record.realNameDeadline, noticesJSON, idempotencyKey, fingerprint,
        ])
        var ready: [(id: UUID, agency: Agency, attempt: Int)] = []
        for task in record.tasks {
            try db.query(Self.insertTask, [task.id, record.id, task.item.rawValue, task.agency.rawValue,
                                           task.status.rawValue, task.attempt,
                                           task.status == .queued ? record.filedAt : nil, task.dueBy, record.filedAt, seq,
                                           record.retireeIDNumber])
            try TaskStore.record(caseID: record.id, taskID: task.id, item: task.item, at: record.filedAt, from: nil,
                                 to: task.status, attempt: task.attempt, actor: actor, detail: "filed", on: db)
            if task.status == .queued { ready.append((task.id, task.agency, task.attempt)) }
        }
        return Inserted(id: record.id, caseNo: caseNo, readyTasks: ready)
    }

    /// The case a caller's idempotency key made before, with the fingerprint of its request.
    public static func byIdempotencyKey(token: UUID, key: String, on db: PostgresConnection) throws -> (caseNo: String, fingerprint: String?)? {
        guard let row = try db.query("""
            SELECT case_no, request_fingerprint FROM cases WHERE filed_by_token = $1 AND idempotency_key = $2
            """, [token, key], name: "caseByIdempotencyKey").first else { return nil }
        return (try row.decode(String.self, "case_no"), try row.decodeIfPresent(String.self, "request_fingerprint"))
    }

    /// The case holding an open (unfinished) task of the retiree for one of `items`, if any: filing
    /// those items again would ask an agency for the same thing twice. The partial unique index
    /// `tasks_one_open_per_retiree_item` (migration 0009) enforces the same rule when two filings race.
    public static func openCase(retiree idNumber: String, holdingAnyOf items: [Item], on db: PostgresConnection) throws -> String? {
        try db.query(Self.openCaseHolding, [idNumber, items.map(\.rawValue)]).first?.decode(String.self, "case_no")
    }

    /// What earlier cases did to the retiree's housing-fund account.
    public enum FundAccount: Sendable, Equatable {
        /// No case sealed it.
        case notSealed
        /// A case sealed it and none has paid it out.
        case sealed
        /// A case paid the balance out: the account is closed.
        case extracted
    }

    /// Whether an earlier case sealed the retiree's account (an extraction alone needs it) or paid it out.
    public static func fundAccount(retiree idNumber: String, on db: PostgresConnection) throws -> FundAccount {
        let done = try db.query(Self.fundItemsDone, [idNumber]).map { try $0.decode(String.self, "item") }
        if done.contains(Item.fundExtraction.rawValue) { return .extracted }
        return done.contains(Item.fundSeal.rawValue) ? .sealed : .notSealed
    }

    /// One case with its tasks.
    public static func find(caseNo: String, on db: PostgresConnection) throws -> CaseRecord? {
        guard let row = try db.query(Self.selectCase, [caseNo]).first else { return nil }
        let id = try row.decode(UUID.self, "id")
        let tasks = try db.query(Self.selectTasks, [id]).map { row in
            TaskRecord(id: try row.decode(UUID.self, "id"),
                       item: try row.decodeEnum(Item.self, "item"),
                       agency: try row.decodeEnum(Agency.self, "agency"),
                       status: try row.decodeEnum(TaskStatus.self, "status"),
                       attempt: try row.decode(Int.self, "attempt"),
                       dueBy: try row.decodeIfPresent(Date.self, "due_by"),
                       nextAttemptAt: try row.decodeIfPresent(Date.self, "next_attempt_at"),
                       lastError: try row.decodeIfPresent(String.self, "last_error"),
                       updatedAt: try row.decode(Date.self, "updated_at"),
                       result: try row.decodeIfPresent(JSONB<TaskResult>.self, "result")?.value,
                       failingSince: try row.decodeIfPresent(Date.self, "failing_since"))
        }
        let bankNumber = try row.decodeIfPresent(String.self, "bank_account_number")
        return CaseRecord(
            id: id, seq: try row.decode(Int.self, "seq"), caseNo: caseNo,
            status: try row.decodeEnum(CaseStatus.self, "status"),
            filedAt: try row.decode(Date.self, "filed_at"),
            filedBy: try row.decodeEnum(FilerKind.self, "filed_by"),
            filedByToken: try row.decode(UUID.self, "filed_by_token"),
            organisation: try row.decodeIfPresent(String.self, "organisation_id"),
            retireeIDNumber: try row.decode(String.self, "retiree_id_number"),
            retireeName: try row.decode(String.self, "retiree_name"),
            sex: try row.decodeEnum(Sex.self, "sex"),
            birthDate: try row.decode(LocalDate.self, "birth_date"),
            category: try row.decodeEnum(RetirementCategory.self, "category"),
            retirementDate: try row.decode(LocalDate.self, "retirement_date"),
            choices: FilingChoices(pensionBenefit: try row.decode(Bool.self, "pension_benefit"),
                                   medicalTransfer: try row.decode(Bool.self, "medical_transfer"),
                                   housingFund: try row.decodeEnum(HousingFundAction.self, "housing_fund_action")),
            fundCentre: try row.decodeIfPresent(String.self, "fund_centre"),
            bankAccount: try bankNumber.map {
                BankAccount(bank: try row.decodeIfPresent(String.self, "bank_name") ?? "", accountNumber: $0,
                            holderName: try row.decodeIfPresent(String.self, "bank_holder_name") ?? "")
            },
            realNameRequired: try row.decode(Bool.self, "real_name_required"),
            realNameDeadline: try row.decodeIfPresent(LocalDate.self, "real_name_deadline"),
            realNameDoneAt: try row.decodeIfPresent(Date.self, "real_name_done_at"),
            notices: try row.decode(JSONB<[Notice]>.self, "notices").value,
            tasks: tasks)
    }

    /// A case's events, oldest first.
    public static func events(caseID: UUID, on db: PostgresConnection) throws -> [EventRecord] {
        try db.query("""
            SELECT at, item, from_status, to_status, attempt, actor, detail FROM events WHERE case_id = $1 ORDER BY id
            """, [caseID], name: "caseEvents").map { row in
            EventRecord(at: try row.decode(Date.self, "at"),
                        item: try row.decodeIfPresent(String.self, "item").flatMap(Item.init(rawValue:)),
                        from: try row.decodeIfPresent(String.self, "from_status"),
                        to: try row.decode(String.self, "to_status"),
                        attempt: try row.decodeIfPresent(Int.self, "attempt"),
                        actor: try row.decode(String.self, "actor"),
                        detail: try row.decodeIfPresent(String.self, "detail"))
        }
    }

    /// A page of cases, newest first, after the keyset cursor `beforeSeq`.
    public static func list(scope: CaseScope, status: CaseStatus?, limit: Int, beforeSeq: Int?,
                            on db: PostgresConnection) throws -> [CaseSummary] {
        var conditions = ["seq < $1"]
        var parameters: [any PostgresEncodable] = [beforeSeq ?? Int.max]
        switch scope {
        case .all: break
        case .organisation(let organisation):
            parameters.append(organisation)
            conditions.append("organisation_id = $\(parameters.count)")
        case .retiree(let idNumber):
            parameters.append(idNumber)
            conditions.append("retiree_id_number = $\(parameters.count)")
        }
        if let status {
            parameters.append(status.rawValue)
            conditions.append("status = $\(parameters.count)")
        }
        parameters.append(limit)
        // Only placeholders are assembled here; every value is bound.
        let sql = """
            SELECT seq, case_no, status, filed_at, filed_by, retiree_name, retiree_id_number, retirement_date, organisation_id
            FROM cases WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq DESC LIMIT $\(parameters.count)
            """
        return try db.query(sql, parameters, name: "listCases").map(summary)
    }

    /// A case-list line from a row with the list's columns.
    static func summary(_ row: PostgresRow) throws -> CaseSummary {
        CaseSummary(seq: try row.decode(Int.self, "seq"), caseNo: try row.decode(String.self, "case_no"),
                    status: try row.decodeEnum(CaseStatus.self, "status"),
                    filedAt: try row.decode(Date.self, "filed_at"),
                    filedBy: try row.decodeEnum(FilerKind.self, "filed_by"),
                    retireeName: try row.decode(String.self, "retiree_name"),
                    retireeIDNumber: try row.decode(String.self, "retiree_id_number"),
                    retirementDate: try row.decode(LocalDate.self, "retirement_date"),
                    organisation: try row.decodeIfPresent(String.self, "organisation_id"))
    }

    private static let insertCase = PreparedStatement(name: "insertCase", sql: """
        INSERT INTO cases (id, seq, case_no, status, filed_at, filed_by, filed_by_token, organisation_id,
            retiree_id_number, retiree_name, sex, birth_date, category, retirement_date, pension_benefit,
            medical_transfer, housing_fund_action, fund_centre, bank_name, bank_account_number, bank_holder_name,
            real_name_required, real_name_deadline, notices, idempotency_key, request_fingerprint, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
            $22, $23, $24, $25, $26, $5)
        """)

    private static let insertTask = PreparedStatement(name: "insertTask", sql: """
        INSERT INTO tasks (id, case_id, item, agency, status, attempt, ready_at, due_by, updated_at, case_seq,
                           retiree_id_number)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """)

    /// Uses `tasks_one_open_per_retiree_item`: only unfinished tasks are in it.
    private static let openCaseHolding = PreparedStatement(name: "openCaseHolding", sql: """
        SELECT c.case_no FROM tasks t JOIN cases c ON c.id = t.case_id
        WHERE t.retiree_id_number = $1 AND t.item = ANY($2::text[])
          AND t.status NOT IN ('succeeded', 'cancelled', 'abandoned')
        ORDER BY c.seq LIMIT 1
        """)

    private static let fundItemsDone = PreparedStatement(name: "fundItemsDone", sql: """
        SELECT DISTINCT t.item FROM cases c JOIN tasks t ON t.case_id = c.id
        WHERE c.retiree_id_number = $1 AND t.item IN ('fund.seal', 'fund.extraction') AND t.status = 'succeeded'
        """)

    private static let selectCase = PreparedStatement(name: "findCase", sql: """
        SELECT id, seq, status, filed_at, filed_by, filed_by_token, organisation_id, retiree_id_number, retiree_name,
               sex, birth_date, category, retirement_date, pension_benefit, medical_transfer, housing_fund_action,
               fund_centre, bank_name, bank_account_number, bank_holder_name, real_name_required, real_name_deadline,
               real_name_done_at, notices
        FROM cases WHERE case_no = $1
        """)

    private static let selectTasks = PreparedStatement(name: "caseTasks", sql: """
        SELECT id, item, agency, status, attempt, due_by, next_attempt_at, last_error, updated_at, result, failing_since
        FROM tasks WHERE case_id = $1 ORDER BY item
        """)
}
