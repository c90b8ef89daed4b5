// # TollgateStore: the approver's local history cache
//
// One SQLite file (GRDB `DatabasePool`, WAL) holds everything an approver has seen, so the
// history is browsable with no network and a decision is on disk before it is sent.
// Several servers share one file; every row is keyed by server.
//
// ## Tables
// - `server(id, url UNIQUE, last_event_id)`: one row per server URL (exactly as given)
//   and the feed position to resume from (`Last-Event-ID`).
// - `action`: one slim row per (server, action id) as last seen: status, risk, kind,
//   environment, requester_id, on_behalf_of, created_at, expires_at, resolved_at (integer
//   milliseconds) and decision_count. Its row id is `created_at × 2^20 + n` (see `RowKey`),
//   so row id order is history order: every single-column index (status, risk, kind,
//   environment, server_id) yields rows newest first with no sort, and the keyset cursor is
//   that one integer. Pairs of the filters people combine most (status, risk, environment)
//   have an index each too, so a combination that matches little or nothing is a short
//   range rather than a walk through every row of one value. `(action_id, server_id)` is unique.
// - `action_body(id → action.id)`: the full action JSON (`JSONEncoder`, sorted keys) and the
//   searchable text: summary, command, resource, justification, context ("key value" lines)
//   and decision reasons. Kept apart so filter scans read small rows.
// - `action_fts`: FTS5 over `action_body` (external content, rowid = action id, unicode61
//   with diacritics folded, prefix indexes for 1-3 characters so typing stays fast). The
//   upsert keeps it in step in its own transaction, touching it only when the text changed.
//   Not by triggers: a trigger's statement savepoint makes FTS5 flush its pending terms
//   on every row, which made a 10,000-action snapshot four times slower.
// - `search_term(term)`: every term in `action_fts`, so a long last-word prefix becomes an
//   OR of real terms that FTS5 walks lazily (see `SearchVocabulary`).
// - `decision(action_row, position, approver, verdict, reason, at, digest)`: every decision
//   of every action, replaced on each upsert; (server, action id) is the action row's.
// - `action_party(role, name, action_row)`: requester id and on_behalf_of (role 0) and
//   approvers (role 1), deduplicated, so "asked by" and "decided by" are ordered index
//   ranges too.
// - `outbox`: decisions written before they are sent, with their outcome.
// - `audit_chain(id, first_hash)`: an audit chain, named by its first record's hash;
//   `server.audit_chain_id` is the chain last seen at that URL.
// - `audit_record(chain_id, seq, json)`: `/v1/audit` records, unique by (chain, seq).
//
// ## Queries
// A page first finds its row ids, then reads those rows. The ids come from one "driver"
// that yields them newest first (FTS5 for text, then `action_party` for an approver or
// requester, else `action` and its indexes); the other filters are checked on each row and
// the scan stops after `limit + 1` ids (see `HistorySQL`). A filter on several values of one
// column runs one ordered branch per value, merged (a plain IN would sort every match).
// Time ranges bound the row id as well as `created_at`. Text with other filters scans the
// index for a bounded number of matches, then lets the filters' side answer when it has
// only a few rows left (see `pageRowIDs`). Nothing on the hot path counts.
// BENCHMARKS.md (the "history" rows) has what this costs at a million actions.

import Foundation
import GRDB
import TollgateCore

/// The approver's local SQLite cache: actions as last seen, decisions, the outbox, the
/// audit chain and the feed position, per server.
///
/// Every method is synchronous, thread-safe and throws `StoreError` (path + what happened).
/// Example:
/// ```swift
/// let store = try HistoryStore(path: HistoryStore.defaultPath(environment: ProcessInfo.processInfo.environment))
/// try store.upsert(snapshot, server: "https://gate.example")
/// let page = try store.page(HistoryQuery(text: "customers", statuses: [.pending]), limit: 50, cursor: nil)
/// ```
public final class HistoryStore: Sendable {
    let writer: any DatabaseWriter
    /// The database file, or `:memory:`.
    public let path: String

    /// Opens (creating owner-only folders and file, and migrating) the cache at `path`.
    public convenience init(path: String) throws {
        try self.init(path: path, maximumPageCount: nil)
    }

    /// `maximumPageCount` caps the file's size, which lets tests fill the "disk".
    init(path: String, maximumPageCount: Int?) throws {
        self.path = path
        try StoreFiles.prepare(path: path)
        do {
            let pool = try DatabasePool(path: path, configuration: Self.configuration(maximumPageCount: maximumPageCount))
            writer = pool
            try Self.migrate(pool, path: path)
        } catch {
            throw StoreError.wrapping(error, path: path, operation: "opening")
        }
    }

    private init(memory writer: any DatabaseWriter) {
        self.writer = writer
        self.path = ":memory:"
    }

    /// A private cache that lives as long as the value: for tests and for running without a disk.
    public static func inMemory() throws -> HistoryStore {
        do {
            let queue = try DatabaseQueue(configuration: configuration(maximumPageCount: nil))
            try migrate(queue, path: ":memory:")
            return HistoryStore(memory: queue)
        } catch {
            throw StoreError.wrapping(error, path: ":memory:", operation: "opening")
        }
    }

    /// `$XDG_STATE_HOME/tollgate/history.sqlite`, else `~/.local/state/tollgate/history.sqlite`.
    public static func defaultPath(environment: [String: String]) -> String {
        StoreFiles.defaultPath(environment: environment)
    }

    /// "ok" when SQLite's integrity check passes and the search index matches its content;
    /// otherwise what is wrong, one problem per line.
    public func integrityCheck() throws -> String {
        // A write, because FTS5 takes its integrity check as an INSERT.
        try write("checking integrity") { db in
            let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard problems == ["ok"] else { return problems.joined(separator: "\n") }
            do {
                // rank 1 also compares the index with action_body, which catches a missed sync.
                try db.execute(sql: "INSERT INTO action_fts(action_fts, rank) VALUES ('integrity-check', 1)")
            } catch let error as DatabaseError {
                return "search index: \(error.message ?? "does not match its content")"
            }
            return "ok"
        }
    }

    // MARK: - Opening

    private static func configuration(maximumPageCount: Int?) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // The console and a `tollgate history` command may share the file.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            if let pages = maximumPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
        }
        return config
    }

    private static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = Schema.migrator
        let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrator.migrations).sorted().joined(separator: ", ")
            throw StoreError(.newerSchema, path: path, detail: "unknown migrations: \(unknown); use a newer tollgate or another file")
        }
        let scrubbed = try writer.read { db in try migrator.appliedIdentifiers(db) }.contains(Schema.scrubOutbox)
        try migrator.migrate(writer)
        if !scrubbed {
            // The old pages may still be in the WAL: copy the scrubbed ones over and empty it.
            // Best effort: a reader in another process can keep it busy, and then the last close,
            // which checkpoints and deletes the WAL, does it.
            _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
    }

    // MARK: - Access

    /// Runs `body` in a write transaction, translating every failure into a `StoreError`.
    func write<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError.wrapping(error, path: path, operation: operation())
        }
    }

    /// Runs `body` on a snapshot of the committed data.
    func read<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.wrapping(error, path: path, operation: operation())
        }
    }

    /// The id of `url`'s server row, created when missing.
    static func serverID(_ db: Database, url: String) throws -> Int64 {
        if let id = try existingServerID(db, url: url) { return id }
        try db.execute(sql: "INSERT INTO server(url) VALUES (?)", arguments: [url])
        return db.lastInsertedRowID
    }

    static func existingServerID(_ db: Database, url: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM server WHERE url = ?"), arguments: [url])
    }
}
