import Foundation
import GRDB
import TollgateCore

/// One action ready to store: its JSON, its searchable text, and how it is written.
struct ActionRow {
    let action: Action
    let json: String
    /// summary, command, resource, justification, context, reasons: the FTS5 columns.
    let searchText: [String]

    init(_ action: Action) {
        self.action = action
        // The form the server stores and sends, written in one pass (TollgateCore's writer).
        self.json = String(decoding: action.encodedJSON, as: UTF8.self)
        self.searchText = [
            action.summary,
            action.command ?? "",
            action.resource ?? "",
            action.justification ?? "",
            action.context.map { "\($0.key) \($0.value)" }.joined(separator: "\n"),
            action.decisions.map(\.reason).filter { !$0.isEmpty }.joined(separator: "\n"),
        ]
    }

    // MARK: - Upsert

    /// Inserts or updates the row for (`serverID`, action id), unless that would move it back
    /// in time or change nothing. Returns whether the searchable text was written, so its
    /// terms can join the vocabulary.
    static func upsert(_ row: ActionRow, serverID: Int64, _ db: Database) throws -> Bool {
        let action = row.action
        let existing = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT a.id, a.status, a.decision_count, a.created_at, b.json,
                           b.summary, b.command, b.resource, b.justification, b.context, b.reasons
                    FROM action a LEFT JOIN action_body b ON b.id = a.id
                    WHERE a.action_id = ? AND a.server_id = ?
                    """), arguments: [action.id, serverID])
        guard let existing else {
            try insert(row, serverID: serverID, db)
            return true
        }
        let rowID = try existing.decode(Int64.self, atIndex: 0)
        let storedStatus = ActionStatus(rawValue: try existing.decode(String.self, atIndex: 1))
        let storedDecisions = try existing.decode(Int.self, atIndex: 2)
        if action.status == .pending,
            storedStatus?.isResolved == true || storedDecisions > action.decisions.count
        {
            return false
        }
        let storedJSON = try existing.decode(String?.self, atIndex: 4)
        if storedJSON == row.json { return false }
        // Absent only when the body row is missing, which a cascade would have prevented.
        let storedText: [String]? = storedJSON == nil ? nil : try (5...10).map { try existing.decode(String.self, atIndex: $0) }

        if try existing.decode(Int64.self, atIndex: 3) != action.createdAt.milliseconds {
            // The row id encodes created_at; a moved time needs a new id (cascades clean up).
            if let storedText { try unindex(rowID, storedText, db) }
            try db.cachedStatement(sql: "DELETE FROM action WHERE id = ?").execute(arguments: [rowID])
            try insert(row, serverID: serverID, db)
            return true
        }
        try db.cachedStatement(
            sql: """
                UPDATE action SET status = ?, risk = ?, kind = ?, environment = ?, requester_id = ?,
                    on_behalf_of = ?, expires_at = ?, resolved_at = ?, decision_count = ?
                WHERE id = ?
                """
        ).execute(arguments: row.columnValues + [rowID])
        try db.cachedStatement(
            sql: """
                INSERT INTO action_body(id, json, summary, command, resource, justification, context, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET json = excluded.json, summary = excluded.summary,
                    command = excluded.command, resource = excluded.resource,
                    justification = excluded.justification, context = excluded.context, reasons = excluded.reasons
                """
        ).execute(arguments: row.bodyValues(rowID))
        let textChanged = storedText != row.searchText
        if textChanged {
            if let storedText { try unindex(rowID, storedText, db) }
            try index(rowID, row.searchText, db)
        }
        try db.cachedStatement(sql: "DELETE FROM decision WHERE action_row = ?").execute(arguments: [rowID])
        try db.cachedStatement(sql: "DELETE FROM action_party WHERE action_row = ?").execute(arguments: [rowID])
        try insertDetails(row, rowID: rowID, db)
        return textChanged
    }

    private static func insert(_ row: ActionRow, serverID: Int64, _ db: Database) throws {
        let created = row.action.createdAt
        let first = RowKey.bucketStart(created), last = RowKey.bucketEnd(created)
        let highest = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT max(id) FROM action WHERE id BETWEEN ? AND ?"), arguments: [first, last])
        let rowID: Int64
        switch highest {
        case nil: rowID = first
        case let id? where id < last: rowID = id + 1
        default:
            throw StoreError(
                .invalidData, path: "",
                detail:
                    "more than \(RowKey.slotsPerMillisecond) actions created at \(created); action \(row.action.id) not saved")
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO action(status, risk, kind, environment, requester_id, on_behalf_of, expires_at,
                    resolved_at, decision_count, id, server_id, action_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: row.columnValues + [rowID, serverID, row.action.id, created.milliseconds])
        try db.cachedStatement(
            sql: """
                INSERT INTO action_body(id, json, summary, command, resource, justification, context, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: row.bodyValues(rowID))
        try index(rowID, row.searchText, db)
        try insertDetails(row, rowID: rowID, db)
    }

    // MARK: - Search index

    private static func index(_ rowID: Int64, _ text: [String], _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO action_fts(rowid, summary, command, resource, justification, context, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: arguments(rowID, text))
    }

    /// Removes a row from the external-content index, which needs the exact text it indexed.
    private static func unindex(_ rowID: Int64, _ text: [String], _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO action_fts(action_fts, rowid, summary, command, resource, justification, context, reasons)
                VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: arguments(rowID, text))
    }

    /// Decisions and parties, which an update replaces wholesale.
    private static func insertDetails(_ row: ActionRow, rowID: Int64, _ db: Database) throws {
        let action = row.action
        let decision = try db.cachedStatement(
            sql: """
                INSERT INTO decision(action_row, position, approver, verdict, reason, at, digest) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, d) in action.decisions.enumerated() {
            try decision.execute(arguments: [rowID, position, d.approver, d.verdict.rawValue, d.reason, d.at.milliseconds, d.digest])
        }
        let party = try db.cachedStatement(sql: "INSERT OR IGNORE INTO action_party(role, name, action_row) VALUES (?, ?, ?)")
        try party.execute(arguments: [PartyRole.requester.rawValue, action.requester.id, rowID])
        if let onBehalfOf = action.requester.onBehalfOf {
            try party.execute(arguments: [PartyRole.requester.rawValue, onBehalfOf, rowID])
        }
        for d in action.decisions {
            try party.execute(arguments: [PartyRole.approver.rawValue, d.approver, rowID])
        }
    }

    // MARK: - Column values

    /// The `action` columns that may change, in the order both statements above list them.
    private var columnValues: StatementArguments {
        [
            action.status.rawValue, action.risk.rawValue, action.kind, action.environment, action.requester.id,
            action.requester.onBehalfOf, action.expiresAt.milliseconds, action.resolvedAt?.milliseconds,
            action.decisions.count,
        ]
    }

    private func bodyValues(_ rowID: Int64) -> StatementArguments {
        Self.arguments(rowID, [json] + searchText)
    }

    private static func arguments(_ rowID: Int64, _ text: [String]) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = [rowID]
        for value in text { values.append(value) }
        return StatementArguments(values)
    }
}
