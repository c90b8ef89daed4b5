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
        let rows: [ActionRow]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            rows = try actions.map { try ActionRow($0, encoder: encoder) }
        } catch {
            throw StoreError(.invalidData, path: path, detail: "cannot encode an action: \(error)")
        }
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
            try String.fetchOne(db, sql: """
                SELECT b.json FROM server s
                JOIN action a ON a.server_id = s.id AND a.action_id = ?
                JOIN action_body b ON b.id = a.id
                WHERE s.url = ?
                """, arguments: [id, server])
        }
        guard let json else { return nil }
        return try decode(json, what: "action \(id) from \(server)", with: JSONDecoder())
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
        let rows = try read("listing history") { db -> [(Int64, String, String)] in
            var serverID: Int64?
            if let url = query.server {
                guard let id = try Self.existingServerID(db, url: url) else { return [] }
                serverID = id
            }
            let match = try expression.map { try SearchVocabulary.match($0, db) }
            let ids = HistorySQL.pageIDs(query, match: match, serverID: serverID, before: before, limit: size + 1)
            let sql = """
                SELECT a.id, s.url, b.json FROM (\(ids.sql)) AS page
                CROSS JOIN action a ON a.id = page.id
                CROSS JOIN action_body b ON b.id = a.id
                CROSS JOIN server s ON s.id = a.server_id
                ORDER BY a.id DESC
                """
            return try Row.fetchAll(db, sql: sql, arguments: ids.arguments).map { row in
                (try row.decode(Int64.self, atIndex: 0), try row.decode(String.self, atIndex: 1), try row.decode(String.self, atIndex: 2))
            }
        }
        let kept = rows.prefix(size)
        let decoder = JSONDecoder()
        let actions = try kept.map { rowID, server, json in
            StoredAction(server: server, action: try decode(json, what: "action row \(rowID) from \(server)", with: decoder))
        }
        let next = rows.count > size ? kept.last.map { PageCursor.encode($0.0) } : nil
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

    private func decode(_ json: String, what: String, with decoder: JSONDecoder) throws -> Action {
        do {
            return try decoder.decode(Action.self, from: Data(json.utf8))
        } catch {
            throw StoreError.wrapping(error, path: path, operation: "reading \(what)")
        }
    }
}
