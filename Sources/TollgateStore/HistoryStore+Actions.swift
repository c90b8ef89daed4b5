import Foundation
import GRDB
import TollgateCore

extension HistoryStore {
    /// The largest page `page(_:limit:cursor:)` returns.
    public static let maximumPageSize = 10_000

    // MARK: - Writing

    /// Saves `actions` as last seen from `server`, all in one transaction.
    ///
    /// Idempotent: an action already stored in exactly this state is skipped. Never
    /// regresses: a pending state does not replace a resolved one (a resolved action never
    /// changes again) nor a pending one with more decisions (decisions only accumulate), so
    /// an old snapshot arriving after a live event changes nothing.
    public func upsert(_ actions: [Action], server: String) throws {
        guard !actions.isEmpty else { return }
        // Encoded before taking the write lock, which other processes may be waiting for.
        let rows = actions.map(ActionRow.init)
        try write("saving \(actions.count) actions from \(server)") { db in
            let serverID = try Self.serverID(db, url: server)
            var newText: [[String]] = []
            for row in rows {
                if try ActionRow.upsert(row, serverID: serverID, db) { newText.append(row.searchText) }
            }
            try SearchVocabulary.record(newText, db)
        }
    }

    // MARK: - Reading

    /// The action `id` from `server` as last seen, or nil when the cache has never seen it.
    public func action(id: String, server: String) throws -> Action? {
        let json = try read("reading action \(id)") { db in
            try Data.fetchOne(
                db,
                sql: """
                    SELECT b.json FROM server s
                    JOIN action a ON a.server_id = s.id AND a.action_id = ?
                    JOIN action_body b ON b.id = a.id
                    WHERE s.url = ?
                    """, arguments: [id, server])
        }
        guard let json else { return nil }
        return try decode(json, what: "action \(id) from \(server)")
    }

    /// One page of the actions matching `query`, newest first (by created_at, then by
    /// arrival order within a millisecond).
    ///
    /// `limit` is clamped to 1…`maximumPageSize`. Pass the returned `nextCursor` to get the
    /// next page; it stays valid while new actions arrive (they sort before it).
    public func page(_ query: HistoryQuery, limit: Int, cursor: String?) throws -> HistoryPage {
        let size = min(max(limit, 1), Self.maximumPageSize)
        var before: Int64?
        if let cursor {
            guard let rowID = PageCursor.decode(cursor) else {
                throw StoreError(.invalidCursor, path: path, detail: "\(cursor.debugDescription) is not a cursor from this store")
            }
            before = rowID
        }
        let expression = SearchExpression(query.text)
        // Actions are decoded straight from SQLite's bytes, row by row: copying each one's JSON
        // into a String first cost a kilobyte per action, freed between the decoded actions'
        // own allocations, where the allocator can never give the pages back.
        let (actions, next) = try read("listing history") { db -> ([StoredAction], String?) in
            var serverID: Int64?
            if let url = query.server {
                guard let id = try Self.existingServerID(db, url: url) else { return ([], nil) }
                serverID = id
            }
            let match = try expression.map { try SearchVocabulary.match($0, db) }
            let ids = try Self.pageRowIDs(db, query, match: match, serverID: serverID, before: before, limit: size + 1)
            guard !ids.isEmpty else { return ([], nil) }
            // The page is the `size` newest rows (highest ids); one more found means a next page.
            let kept = Array(ids.sorted(by: >).prefix(size))
            let marks = Array(repeating: "?", count: kept.count).joined(separator: ", ")
            let sql = """
                SELECT a.id, s.url, b.json FROM action a
                JOIN action_body b ON b.id = a.id
                JOIN server s ON s.id = a.server_id
                WHERE a.id IN (\(marks))
                ORDER BY a.id DESC
                """
            var found: [StoredAction] = []
            found.reserveCapacity(kept.count)
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(kept))
            while let row = try rows.next() {
                let rowID: Int64 = try row.decode(Int64.self, atIndex: 0)
                let server: String = try row.decode(String.self, atIndex: 1)
                let action = try row.withUnsafeData(atIndex: 2) { data in
                    try decode(data ?? Data(), what: "action row \(rowID) from \(server)")
                }
                found.append(StoredAction(server: server, action: action))
            }
            return (found, ids.count > size ? kept.last.map(PageCursor.encode) : nil)
        }
        return HistoryPage(actions: actions, nextCursor: next)
    }

    /// How many actions match `query`. It visits every match: for a status line, not for
    /// every keystroke.
    public func count(_ query: HistoryQuery) throws -> Int {
        let expression = SearchExpression(query.text)
        return try read("counting history") { db in
            var serverID: Int64?
            if let url = query.server {
                guard let id = try Self.existingServerID(db, url: url) else { return 0 }
                serverID = id
            }
            let match = try expression.map { try SearchVocabulary.match($0, db) }
            let sql = HistorySQL.count(query, match: match, serverID: serverID)
            return try Int.fetchOne(db, sql: sql.sql, arguments: sql.arguments) ?? 0
        }
    }

    // MARK: - Planning a page

    /// FTS5 candidates a search with filters examines before asking the filters' side.
    static let searchScanBudget = 2_048
    /// Rows passing the other filters few enough to check against the index one by one
    /// (each check costs FTS5 a fresh parse and seek, up to half a millisecond).
    static let fewCandidates = 48

    /// Ids of up to `limit` matching rows below `before`, newest first.
    ///
    /// Text with other filters has two sides: the words' matches and the filters' rows, and
    /// either may be the small one. The search index goes first, for `searchScanBudget`
    /// matches. If that does not fill the page, the filters' side is asked for its rows below
    /// the scanned range; when there are at most `fewCandidates`, each is checked against the
    /// index and the page is complete, so a common word with rare filters stays fast. Only
    /// when both sides are broad does the search continue through the index.
    private static func pageRowIDs(
        _ db: Database, _ query: HistoryQuery, match: String?, serverID: Int64?, before: Int64?, limit: Int
    ) throws -> [Int64] {
        guard let match, HistorySQL.hasRowFilters(query) else {
            return try ids(db, HistorySQL.pageIDs(query, match: match, serverID: serverID, before: before, limit: limit))
        }
        let scan = HistorySQL.searchScan(query, match: match, serverID: serverID, before: before, budget: searchScanBudget)
        let scanned = try Row.fetchAll(db, sql: scan.sql, arguments: scan.arguments)
        var found: [Int64] = []
        for row in scanned {
            if try row.decode(Bool.self, atIndex: 1) { found.append(try row.decode(Int64.self, atIndex: 0)) }
        }
        guard found.count < limit, scanned.count == searchScanBudget, let last = scanned.last else {
            return Array(found.prefix(limit))
        }
        // Every row at or above `scannedDown` has been decided.
        let scannedDown = try last.decode(Int64.self, atIndex: 0)

        var filtersOnly = query
        filtersOnly.text = ""
        let candidates = try ids(
            db,
            HistorySQL.pageIDs(
                filtersOnly, match: nil, serverID: serverID, before: scannedDown, limit: fewCandidates + 1))
        if candidates.count <= fewCandidates {
            let check = try db.cachedStatement(sql: "SELECT 1 FROM action_fts WHERE action_fts MATCH ? AND rowid = ?")
            for id in candidates where found.count < limit {
                if try Int.fetchOne(check, arguments: [match, id]) != nil { found.append(id) }
            }
            return found
        }
        let rest = HistorySQL.pageIDs(query, match: match, serverID: serverID, before: scannedDown, limit: limit - found.count)
        return found + (try ids(db, rest))
    }

    private static func ids(_ db: Database, _ sql: HistorySQL) throws -> [Int64] {
        try Int64.fetchAll(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// The stored JSON as an action, through the single-pass reader (`Action(json:)`).
    private func decode(_ json: Data, what: String) throws -> Action {
        do {
            return try Action(json: json)
        } catch {
            throw StoreError.wrapping(error, path: path, operation: "reading \(what)")
        }
    }
}
