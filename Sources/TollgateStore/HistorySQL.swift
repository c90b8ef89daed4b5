import GRDB
import TollgateCore

/// The SQL of one history query, planned by hand so that any filter stays fast on a
/// million rows.
///
/// One "driver" yields action row ids newest first as an index range: FTS5 for text
/// (rowid order is history order, see `RowKey`), `action_party` for an approver or a
/// requester, else `action` itself, where SQLite picks among the single-column and pair
/// indexes (each ordered by row id within its values). Every other filter is checked on the row the
/// driver reaches, and the scan stops after `limit` rows. On the `action` driver, a filter
/// on several values of one column becomes one ordered branch per value, merged by
/// `UNION ALL … ORDER BY`, since an indexed IN would sort every match before the first row.
struct HistorySQL {
    var sql: String
    var arguments: StatementArguments

    /// More values than this in the split column are checked per row instead.
    static let maximumBranches = 64

    /// Ids of the page's rows, newest first; `limit` rows at most, all below `cursor`.
    static func pageIDs(_ query: HistoryQuery, match: String?, serverID: Int64?, before cursor: Int64?, limit: Int) -> HistorySQL {
        let driver = Driver(query, match: match)
        let sets = SetFilter.all(query)
        let split: SetFilter? =
            driver == .table
            ? sets.filter { (2...maximumBranches).contains($0.values.count) }.min { $0.values.count < $1.values.count }
            : nil

        var base = Clauses(driver: driver, query: query, serverID: serverID)
        for set in sets where set.column != split?.column {
            base.add(set, indexed: false)
        }
        if let cursor { base.add("\(driver.rowID) < ?", [cursor]) }

        let branches: [Clauses] =
            split.map { set in
                set.values.map { value in
                    var branch = base
                    branch.add("a.\(set.column) = ?", [value])
                    return branch
                }
            } ?? [base]

        var arguments: [(any DatabaseValueConvertible)?] = []
        let selects = branches.map { branch in
            arguments += branch.arguments + [limit]
            return "SELECT \(driver.rowID) AS id FROM \(driver.from) WHERE \(branch.sql) ORDER BY \(driver.rowID) DESC LIMIT ?"
        }
        guard selects.count > 1 else {
            return HistorySQL(sql: selects[0], arguments: StatementArguments(arguments))
        }
        arguments.append(limit)
        let merged = selects.map { "SELECT id FROM (\($0))" }.joined(separator: " UNION ALL ") + " ORDER BY id DESC LIMIT ?"
        return HistorySQL(sql: merged, arguments: StatementArguments(arguments))
    }

    /// Up to `budget` rows the search index matches below `before`, newest first, each with
    /// whether it passes every other filter: a bounded first step for a search with filters,
    /// so that finding the filters' few rows never waits for a walk through a common word.
    static func searchScan(_ query: HistoryQuery, match: String, serverID: Int64?, before: Int64?, budget: Int) -> HistorySQL {
        let driver = Driver.search(match)
        var filters = Clauses(driver: driver, query: query, serverID: serverID, includeMatch: false)
        for set in SetFilter.all(query) {
            filters.add(set, indexed: false)
        }
        var bounds = Clauses()
        bounds.add("action_fts MATCH ?", [match])
        if let before { bounds.add("action_fts.rowid < ?", [before]) }
        if let since = query.since { bounds.add("action_fts.rowid >= ?", [RowKey.lowerBound(since: since)]) }
        if let bound = query.until.flatMap(RowKey.upperBound(until:)) { bounds.add("action_fts.rowid < ?", [bound]) }
        return HistorySQL(
            // coalesce: a filter on a NULL column (no environment) yields NULL, which is "no".
            sql: "SELECT action_fts.rowid, coalesce((\(filters.sql)), 0) FROM \(driver.from) WHERE \(bounds.sql) ORDER BY action_fts.rowid DESC LIMIT ?",
            arguments: StatementArguments(filters.arguments + bounds.arguments + [budget]))
    }

    /// Whether `query` filters rows by more than text and time.
    static func hasRowFilters(_ query: HistoryQuery) -> Bool {
        !SetFilter.all(query).isEmpty || query.server != nil || query.requester != nil || query.approver != nil
    }

    /// How many rows match, all pages together. Not for the hot path: it visits every match.
    static func count(_ query: HistoryQuery, match: String?, serverID: Int64?) -> HistorySQL {
        let driver = Driver(query, match: match)
        var clauses = Clauses(driver: driver, query: query, serverID: serverID)
        for set in SetFilter.all(query) {
            clauses.add(set, indexed: true)
        }
        return HistorySQL(
            sql: "SELECT count(*) FROM \(driver.from) WHERE \(clauses.sql)",
            arguments: StatementArguments(clauses.arguments))
    }
}

/// Which side of an action a principal is on, in `action_party`.
enum PartyRole: Int {
    /// The requester's id, or the principal it acted on behalf of.
    case requester = 0
    case approver = 1
}

// MARK: - Parts

/// Where the row ids come from.
private enum Driver: Equatable {
    case search(String)
    case party(PartyRole, String)
    case table

    init(_ query: HistoryQuery, match: String?) {
        if let match {
            self = .search(match)
        } else if let approver = query.approver {
            self = .party(.approver, approver)
        } else if let requester = query.requester {
            self = .party(.requester, requester)
        } else {
            self = .table
        }
    }

    /// The tables, with the driver first: CROSS JOIN keeps SQLite from reordering them.
    var from: String {
        switch self {
        case .search: "action_fts CROSS JOIN action a ON a.id = action_fts.rowid"
        case .party: "action_party p CROSS JOIN action a ON a.id = p.action_row"
        case .table: "action a"
        }
    }

    /// The driver's row id column, which range bounds and ORDER BY must name.
    var rowID: String {
        switch self {
        case .search: "action_fts.rowid"
        case .party: "p.action_row"
        case .table: "a.id"
        }
    }

    func drives(_ role: PartyRole) -> Bool {
        if case .party(let r, _) = self { return r == role }
        return false
    }
}

/// One "any of these values" filter on an `action` column, values sorted so that equal
/// queries give equal SQL.
private struct SetFilter {
    var column: String
    var values: [String]

    static func all(_ query: HistoryQuery) -> [SetFilter] {
        [
            SetFilter(column: "status", values: query.statuses.map(\.rawValue).sorted()),
            SetFilter(column: "risk", values: query.risks.map(\.rawValue).sorted()),
            SetFilter(column: "kind", values: query.kinds.sorted()),
            SetFilter(column: "environment", values: query.environments.sorted()),
        ].filter { !$0.values.isEmpty }
    }
}

/// WHERE terms and their arguments, in matching order.
private struct Clauses {
    private var terms: [String] = []
    private(set) var arguments: [(any DatabaseValueConvertible)?] = []

    var sql: String { terms.isEmpty ? "1" : terms.joined(separator: " AND ") }

    init() {}

    /// The driver's own terms (the MATCH only when `includeMatch`) and every filter that
    /// is not a value set.
    init(driver: Driver, query: HistoryQuery, serverID: Int64?, includeMatch: Bool = true) {
        switch driver {
        case .search(let match):
            if includeMatch { add("action_fts MATCH ?", [match]) }
        case .party(let role, let name):
            add("p.role = ? AND p.name = ?", [role.rawValue, name])
        case .table:
            break
        }
        if let serverID { add("a.server_id = ?", [serverID]) }
        if let since = query.since {
            add("\(driver.rowID) >= ? AND a.created_at >= ?", [RowKey.lowerBound(since: since), since.milliseconds])
        }
        if let until = query.until {
            if let bound = RowKey.upperBound(until: until) { add("\(driver.rowID) < ?", [bound]) }
            add("a.created_at < ?", [until.milliseconds])
        }
        for (role, name) in [(PartyRole.approver, query.approver), (.requester, query.requester)] {
            guard let name, !driver.drives(role) else { continue }
            add("EXISTS (SELECT 1 FROM action_party x WHERE x.role = ? AND x.name = ? AND x.action_row = a.id)", [role.rawValue, name])
        }
    }

    mutating func add(_ term: String, _ values: [(any DatabaseValueConvertible)?]) {
        terms.append(term)
        arguments += values
    }

    /// `indexed: false` hides a multi-value IN from the planner (the unary `+`), so it never
    /// picks an index range that needs a sort over a range it can walk in order.
    mutating func add(_ set: SetFilter, indexed: Bool) {
        if set.values.count == 1 {
            add("a.\(set.column) = ?", [set.values[0]])
        } else {
            let marks = Array(repeating: "?", count: set.values.count).joined(separator: ", ")
            add("\(indexed ? "" : "+")a.\(set.column) IN (\(marks))", set.values)
        }
    }
}
