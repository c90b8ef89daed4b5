import Foundation
import Logging
import PostgresNIO
import TollgateCore

/// The ledger in PostgreSQL, shared by any number of `tollgate serve` replicas.
///
/// Writes run in one transaction each over a pooled connection (`PostgresClient`). An update
/// locks the action's row (`FOR UPDATE`), so two replicas deciding the same action at once
/// take turns, the second reading what the first committed. Every commit then updates the
/// single `ledger_head` row to take the next sequence number: that row's lock is held to the
/// end of the transaction, so sequence numbers are issued in commit order and a transaction
/// that rolls back gives its number back — gap-free. The audit chain's head lives in the same
/// row, so the chain stays one line. `pg_notify` in the same statement tells every replica's
/// follower (`PostgresFeedFollower`) at commit that there is something to read.
public final class PostgresLedger: LedgerStore {
    private let client: PostgresClient
    private let clientTask: Task<Void, Never>
    private let follower: PostgresFeedFollower
    private let hub: FeedHub
    private let window: Int
    private let logger: Logger
    private let hooks: LedgerHooks
    /// The longest a request waits on the database before answering 503: while PostgreSQL is
    /// down the pool keeps trying to connect, and a client should hear so, not hang.
    static let operationTimeout: Double = 5

    /// The channel commits are announced on (payload: the sequence number).
    static let channel = "tollgate_events"

    private init(
        client: PostgresClient, clientTask: Task<Void, Never>, follower: PostgresFeedFollower, hub: FeedHub, window: Int,
        logger: Logger, hooks: LedgerHooks
    ) {
        self.client = client
        self.clientTask = clientTask
        self.follower = follower
        self.hub = hub
        self.window = window
        self.logger = logger
        self.hooks = hooks
    }

    /// Connects to the database `settings` name, migrates it (once, however many replicas start
    /// together), and starts the connection pool. A database that cannot be reached is one
    /// error line naming it (without its password).
    public static func open(
        _ settings: PostgresSettings, hub: FeedHub, window: Int, logger: Logger, hooks: LedgerHooks = LedgerHooks()
    ) async throws -> PostgresLedger {
        let connector = try PostgresConnector(settings, logger: logger)
        do {
            let connection = try await connector.connect()
            defer { Task { try? await connection.close() } }
            let applied = try await PostgresSchema.migrate(on: connection, logger: logger)
            if applied > 0 { logger.info("database \(settings): applied \(applied) migration(s)") }
        } catch {
            throw ProtocolError(.unavailable, "cannot use the database \(settings): \(PostgresErrors.describe(error))")
        }
        let client = PostgresClient(configuration: connector.poolConfiguration, backgroundLogger: logger)
        let clientTask = Task { await client.run() }
        let follower = PostgresFeedFollower(client: client, connector: connector, hub: hub, logger: logger)
        return PostgresLedger(
            client: client, clientTask: clientTask, follower: follower, hub: hub, window: window, logger: logger, hooks: hooks)
    }

    // MARK: - Writes

    /// Runs `body` in a transaction within the operation timeout, turning the database's
    /// failures into protocol errors (503 `unavailable` when it cannot be reached); then waits
    /// until this replica's feed has published what it committed. A write that has not begun
    /// by the deadline, when its client is answered 503, never begins; one already under way
    /// may still commit, and a retry with its Idempotency-Key finds it.
    private func write<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> (T, [Ledger.Change])
    ) async throws -> T {
        let (client, logger) = (self.client, self.logger)
        let deadline = ContinuousClock.now + .milliseconds(Int(Self.operationTimeout * 1000))
        let (value, changes) = try await PostgresErrors.guarded(timeout: Self.operationTimeout) {
            try await client.withTransaction(logger: logger) { connection in
                // The client was told 503 at the deadline: a write still waiting for a connection
                // then (the database was down) must not be carried out once it is back, unasked.
                guard ContinuousClock.now < deadline else { throw PostgresErrors.timedOut(Self.operationTimeout) }
                return try await body(connection, logger)
            }
        }
        hooks.after(changes)
        if let seq = changes.last?.seq {
            follower.poke()
            if !(await follower.awaitPublished(through: seq, timeout: Self.operationTimeout)) {
                logger.warning("the feed has not caught up with a commit of this replica within \(Self.operationTimeout) s", metadata: ["seq": "\(seq)"])
            }
        }
        return value
    }

    public func submit(claim: Ledger.IdempotencyClaim?, _ make: @escaping @Sendable (Timestamp) throws -> Action) async throws -> Ledger.Stored {
        try await write { c, logger in
            let now = Timestamp.now()
            let action = try make(now)
            if let claim {
                // Claim the key first: a concurrent claim of the same key (another replica's retry)
                // waits on it here, then finds it taken and answers with the action it produced.
                let inserted = try await c.query(
                    """
                    INSERT INTO idempotency (principal, scope, key, request_hash, action_id, created_at)
                    VALUES (\(claim.principal), \(claim.scope), \(claim.key), \(claim.requestHash), \(action.id), \(now.milliseconds))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger
                ).collect()
                if inserted.isEmpty {
                    let existingID = try await Self.idempotentAction(claim, on: c, logger: logger)
                    guard let existingID, let existing = try await Self.stored(id: existingID, lock: false, on: c, logger: logger) else {
                        throw ProtocolError(.internalError, "an idempotency key points at an action that is not stored")
                    }
                    return (existing, [])
                }
            }
            let change = try await self.commit(action, previous: nil, at: now, on: c, logger: logger)
            return (change.stored, [change])
        }
    }

    public func update(
        id: String, claim: Ledger.IdempotencyClaim?, _ rule: @escaping @Sendable (Action, Timestamp) throws -> Ledger.Update
    ) async throws -> Ledger.Stored {
        try await write { c, logger -> (Result<Ledger.Stored, ProtocolError>, [Ledger.Change]) in
            guard let stored = try await Self.stored(id: id, lock: true, on: c, logger: logger) else { throw ProtocolError(.notFound, "no such action") }
            if let claim, try await Self.idempotentAction(claim, on: c, logger: logger) != nil { return (.success(stored), []) }
            let now = Timestamp.now()
            switch try rule(stored.action, now) {
            case .commit(let action):
                if let claim {
                    try await c.query(
                        """
                        INSERT INTO idempotency (principal, scope, key, request_hash, action_id, created_at)
                        VALUES (\(claim.principal), \(claim.scope), \(claim.key), \(claim.requestHash), \(id), \(now.milliseconds))
                        """, logger: logger)
                }
                let change = try await self.commit(action, previous: stored.action, at: now, on: c, logger: logger)
                return (.success(change.stored), [change])
            case .commitThenRefuse(let action, let error):
                return (.failure(error), [try await self.commit(action, previous: stored.action, at: now, on: c, logger: logger)])
            }
        }.get()
    }

    public func expireDue(_ expiring: @escaping @Sendable (Action, Timestamp) -> Action?) async throws -> Int {
        try await write { c, logger in
            let now = Timestamp.now()
            // SKIP LOCKED: replicas sweeping at once take disjoint rows; a row another replica is
            // deciding right now is left to it (its decision sees the expiry itself).
            var due: [Action] = []
            for try await json in try await c.query(
                """
                SELECT json FROM actions WHERE status = 'pending' AND expires_at <= \(now.milliseconds)
                ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode(String.self) {
                due.append(try Action(json: json))
            }
            var changes: [Ledger.Change] = []
            for action in due {
                guard let expired = expiring(action, now) else { continue }
                changes.append(try await self.commit(expired, previous: action, at: now, on: c, logger: logger))
            }
            return (changes.count, changes)
        }
    }

    public func escalateDue() async throws -> Int {
        let planner = hooks.planner
        let windows = planner.escalationWindows
        guard !windows.isEmpty else { return 0 }
        let (count, deliveries) = try await write { c, logger -> ((Int, Int), [Ledger.Change]) in
            let now = Timestamp.now()
            var candidates: [String] = []
            for (notifier, seconds) in windows {
                // Pending, in this notifier's window, not seen open for it before; SKIP LOCKED: a
                // row another replica is escalating or deciding now is left to it.
                for try await id in try await c.query(
                    """
                    SELECT id FROM actions a WHERE status = 'pending' AND expires_at > \(now.milliseconds)
                    AND expires_at <= \(now.milliseconds + Int64(seconds) * 1000)
                    AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.action_id = a.id AND e.notifier = \(notifier))
                    ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED
                    """, logger: logger
                ).decode(String.self) {
                    candidates.append(id)
                }
            }
            var changes: [Ledger.Change] = []
            var (escalated, deliveries) = (0, 0)
            for id in Set(candidates).sorted() {
                guard let stored = try await Self.stored(id: id, lock: false, on: c, logger: logger) else { continue }
                let (open, firing) = planner.escalations(of: stored.action, at: now)
                var newlyOpen: [String] = []
                for notifier in open {
                    // The primary key decides, across replicas, which sweep saw the window open first.
                    let inserted = try await c.query(
                        """
                        INSERT INTO escalations (action_id, notifier, at) VALUES (\(id), \(notifier), \(now.milliseconds))
                        ON CONFLICT DO NOTHING RETURNING 1
                        """, logger: logger
                    ).collect()
                    if !inserted.isEmpty { newlyOpen.append(notifier) }
                }
                let (fire, update) = planner.escalation(of: stored.action, firing: firing, newlyOpen: newlyOpen, at: now)
                guard !fire.isEmpty else { continue }
                var change: Ledger.Change?
                if let update {
                    change = try await self.commit(update, previous: stored.action, at: now, on: c, logger: logger)
                    changes += change.map { [$0] } ?? []
                }
                for notifier in fire {
                    let delivery = Ledger.Delivery(
                        notifier: notifier, event: .escalation, actionID: id, actionJSON: change?.json ?? stored.json, createdAt: now)
                    try await Self.enqueue(delivery, seq: change?.seq, on: c, logger: logger)
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
        let (client, logger) = (self.client, self.logger)
        return try await PostgresErrors.guarded(timeout: Self.operationTimeout) {
            let now = Timestamp.now().milliseconds
            // SKIP LOCKED: replicas claiming at once take disjoint deliveries, so each is sent by one.
            let rows = try await client.query(
                """
                WITH claimed AS (UPDATE outbox SET lease_until = \(now + Int64(lease * 1000)), attempts = attempts + 1 WHERE id IN (
                    SELECT id FROM outbox o WHERE notifier = \(notifier) AND NOT failed AND next_attempt_at <= \(now) AND lease_until <= \(now)
                    AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.notifier = o.notifier AND e.action_id = o.action_id
                        AND NOT e.failed AND e.rank < o.rank)
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, notifier, event, action_id, seq, action_json, created_at, attempts)
                -- The JSON of the event a delivery names (the prune keeps it); should it be gone, the action as it stands.
                SELECT c.id, c.notifier, c.event, c.action_id, coalesce(c.action_json, e.json, a.json), c.created_at, c.attempts
                FROM claimed c LEFT JOIN events e ON e.seq = c.seq LEFT JOIN actions a ON a.id = c.action_id
                """, logger: logger)
            var deliveries: [Ledger.Delivery] = []
            for try await (id, notifier, event, actionID, json, createdAt, attempts) in rows.decode((String, String, String, String, String, Int64, Int32).self)
            {
                // An event this version does not know (a newer replica's) stays leased for another to take.
                guard let event = NotifierSettings.Event(rawValue: event) else { continue }
                deliveries.append(
                    Ledger.Delivery(
                        id: id, notifier: notifier, event: event, actionID: actionID, actionJSON: json, createdAt: Timestamp(milliseconds: createdAt),
                        attempts: Int(attempts)))
            }
            return deliveries
        }
    }

    public func settleDelivery(id: String, _ outcome: Ledger.DeliveryOutcome) async throws {
        let (client, logger) = (self.client, self.logger)
        try await PostgresErrors.guarded(timeout: Self.operationTimeout) {
            switch outcome {
            case .delivered:
                try await client.query("DELETE FROM outbox WHERE id = \(id)", logger: logger)
            case .retry(let at, let error):
                try await client.query(
                    "UPDATE outbox SET next_attempt_at = \(at.milliseconds), lease_until = 0, last_error = \(error) WHERE id = \(id)", logger: logger)
            case .failed(let error):
                try await client.query("UPDATE outbox SET failed = TRUE, lease_until = 0, last_error = \(error) WHERE id = \(id)", logger: logger)
            }
        }
    }

    public func outboxDepth() async throws -> Int {
        try await read { c, logger in
            for try await count in try await c.query("SELECT count(*) FROM outbox WHERE NOT failed", logger: logger).decode(Int64.self) {
                return Int(count)
            }
            return 0
        }
    }

    public func dropDeliveries(keeping configured: [String]) async throws -> [String: Int] {
        try await read { c, logger in
            var dropped: [String: Int] = [:]
            for try await notifier in try await c.query(
                "DELETE FROM outbox WHERE NOT failed AND NOT (notifier = ANY(\(configured))) RETURNING notifier", logger: logger
            ).decode(String.self) {
                dropped[notifier, default: 0] += 1
            }
            return dropped
        }
    }

    /// Queues `delivery`, carrying the JSON of event `seq`, or its own copy when no event of
    /// this transaction holds it.
    private static func enqueue(_ delivery: Ledger.Delivery, seq: Int64?, on c: PostgresConnection, logger: Logger) async throws {
        try await c.query(
            """
            INSERT INTO outbox (id, notifier, event, rank, action_id, seq, action_json, created_at, next_attempt_at)
            VALUES (\(delivery.id), \(delivery.notifier), \(delivery.event.rawValue), \(delivery.event.rank), \(delivery.actionID), \(seq),
                \(seq == nil ? delivery.actionJSON : nil),
                \(delivery.createdAt.milliseconds), \(delivery.createdAt.milliseconds))
            """, logger: logger)
    }

    public func prune(keepEventsAfter seq: Int64, idempotencyBefore cutoff: Timestamp, limit: Int) async throws -> Int {
        let (client, logger) = (self.client, self.logger)
        return try await PostgresErrors.guarded(timeout: Self.operationTimeout) {
            // Idempotent by design: replicas pruning at once delete the same rows, once.
            let events = try await client.query(
                // Not an event a queued or failed delivery still carries.
                """
                DELETE FROM events WHERE seq IN (SELECT seq FROM events v WHERE seq <= \(seq)
                    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = v.seq) ORDER BY seq LIMIT \(limit)) RETURNING 1
                """, logger: logger
            ).collect().count
            let keys = try await client.query(
                """
                DELETE FROM idempotency WHERE (principal, scope, key) IN
                (SELECT principal, scope, key FROM idempotency WHERE created_at < \(cutoff.milliseconds) ORDER BY created_at LIMIT \(limit)) RETURNING 1
                """, logger: logger
            ).collect().count
            let failed = try await client.query(
                """
                DELETE FROM outbox WHERE id IN
                (SELECT id FROM outbox WHERE failed AND created_at < \(cutoff.milliseconds) ORDER BY created_at LIMIT \(limit)) RETURNING 1
                """, logger: logger
            ).collect().count
            return events + keys + failed
        }
    }

    /// Records `action` as it now stands (it was `previous`) in one statement: takes the next
    /// sequence number, appends the event, upserts the row and announces the commit; then, for
    /// a resolution, links an audit record to the chain's head; and queues the webhook
    /// deliveries the change owes.
    private func commit(_ action: Action, previous: Action?, at now: Timestamp, on c: PostgresConnection, logger: Logger) async throws -> Ledger.Change {
        let json = String(decoding: action.encodedJSON, as: UTF8.self)
        let pending = action.status == .pending
        let rows = try await c.query(
            """
            WITH head AS (UPDATE ledger_head SET seq = seq + 1 RETURNING seq, audit_seq, audit_hash),
            event AS (INSERT INTO events (seq, action_id, pending, json) SELECT seq, \(action.id), \(pending), \(json) FROM head),
            row AS (
                INSERT INTO actions (id, status, requester_id, created_at, expires_at, seq, json)
                SELECT \(action.id), \(action.status.rawValue), \(action.requester.id), \(action.createdAt.milliseconds),
                    \(action.expiresAt.milliseconds), seq, \(json) FROM head
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, seq = excluded.seq, json = excluded.json
            )
            SELECT seq, audit_seq, audit_hash, pg_notify(\(Self.channel), seq::text) FROM head
            """, logger: logger)
        var head: (seq: Int64, auditSeq: Int64, auditHash: String)?
        for try await (seq, auditSeq, auditHash, _) in rows.decode((Int64, Int64, String, String).self) { head = (seq, auditSeq, auditHash) }
        guard let head else { throw ProtocolError(.internalError, "the ledger's head row is missing") }
        if action.status.isResolved {
            let record = AuditRecord(seq: head.auditSeq + 1, action: action, prev: head.auditHash)
            let recordJSON = try Ledger.auditJSON(record)
            try await c.query(
                """
                WITH head AS (UPDATE ledger_head SET audit_seq = \(record.seq), audit_hash = \(record.hash)),
                marks AS (DELETE FROM escalations WHERE action_id = \(action.id))
                INSERT INTO audit (seq, action_id, hash, json) VALUES (\(record.seq), \(record.actionID), \(record.hash), \(recordJSON))
                """, logger: logger)
        }
        var change = Ledger.Change(action: action, previous: previous, seq: head.seq, json: json)
        let deliveries = hooks.planner.deliveries(for: change.transition, json: json, at: now)
        for delivery in deliveries { try await Self.enqueue(delivery, seq: head.seq, on: c, logger: logger) }
        change.deliveries = deliveries.count
        return change
    }

    private static func stored(id: String, lock: Bool, on c: PostgresConnection, logger: Logger) async throws -> Ledger.Stored? {
        let query: PostgresQuery = lock ? "SELECT json FROM actions WHERE id = \(id) FOR UPDATE" : "SELECT json FROM actions WHERE id = \(id)"
        for try await json in try await c.query(query, logger: logger).decode(String.self) {
            return Ledger.Stored(action: try Action(json: json), json: json)
        }
        return nil
    }

    private static func idempotentAction(_ claim: Ledger.IdempotencyClaim, on c: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await c.query(
            "SELECT request_hash, action_id FROM idempotency WHERE principal = \(claim.principal) AND scope = \(claim.scope) AND key = \(claim.key)",
            logger: logger)
        for try await (hash, actionID) in rows.decode((String, String).self) {
            return try Ledger.replay(storedHash: hash, actionID: actionID, for: claim)
        }
        return nil
    }

    // MARK: - Reads

    /// Runs a read on a pooled connection within the operation timeout.
    private func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let (client, logger) = (self.client, self.logger)
        return try await PostgresErrors.guarded(timeout: Self.operationTimeout) {
            try await client.withConnection { connection in try await body(connection, logger) }
        }
    }

    public func stored(id: String) async throws -> Ledger.Stored? {
        try await read { c, logger in try await Self.stored(id: id, lock: false, on: c, logger: logger) }
    }

    public func list(status: ActionStatus?, since: Timestamp?, limit: Int, after cursor: (Int64, String)?) async throws -> [Action] {
        var bindings = PostgresBindings()
        var sql = "SELECT json FROM actions WHERE TRUE"
        if let status {
            bindings.append(status.rawValue)
            sql += " AND status = $\(bindings.count)"
        }
        if let since {
            bindings.append(since.milliseconds)
            sql += " AND created_at >= $\(bindings.count)"
        }
        if let (ms, id) = cursor {
            bindings.append(ms)
            bindings.append(id)
            sql += " AND (created_at < $\(bindings.count - 1) OR (created_at = $\(bindings.count - 1) AND id < $\(bindings.count)))"
        }
        bindings.append(limit)
        sql += " ORDER BY created_at DESC, id DESC LIMIT $\(bindings.count)"
        let built = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await read { c, logger in
            var actions: [Action] = []
            for try await json in try await c.query(built, logger: logger).decode(String.self) { actions.append(try Action(json: json)) }
            return actions
        }
    }

    public func auditLines(after seq: Int64, limit: Int) async throws -> [String] {
        try await read { c, logger in
            var lines: [String] = []
            for try await json in try await c.query("SELECT json FROM audit WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)", logger: logger)
                .decode(String.self)
            {
                lines.append(json)
            }
            return lines
        }
    }

    // MARK: - Feed

    public func startFeed() async throws {
        let (client, logger, window) = (self.client, self.logger, self.window)
        let state = try await PostgresErrors.guarded(timeout: Self.operationTimeout * 2) {
            try await Self.feedState(window: window, client: client, logger: logger)
        }
        hub.load(state)
        follower.start(after: state.lastSeq)
    }

    /// The last sequence number, the events of the replay window and the pending actions, read
    /// in one snapshot so the three agree.
    static func feedState(window: Int, client: PostgresClient, logger: Logger) async throws -> Ledger.FeedState {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            var lastSeq: Int64 = 0
            for try await seq in try await c.query("SELECT seq FROM ledger_head", logger: logger).decode(Int64.self) { lastSeq = seq }
            var events: [(seq: Int64, json: String)] = []
            for try await (seq, json) in try await c.query(
                "SELECT seq, json FROM events WHERE seq > \(lastSeq - Int64(window)) ORDER BY seq", logger: logger
            ).decode((Int64, String).self) {
                events.append((seq, json))
            }
            var pending: [(id: String, seq: Int64, json: String)] = []
            for try await (id, seq, json) in try await c.query("SELECT id, seq, json FROM actions WHERE status = 'pending' ORDER BY seq", logger: logger)
                .decode((String, Int64, String).self)
            {
                pending.append((id, seq, json))
            }
            return Ledger.FeedState(lastSeq: lastSeq, events: events, pending: pending)
        }
    }

    public func awaitFeed(through seq: Int64, timeout: Double) async -> Bool {
        follower.poke()
        return await follower.awaitPublished(through: seq, timeout: timeout)
    }

    public func close() async {
        await follower.stop()
        clientTask.cancel()
        _ = await clientTask.value
    }
}
