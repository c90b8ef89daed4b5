import Foundation
import GRDB
import TollgateCore

/// The embedded ledger: one SQLite database (WAL) through GRDB, the default when no
/// PostgreSQL URL is configured.
///
/// Every change goes through `commit(_:in:)` inside a write transaction, which appends a feed
/// event (its `seq` comes from an AUTOINCREMENT key, so numbers are never reused, even after
/// pruning or a restart) and, for resolutions, an audit record. SQLite's single writer is what
/// serialises concurrent decisions, and gives commit order to the sequence.
///
/// Changes reach the hub in two steps, so the writer never waits on a fan-out: staged inside
/// the writer right after the commit (so in sequence order), released once the writer is free.
public final class SQLiteLedger: LedgerStore {
    let pool: DatabasePool
    private let hub: FeedHub
    private let window: Int
    private let hooks: LedgerHooks

    /// Opens (creating, owner-only, and migrating) the database at `path`, whose commits
    /// `hub` publishes; `window` is how many recent events it replays.
    public init(path: String, hub: FeedHub, window: Int, hooks: LedgerHooks = LedgerHooks()) throws {
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
        self.hub = hub
        self.window = window
        self.hooks = hooks
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
        // The webhook outbox, written in the transaction of the change a delivery announces, and
        // the escalation windows already seen open, each (action, notifier) once. A delivery
        // names the event whose JSON it carries (`seq`; the prune keeps that event while the
        // delivery needs it) rather than storing the action again: a copy per notifier cost
        // half the submission throughput with three webhooks (tollgate-bench --only notify).
        m.registerMigration("v2-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        id TEXT PRIMARY KEY NOT NULL,
                        notifier TEXT NOT NULL,
                        event TEXT NOT NULL,
                        rank INTEGER NOT NULL,
                        action_id TEXT NOT NULL,
                        seq INTEGER,
                        action_json TEXT,
                        created_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        lease_until INTEGER NOT NULL DEFAULT 0,
                        failed INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT
                    );
                    CREATE INDEX outbox_due ON outbox(notifier, next_attempt_at) WHERE failed = 0;
                    CREATE INDEX outbox_action ON outbox(notifier, action_id, rank) WHERE failed = 0;
                    CREATE INDEX outbox_failed ON outbox(created_at) WHERE failed = 1;
                    CREATE TABLE escalations (
                        action_id TEXT NOT NULL,
                        notifier TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (action_id, notifier)
                    );
                    """)
        }
        return m
    }

    // MARK: - Writes

    /// Runs `body` in a write transaction, stages what it committed with the hub inside the
    /// writer, and releases it once the writer is free.
    ///
    /// The release is deferred: it runs even when the task is cancelled or the write throws,
    /// and publishes whatever any write staged, so a committed change is never left unpublished.
    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> (T, [Ledger.Change])) async throws -> T {
        defer { hub.release() }
        let (value, changes) = try await pool.writeWithoutTransaction { db in
            var result: (T, [Ledger.Change])?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            guard let result else { throw ProtocolError(.internalError, "transaction produced no result") }
            self.hub.stage(result.1.map(\.event))
            return result
        }
        hooks.after(changes)
        return value
    }

    public func submit(claim: Ledger.IdempotencyClaim?, _ make: @escaping @Sendable (Timestamp) throws -> Action) async throws -> Ledger.Stored {
        try await write { db in
            if let claim, let existingID = try self.idempotentAction(claim, in: db), let existing = try self.stored(id: existingID, in: db) {
                return (existing, [])
            }
            let now = Timestamp.now()
            let action = try make(now)
            if let claim { try self.remember(claim, actionID: action.id, at: now, in: db) }
            let change = try self.commit(action, previous: nil, at: now, in: db)
            return (change.stored, [change])
        }
    }

    public func update(
        id: String, claim: Ledger.IdempotencyClaim?, _ rule: @escaping @Sendable (Action, Timestamp) throws -> Ledger.Update
    ) async throws -> Ledger.Stored {
        try await write { db -> (Result<Ledger.Stored, ProtocolError>, [Ledger.Change]) in
            guard let stored = try self.stored(id: id, in: db) else { throw ProtocolError(.notFound, "no such action") }
            if let claim, try self.idempotentAction(claim, in: db) != nil { return (.success(stored), []) }
            let now = Timestamp.now()
            switch try rule(stored.action, now) {
            case .commit(let action):
                if let claim { try self.remember(claim, actionID: id, at: now, in: db) }
                let change = try self.commit(action, previous: stored.action, at: now, in: db)
                return (.success(change.stored), [change])
            case .commitThenRefuse(let action, let error):
                return (.failure(error), [try self.commit(action, previous: stored.action, at: now, in: db)])
            }
        }.get()
    }

    public func expireDue(_ expiring: @escaping @Sendable (Action, Timestamp) -> Action?) async throws -> Int {
        try await write { db in
            let now = Timestamp.now()
            let due = try String.fetchAll(
                db, sql: "SELECT json FROM actions WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT 1000",
                arguments: [now.milliseconds]
            ).map(Action.init(json:))
            let changes = try due.compactMap { action in try expiring(action, now).map { try self.commit($0, previous: action, at: now, in: db) } }
            return (changes.count, changes)
        }
    }

    public func escalateDue() async throws -> Int {
        let planner = hooks.planner
        let windows = planner.escalationWindows
        guard !windows.isEmpty else { return 0 }
        let (count, deliveries) = try await write { db -> ((Int, Int), [Ledger.Change]) in
            let now = Timestamp.now()
            var candidates: [String] = []
            for (notifier, seconds) in windows {
                // Pending, in this notifier's window, and not seen open for it before.
                candidates += try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM actions a WHERE status = 'pending' AND expires_at > ? AND expires_at <= ?
                        AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.action_id = a.id AND e.notifier = ?)
                        ORDER BY expires_at LIMIT 500
                        """, arguments: [now.milliseconds, now.milliseconds + Int64(seconds) * 1000, notifier])
            }
            var changes: [Ledger.Change] = []
            var (escalated, deliveries) = (0, 0)
            for id in Set(candidates).sorted() {
                guard let stored = try self.stored(id: id, in: db) else { continue }
                let (open, firing) = planner.escalations(of: stored.action, at: now)
                let newlyOpen = try open.filter { notifier in
                    try db.cachedStatement(sql: "INSERT INTO escalations (action_id, notifier, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                        .execute(arguments: [id, notifier, now.milliseconds])
                    return db.changesCount > 0
                }
                let (fire, update) = planner.escalation(of: stored.action, firing: firing, newlyOpen: newlyOpen, at: now)
                guard !fire.isEmpty else { continue }
                let change = try update.map { try self.commit($0, previous: stored.action, at: now, in: db) }
                changes += change.map { [$0] } ?? []
                for notifier in fire {
                    let delivery = Ledger.Delivery(
                        notifier: notifier, event: .escalation, actionID: id, actionJSON: change?.json ?? stored.json, createdAt: now)
                    try self.enqueue(delivery, seq: change?.seq, in: db)
                }
                escalated += 1
                deliveries += fire.count
            }
            return ((escalated, deliveries), changes)
        }
        if deliveries > 0 { hooks.deliveriesQueued() }
        return count
    }

    // MARK: - Outbox

    public func claimDeliveries(notifier: String, limit: Int, lease: Double) async throws -> [Ledger.Delivery] {
        // A read first: the dispatcher looks every second and after every send, and a write
        // transaction that finds nothing would still queue behind submissions for SQLite's writer.
        let due = try await pool.read { db in
            let now = Timestamp.now().milliseconds
            return try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE notifier = ? AND failed = 0 AND next_attempt_at <= ? AND lease_until <= ?)",
                arguments: [notifier, now, now]) ?? false
        }
        guard due else { return [] }
        return try await pool.write { db in
            let now = Timestamp.now().milliseconds
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id IN (
                        SELECT id FROM outbox o WHERE notifier = ? AND failed = 0 AND next_attempt_at <= ? AND lease_until <= ?
                        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.notifier = o.notifier AND e.action_id = o.action_id
                            AND e.failed = 0 AND e.rank < o.rank)
                        ORDER BY next_attempt_at LIMIT ?)
                    RETURNING id, notifier, event, action_id, seq, action_json, created_at, attempts
                    """, arguments: [now + Int64(lease * 1000), notifier, now, now, limit]
            ).compactMap { row in try Self.delivery(row, in: db) }
        }
    }

    /// A claimed row as a delivery, with the JSON of the event it names; nil for an event this
    /// version does not know (written by a newer one), which stays leased and is tried again
    /// after the lease.
    private static func delivery(_ row: Row, in db: Database) throws -> Ledger.Delivery? {
        guard let event = NotifierSettings.Event(rawValue: row["event"]) else { return nil }
        let actionID: String = row["action_id"]
        let json: String? =
            try row["action_json"]
            ?? String.fetchOne(db.cachedStatement(sql: "SELECT json FROM events WHERE seq = ?"), arguments: [row["seq"] as Int64?])
            // The prune keeps a named event; should it be gone all the same, the action as it stands.
            ?? String.fetchOne(db.cachedStatement(sql: "SELECT json FROM actions WHERE id = ?"), arguments: [actionID])
        guard let json else { return nil }
        return Ledger.Delivery(
            id: row["id"], notifier: row["notifier"], event: event, actionID: actionID, actionJSON: json,
            createdAt: Timestamp(milliseconds: row["created_at"]), attempts: row["attempts"])
    }

    public func settleDelivery(id: String, _ outcome: Ledger.DeliveryOutcome) async throws {
        try await pool.write { db in
            switch outcome {
            case .delivered:
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            case .retry(let at, let error):
                try db.execute(
                    sql: "UPDATE outbox SET next_attempt_at = ?, lease_until = 0, last_error = ? WHERE id = ?", arguments: [at.milliseconds, error, id])
            case .failed(let error):
                try db.execute(sql: "UPDATE outbox SET failed = 1, lease_until = 0, last_error = ? WHERE id = ?", arguments: [error, id])
            }
        }
    }

    public func outboxDepth() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE failed = 0") ?? 0 }
    }

    public func dropDeliveries(keeping configured: [String]) async throws -> [String: Int] {
        try await pool.write { db in
            let known = Set(configured)
            var dropped: [String: Int] = [:]
            for notifier in try String.fetchAll(db, sql: "SELECT DISTINCT notifier FROM outbox WHERE failed = 0") where !known.contains(notifier) {
                try db.execute(sql: "DELETE FROM outbox WHERE notifier = ? AND failed = 0", arguments: [notifier])
                dropped[notifier] = db.changesCount
            }
            return dropped
        }
    }

    /// Queues `delivery`, carrying the JSON of event `seq`, or its own copy when no event of
    /// this transaction holds it.
    private func enqueue(_ delivery: Ledger.Delivery, seq: Int64?, in db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO outbox (id, notifier, event, rank, action_id, seq, action_json, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            delivery.id, delivery.notifier, delivery.event.rawValue, delivery.event.rank, delivery.actionID, seq,
            seq == nil ? delivery.actionJSON : nil, delivery.createdAt.milliseconds, delivery.createdAt.milliseconds,
        ])
    }

    public func prune(keepEventsAfter seq: Int64, idempotencyBefore cutoff: Timestamp, limit: Int) async throws -> Int {
        try await pool.write { db in
            // Not an event a queued or failed delivery still carries.
            try db.execute(
                sql: """
                    DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ?
                        AND seq NOT IN (SELECT seq FROM outbox WHERE seq IS NOT NULL) ORDER BY seq LIMIT ?)
                    """, arguments: [seq, limit])
            var deleted = db.changesCount
            try db.execute(
                sql: "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)",
                arguments: [cutoff.milliseconds, limit])
            deleted += db.changesCount
            try db.execute(
                sql: "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE failed = 1 AND created_at < ? ORDER BY created_at LIMIT ?)",
                arguments: [cutoff.milliseconds, limit])
            deleted += db.changesCount
            return deleted
        }
    }

    /// Records `action` as it now stands (it was `previous`): appends its event, upserts its
    /// row, appends an audit record when it has just been resolved, and queues the webhook
    /// deliveries the change owes.
    ///
    /// Every statement here runs on every change, so each is compiled once per connection
    /// (`cachedStatement`) rather than on every call.
    private func commit(_ action: Action, previous: Action?, at now: Timestamp, in db: Database) throws -> Ledger.Change {
        let json = String(decoding: action.encodedJSON, as: UTF8.self)
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
            let record = AuditRecord(seq: (last?["seq"] ?? 0) + 1, action: action, prev: last?["hash"] ?? AuditRecord.genesis)
            try db.cachedStatement(sql: "INSERT INTO audit (seq, action_id, hash, json) VALUES (?, ?, ?, ?)")
                .execute(arguments: [record.seq, record.actionID, record.hash, try Ledger.auditJSON(record)])
            // Its escalation windows can no longer open: the marks have done their work.
            try db.cachedStatement(sql: "DELETE FROM escalations WHERE action_id = ?").execute(arguments: [action.id])
        }
        var change = Ledger.Change(action: action, previous: previous, seq: seq, json: json)
        let deliveries = hooks.planner.deliveries(for: change.transition, json: json, at: now)
        for delivery in deliveries { try enqueue(delivery, seq: seq, in: db) }
        change.deliveries = deliveries.count
        return change
    }

    /// The action `id` and its stored JSON, read inside the current transaction.
    private func stored(id: String, in db: Database) throws -> Ledger.Stored? {
        guard let json = try String.fetchOne(db.cachedStatement(sql: "SELECT json FROM actions WHERE id = ?"), arguments: [id]) else { return nil }
        return Ledger.Stored(action: try Action(json: json), json: json)
    }

    /// The action an idempotency key already produced, if the key was used.
    private func idempotentAction(_ claim: Ledger.IdempotencyClaim, in db: Database) throws -> String? {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT request_hash, action_id FROM idempotency WHERE principal = ? AND scope = ? AND key = ?"),
            arguments: [claim.principal, claim.scope, claim.key])
        guard let row else { return nil }
        return try Ledger.replay(storedHash: row["request_hash"], actionID: row["action_id"], for: claim)
    }

    private func remember(_ claim: Ledger.IdempotencyClaim, actionID: String, at now: Timestamp, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO idempotency (principal, scope, key, request_hash, action_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [claim.principal, claim.scope, claim.key, claim.requestHash, actionID, now.milliseconds])
    }

    // MARK: - Reads

    public func stored(id: String) async throws -> Ledger.Stored? {
        try await pool.read { db in try self.stored(id: id, in: db) }
    }

    public func list(status: ActionStatus?, since: Timestamp?, limit: Int, after cursor: (Int64, String)?) async throws -> [Action] {
        var sql = "SELECT json FROM actions WHERE 1"
        var args: [any DatabaseValueConvertible & Sendable] = []
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        if let since { sql += " AND created_at >= ?"; args.append(since.milliseconds) }
        if let (ms, id) = cursor { sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"; args += [ms, ms, id] }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        args.append(limit)
        let query = sql
        let arguments = args
        return try await pool.read { db in
            try String.fetchAll(db, sql: query, arguments: StatementArguments(arguments)).map(Action.init(json:))
        }
    }

    public func auditLines(after seq: Int64, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT json FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
        }
    }

    // MARK: - Feed

    public func startFeed() async throws {
        let window = self.window
        hub.load(
            try await pool.read { db in
                let lastSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") ?? 0
                let events = try Row.fetchAll(db, sql: "SELECT seq, json FROM events WHERE seq > ? ORDER BY seq", arguments: [lastSeq - Int64(window)])
                    .map { (row: Row) in (seq: row["seq"] as Int64, json: row["json"] as String) }
                let pending = try Row.fetchAll(db, sql: "SELECT id, seq, json FROM actions WHERE status = 'pending' ORDER BY seq")
                    .map { (row: Row) in (id: row["id"] as String, seq: row["seq"] as Int64, json: row["json"] as String) }
                return Ledger.FeedState(lastSeq: lastSeq, events: events, pending: pending)
            })
    }

    /// Every commit is this process's and published before its write returns: there is nothing to wait for.
    public func awaitFeed(through seq: Int64, timeout: Double) async -> Bool { hub.lastSeq >= seq }

    public func close() async {}
}
