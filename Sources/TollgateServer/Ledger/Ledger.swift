import Foundation
import GRDB
import TollgateCore

/// The server's durable record: actions, the event log behind the feed, idempotency keys and
/// the audit chain, in one SQLite database (WAL) through GRDB.
///
/// Every change to an action goes through `commit(_:in:)` inside a write transaction, which
/// appends a feed event (its `seq` comes from an AUTOINCREMENT key, so numbers are never
/// reused, even after pruning or a restart) and, for resolutions, an audit record.
/// SQLite's single writer is what serialises concurrent decisions.
public final class Ledger: Sendable {
    let pool: DatabasePool
    private let encoder: JSONEncoder

    /// Opens (creating, owner-only, and migrating) the database at `path`.
    public init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // NORMAL in WAL mode: a committed transaction survives a crash of the process
            // (kill -9); only a power loss can take back the last few.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let oldMask = umask(0o077)
        defer { umask(oldMask) }
        // All three before SQLite opens any: it keeps an existing -wal or -shm's mode, and a
        // new one gets the database file's, so a backup restored 0644 would leak through them.
        try OwnerOnlyFiles.tighten(OwnerOnlyFiles.sqliteFiles(of: path))
        pool = try DatabasePool(path: path, configuration: config)
        encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE actions (
                        id TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL,
                        requester_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX actions_pending_expiry ON actions(expires_at) WHERE status = 'pending';
                    CREATE INDEX actions_created ON actions(created_at DESC, id DESC);
                    CREATE INDEX actions_status_created ON actions(status, created_at DESC, id DESC);
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        action_id TEXT NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE TABLE idempotency (
                        principal TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        key TEXT NOT NULL,
                        request_hash TEXT NOT NULL,
                        action_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (principal, scope, key)
                    );
                    CREATE INDEX idempotency_age ON idempotency(created_at);
                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        action_id TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        json TEXT NOT NULL
                    );
                    """)
        }
        return m
    }

    // MARK: - Encoding

    /// The action's JSON as stored and sent: `JSONEncoder`'s bytes (sorted keys, `/` unescaped),
    /// written by the single-pass writer.
    func encode(_ action: Action) -> String {
        String(decoding: action.encodedJSON, as: UTF8.self)
    }

    /// Reads an action the ledger stored, with the single-pass reader (`JSONDecoder` only for
    /// anything it leaves aside): decisions read the action inside SQLite's single writer.
    func decodeAction(_ json: String) throws -> Action {
        try Action(json: json)
    }

    // MARK: - Writes (call inside `pool.writeWithoutTransaction` + a transaction)

    /// An action as stored: the value, and its JSON exactly as the API answers with it.
    public struct Stored: Sendable {
        public var action: Action
        public var json: String
    }

    /// A committed change: the action, its event's sequence number and the encoded JSON.
    public struct Change: Sendable {
        public var action: Action
        public var seq: Int64
        public var json: String

        public var stored: Stored { Stored(action: action, json: json) }
    }

    /// Records `action` as it now stands: appends its event, upserts its row, and appends an
    /// audit record when it has just been resolved.
    ///
    /// Every statement here runs on every change, so each is compiled once per connection
    /// (`cachedStatement`) rather than on every call.
    func commit(_ action: Action, in db: Database) throws -> Change {
        let json = encode(action)
        try db.cachedStatement(sql: "INSERT INTO events (action_id, json) VALUES (?, ?)").execute(arguments: [action.id, json])
        let seq = db.lastInsertedRowID
        try db.cachedStatement(
            sql: """
                INSERT INTO actions (id, status, requester_id, created_at, expires_at, seq, json) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, seq = excluded.seq, json = excluded.json
                """
        ).execute(arguments: [
            action.id, action.status.rawValue, action.requester.id, action.createdAt.milliseconds,
            action.expiresAt.milliseconds, seq, json,
        ])
        if action.status.isResolved {
            let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"))
            let prevSeq: Int64 = last?["seq"] ?? 0
            let prev: String = last?["hash"] ?? AuditRecord.genesis
            let record = AuditRecord(seq: prevSeq + 1, action: action, prev: prev)
            let recordJSON = String(decoding: try encoder.encode(record), as: UTF8.self)
            try db.cachedStatement(sql: "INSERT INTO audit (seq, action_id, hash, json) VALUES (?, ?, ?, ?)")
                .execute(arguments: [record.seq, record.actionID, record.hash, recordJSON])
        }
        return Change(action: action, seq: seq, json: json)
    }

    /// The action `id` read inside the current transaction.
    func action(id: String, in db: Database) throws -> Action? {
        try stored(id: id, in: db)?.action
    }

    /// The action `id` and its stored JSON, read inside the current transaction.
    func stored(id: String, in db: Database) throws -> Stored? {
        guard let json = try String.fetchOne(db.cachedStatement(sql: "SELECT json FROM actions WHERE id = ?"), arguments: [id]) else { return nil }
        return Stored(action: try decodeAction(json), json: json)
    }

    /// The action an idempotency key already produced, if the key was used.
    func idempotentAction(principal: String, scope: String, key: String, requestHash: String, in db: Database) throws(ProtocolError) -> String? {
        let row: Row?
        do {
            row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT request_hash, action_id FROM idempotency WHERE principal = ? AND scope = ? AND key = ?"),
                arguments: [principal, scope, key])
        } catch { throw ProtocolError(.internalError, "could not read idempotency keys") }
        guard let row else { return nil }
        let storedHash: String = row["request_hash"]
        guard storedHash == requestHash else {
            throw ProtocolError(.badRequest, "Idempotency-Key: this key was already used with a different request")
        }
        return row["action_id"]
    }

    func rememberIdempotency(principal: String, scope: String, key: String, requestHash: String, actionID: String, at now: Timestamp, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO idempotency (principal, scope, key, request_hash, action_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [principal, scope, key, requestHash, actionID, now.milliseconds])
    }

    /// Deletes events outside the replay window and idempotency keys past their retention.
    /// At most `limit` of each, oldest first; returns how many rows went, so the caller can come
    /// back for more in another transaction.
    func prune(keepEventsAfter seq: Int64, idempotencyBefore cutoff: Timestamp, limit: Int, in db: Database) throws -> Int {
        try db.execute(
            sql: "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)", arguments: [seq, limit])
        var deleted = db.changesCount
        try db.execute(
            sql: "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)",
            arguments: [cutoff.milliseconds, limit])
        deleted += db.changesCount
        return deleted
    }

    // MARK: - Reads

    /// The action `id` and its stored JSON, or nil.
    public func stored(id: String) throws -> Stored? {
        try pool.read { db in try self.stored(id: id, in: db) }
    }

    /// Pending actions whose expiry has come.
    func dueForExpiry(at now: Timestamp, in db: Database) throws -> [Action] {
        try String.fetchAll(
            db, sql: "SELECT json FROM actions WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT 1000",
            arguments: [now.milliseconds]
        ).map(decodeAction)
    }

    /// A page of actions, newest first, after `cursor` (`created_at ms` and `id` of the last row seen).
    public func list(status: ActionStatus?, since: Timestamp?, limit: Int, after cursor: (Int64, String)?) throws -> [Action] {
        try pool.read { db in
            var sql = "SELECT json FROM actions WHERE 1"
            var args: [any DatabaseValueConvertible] = []
            if let status { sql += " AND status = ?"; args.append(status.rawValue) }
            if let since { sql += " AND created_at >= ?"; args.append(since.milliseconds) }
            if let (ms, id) = cursor { sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"; args += [ms, ms, id] }
            sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
            args.append(limit)
            return try String.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(self.decodeAction)
        }
    }

    /// Audit records after `seq`, as stored JSON lines, oldest first.
    public func auditLines(after seq: Int64, limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT json FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
        }
    }

    /// What the feed hub needs at start-up: the last sequence number ever issued, the most
    /// recent events within the window, and every pending action with its latest seq.
    struct FeedState {
        var lastSeq: Int64
        var events: [(seq: Int64, json: String)]
        var pending: [(id: String, seq: Int64, json: String)]
    }

    func feedState(window: Int) throws -> FeedState {
        try pool.read { db in
            let lastSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") ?? 0
            let events = try Row.fetchAll(db, sql: "SELECT seq, json FROM events WHERE seq > ? ORDER BY seq", arguments: [lastSeq - Int64(window)])
                .map { (row: Row) in (seq: row["seq"] as Int64, json: row["json"] as String) }
            let pending = try Row.fetchAll(db, sql: "SELECT id, seq, json FROM actions WHERE status = 'pending' ORDER BY seq")
                .map { (row: Row) in (id: row["id"] as String, seq: row["seq"] as Int64, json: row["json"] as String) }
            return FeedState(lastSeq: lastSeq, events: events, pending: pending)
        }
    }
}
