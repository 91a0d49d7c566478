import Foundation
import Model
import Postgres

/// What the operators' case list filters on. Every field is optional; the task fields (`agency`,
/// `itemStatus`, `overdue`) describe one task: "a case with a failed fund task".
public struct CaseFilter: Sendable, Equatable {
    public var status: CaseStatus?
    public var agency: Agency?
    public var itemStatus: TaskStatus?
    /// Only cases with an unfinished task past its time limit at `now`.
    public var overdueAt: Date?
    /// Filed at or after / before these instants.
    public var filedFrom: Date?
    public var filedBefore: Date?
    public var caseNo: String?
    /// The last four characters of the retiree's ID number (what the masked number shows).
    public var idSuffix: String?
    public var organisation: String?

    public init(status: CaseStatus? = nil, agency: Agency? = nil, itemStatus: TaskStatus? = nil, overdueAt: Date? = nil,
                filedFrom: Date? = nil, filedBefore: Date? = nil, caseNo: String? = nil, idSuffix: String? = nil,
                organisation: String? = nil) {
        self.status = status
        self.agency = agency
        self.itemStatus = itemStatus
        self.overdueAt = overdueAt
        self.filedFrom = filedFrom
        self.filedBefore = filedBefore
        self.caseNo = caseNo
        self.idSuffix = idSuffix
        self.organisation = organisation
    }
}

/// A failed or dead task as the failed-work page lists it.
public struct AttentionTask: Sendable, Equatable {
    public var taskID: UUID
    public var caseSeq: Int
    public var caseNo: String
    public var item: Item
    public var agency: Agency
    public var status: TaskStatus
    public var attempt: Int
    public var lastError: String?
    public var updatedAt: Date
    public var retireeName: String
    public var retireeIDNumber: String
}

/// Which failed or dead tasks the failed-work page shows and bulk retrigger acts on.
public struct AttentionFilter: Sendable, Equatable {
    /// `failed`, `dead`, or nil for both.
    public var status: TaskStatus?
    public var agency: Agency?
    public var item: Item?

    public init(status: TaskStatus? = nil, agency: Agency? = nil, item: Item? = nil) {
        self.status = status
        self.agency = agency
        self.item = item
    }

    var statuses: [String] { status.map { [$0.rawValue] } ?? [TaskStatus.failed.rawValue, TaskStatus.dead.rawValue] }
}

/// The operators' searches. Each query is assembled from fixed fragments with every value bound,
/// and each filter has an index to stand on (migrations 0002 and 0007), so a page never scans the
/// task table.
public enum CaseSearch {
    /// A page of cases matching `filter`, newest first, before the keyset cursor `beforeSeq`.
    ///
    /// With a task filter the index can answer (an unfinished state, or past the time limit) the
    /// query walks those tasks in case order (`tasks_unfinished`, `tasks_open_by_case`) and stops
    /// after a page; otherwise it walks the cases (by `seq`, or the index of a case filter) and
    /// checks each for a matching task, which is cheap because nearly every case has one.
    public static func cases(_ filter: CaseFilter, limit: Int, beforeSeq: Int?, on db: PostgresConnection) throws -> [CaseSummary] {
        var parameters: [any PostgresEncodable] = []
        func bind(_ value: any PostgresEncodable) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        var conditions: [String] = []
        if let status = filter.status { conditions.append("c.status = \(bind(status.rawValue))") }
        if let organisation = filter.organisation { conditions.append("c.organisation_id = \(bind(organisation))") }
        if let caseNo = filter.caseNo { conditions.append("c.case_no = \(bind(caseNo))") }
        if let suffix = filter.idSuffix { conditions.append("right(c.retiree_id_number, 4) = \(bind(suffix))") }
        if let from = filter.filedFrom { conditions.append("c.filed_at >= \(bind(from))") }
        if let before = filter.filedBefore { conditions.append("c.filed_at < \(bind(before))") }
        var taskConditions: [String] = []
        if let agency = filter.agency { taskConditions.append("t.agency = \(bind(agency.rawValue))") }
        if let itemStatus = filter.itemStatus { taskConditions.append("t.status = \(bind(itemStatus.rawValue))") }
        if let now = filter.overdueAt {
            taskConditions.append("t.due_by IS NOT NULL AND t.due_by < \(bind(now)) AND t.status IN \(openStatuses)")
        }
        let columns = """
            c.seq, c.case_no, c.status, c.filed_at, c.filed_by, c.retiree_name, c.retiree_id_number,
            c.retirement_date, c.organisation_id
            """
        let sql: String
        if filter.overdueAt != nil || filter.itemStatus.map({ !finishedStatuses.contains($0) }) == true {
            if let beforeSeq { taskConditions.append("t.case_seq < \(bind(beforeSeq))") }
            if conditions.isEmpty {
                // Only task conditions: the page's case numbers come from the index alone, then
                // the cases are fetched by number (under a millisecond at a million cases).
                sql = """
                    WITH page AS (
                        SELECT DISTINCT t.case_seq FROM tasks t WHERE \(taskConditions.joined(separator: " AND "))
                        ORDER BY t.case_seq DESC LIMIT \(bind(limit)))
                    SELECT \(columns) FROM page p JOIN cases c ON c.seq = p.case_seq ORDER BY c.seq DESC
                    """
            } else {
                let all = taskConditions + conditions
                sql = """
                    SELECT DISTINCT ON (t.case_seq) \(columns)
                    FROM tasks t JOIN cases c ON c.id = t.case_id
                    WHERE \(all.joined(separator: " AND ")) ORDER BY t.case_seq DESC LIMIT \(bind(limit))
                    """
            }
        } else {
            if let beforeSeq { conditions.append("c.seq < \(bind(beforeSeq))") }
            if !taskConditions.isEmpty {
                conditions.append("EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND \(taskConditions.joined(separator: " AND ")))")
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            sql = "SELECT \(columns) FROM cases c \(whereClause) ORDER BY c.seq DESC LIMIT \(bind(limit))"
        }
        return try db.query(sql, parameters, name: "searchCases").map(CaseStore.summary)
    }

    /// States most tasks end in: not in `tasks_unfinished`.
    static let finishedStatuses: Set<TaskStatus> = [.succeeded, .cancelled, .abandoned]

    /// Failed and dead tasks matching `filter`: failed fund extractions first (their real-name
    /// window is running), then the rest; each group oldest case first. One small index walk per
    /// state (`tasks_unfinished`), merged here.
    public static func attention(_ filter: AttentionFilter, limit: Int, on db: PostgresConnection) throws -> [AttentionTask] {
        var groups: [[AttentionTask]] = []
        let fundFirst = filter.status != .dead && (filter.item == nil || filter.item == .fundExtraction)
            && (filter.agency == nil || filter.agency == .fund)
        if fundFirst {
            groups.append(try attentionPage(status: .failed, filter: filter, fundExtractions: true, limit: limit, on: db))
            // A page of fund extractions needs nothing after it.
            if groups[0].count >= limit { return groups[0] }
        }
        var rest: [AttentionTask] = []
        for status in filter.statuses.compactMap(TaskStatus.init(rawValue:)) {
            rest += try attentionPage(status: status, filter: filter, fundExtractions: fundFirst ? false : nil,
                                      limit: limit, on: db)
        }
        groups.append(rest.sorted { $0.caseSeq < $1.caseSeq })
        return Array(groups.joined().prefix(limit))
    }

    /// Up to `limit` tasks in one state, oldest case first; `fundExtractions` true: only failed fund
    /// extractions, false: all but those, nil: no such split.
    private static func attentionPage(status: TaskStatus, filter: AttentionFilter, fundExtractions: Bool?, limit: Int,
                                      on db: PostgresConnection) throws -> [AttentionTask] {
        var (conditions, parameters) = attentionConditions(filter, status: status)
        switch fundExtractions {
        case true?: conditions += " AND t.item = 'fund.extraction'"
        case false? where status == .failed: conditions += " AND t.item <> 'fund.extraction'"
        default: break
        }
        parameters.append(limit)
        let sql = """
            SELECT t.id, t.case_seq, c.case_no, t.item, t.agency, t.status, t.attempt, t.last_error, t.updated_at,
                   c.retiree_name, c.retiree_id_number
            FROM tasks t JOIN cases c ON c.id = t.case_id
            WHERE \(conditions)
            ORDER BY t.case_seq LIMIT $\(parameters.count)
            """
        return try db.query(sql, parameters, name: "attentionTasks").compactMap { row in
            guard let item = Item(rawValue: try row.decode(String.self, "item")),
                  let agency = Agency(rawValue: try row.decode(String.self, "agency")),
                  let status = TaskStatus(rawValue: try row.decode(String.self, "status"))
            else { return nil }
            return AttentionTask(taskID: try row.decode(UUID.self, "id"), caseSeq: try row.decode(Int.self, "case_seq"),
                                 caseNo: try row.decode(String.self, "case_no"),
                                 item: item, agency: agency, status: status, attempt: try row.decode(Int.self, "attempt"),
                                 lastError: try row.decodeIfPresent(String.self, "last_error"),
                                 updatedAt: try row.decode(Date.self, "updated_at"),
                                 retireeName: try row.decode(String.self, "retiree_name"),
                                 retireeIDNumber: try row.decode(String.self, "retiree_id_number"))
        }
    }

    /// How many tasks match `filter` (index `tasks_unfinished`).
    public static func attentionCount(_ filter: AttentionFilter, on db: PostgresConnection) throws -> Int {
        let (conditions, parameters) = attentionConditions(filter)
        return try db.query("SELECT count(*) AS n FROM tasks t WHERE \(conditions)", parameters,
                            name: "attentionCount").first?.decode(Int.self, "n") ?? 0
    }

    /// The ids of up to `limit` matching tasks after `afterID`, failed fund extractions in a first
    /// pass (`fundExtractions: true`) and everything else in a second: what bulk retrigger walks.
    public static func attentionIDs(_ filter: AttentionFilter, fundExtractions: Bool, after afterID: UUID?, limit: Int,
                                    on db: PostgresConnection) throws -> [UUID] {
        var (conditions, parameters) = attentionConditions(filter)
        parameters.append(fundExtractions)
        conditions += " AND ((t.item = 'fund.extraction' AND t.status = 'failed') = $\(parameters.count))"
        if let afterID {
            parameters.append(afterID)
            conditions += " AND t.id > $\(parameters.count)"
        }
        parameters.append(limit)
        return try db.query("SELECT t.id FROM tasks t WHERE \(conditions) ORDER BY t.id LIMIT $\(parameters.count)",
                            parameters, name: "attentionIDs").map { try $0.decode(UUID.self, "id") }
    }

    /// The filter as SQL conditions on `tasks t` and their bound values. With `status`, one state
    /// by equality, so the index walk comes back in case order.
    private static func attentionConditions(_ filter: AttentionFilter, status: TaskStatus? = nil)
        -> (String, [any PostgresEncodable]) {
        var parameters: [any PostgresEncodable]
        var conditions: [String]
        if let status {
            (parameters, conditions) = ([status.rawValue], ["t.status = $1"])
        } else {
            (parameters, conditions) = ([filter.statuses], ["t.status = ANY($1::text[])"])
        }
        if let agency = filter.agency {
            parameters.append(agency.rawValue)
            conditions.append("t.agency = $\(parameters.count)")
        }
        if let item = filter.item {
            parameters.append(item.rawValue)
            conditions.append("t.item = $\(parameters.count)")
        }
        return (conditions.joined(separator: " AND "), parameters)
    }

    /// Failed and dead tasks per agency and status, from the partial index `tasks_unfinished` alone.
    public static func attentionCounts(on db: PostgresConnection) throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for row in try db.query(countAttention) {
            counts[try row.decode(String.self, "agency"), default: [:]][try row.decode(String.self, "status")] =
                try row.decode(Int.self, "n")
        }
        return counts
    }

    /// Open tasks past their time limit at `now`, per agency (index `tasks_open_due_agency`).
    public static func overdueCounts(at now: Date, on db: PostgresConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.query(countOverdue, [now]) {
            counts[try row.decode(String.self, "agency")] = try row.decode(Int.self, "n")
        }
        return counts
    }

    /// Per agency, the open tasks whose run of transient faults began before `since` (the pension
    /// chain's stalled tasks: it never gives up, so a person must look). Uses `tasks_failing`.
    public static func stalledCounts(since: Date, on db: PostgresConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.query(countStalled, [since, stallingItems]) {
            counts[try row.decode(String.self, "agency")] = try row.decode(Int.self, "n")
        }
        return counts
    }

    /// The items whose policy can stall (never dead): a dead task keeps its fault run's start, but is not stalled.
    private static let stallingItems = ItemCatalogue.all.filter { $0.retryPolicy.stalledAfter != nil }.map(\.item.rawValue)

    private static let countStalled = PreparedStatement(name: "countStalled", sql: """
        SELECT agency, count(*) AS n FROM tasks
        WHERE failing_since IS NOT NULL AND failing_since <= $1
          AND status NOT IN ('succeeded', 'cancelled', 'abandoned') AND item = ANY($2::text[])
        GROUP BY agency
        """)

    /// `TaskStatus.open` as an SQL list of literals: the predicate of the partial index
    /// `tasks_open_due_agency` (migration 0007), which the planner can match only against constants.
    static let openStatuses = "(" + TaskStatus.open.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    private static let countAttention = PreparedStatement(name: "countAttention", sql: """
        SELECT agency, status, count(*) AS n FROM tasks
        WHERE status IN ('failed', 'dead') GROUP BY agency, status
        """)

    private static let countOverdue = PreparedStatement(name: "countOverdue", sql: """
        SELECT agency, count(*) AS n FROM tasks
        WHERE due_by IS NOT NULL AND due_by < $1
          AND status IN \(openStatuses)
        GROUP BY agency
        """)
}
