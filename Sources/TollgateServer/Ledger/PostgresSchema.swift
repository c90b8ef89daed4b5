import Logging
import PostgresNIO
import TollgateCore

/// The PostgreSQL ledger's tables, as numbered migrations applied once, in order.
///
/// `migrate` runs them in one transaction under a transaction-level advisory lock, so replicas
/// starting at the same moment apply each migration exactly once: the second waits for the
/// first's commit, then finds nothing left to do. A database whose schema is newer than this
/// binary knows is refused, so an old replica never writes to a table it does not understand.
enum PostgresSchema {
    /// The advisory lock every replica takes to migrate ("tollgate" in ASCII).
    static let lockKey: Int64 = 0x746f_6c6c_6761_7465

    /// Each migration's statements (one per query: the extended protocol takes one at a time).
    static let migrations: [[PostgresQuery]] = [
        [
            // The single row every commit updates: the last sequence number issued and the audit
            // chain's head. Updating it takes its row lock until the commit, which is what puts
            // the sequence in commit order (docs/architecture.md, "One sequence across replicas").
            """
            CREATE TABLE ledger_head (
                singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
                seq BIGINT NOT NULL,
                audit_seq BIGINT NOT NULL,
                audit_hash TEXT NOT NULL
            )
            """,
            "INSERT INTO ledger_head (seq, audit_seq, audit_hash) VALUES (0, 0, \(AuditRecord.genesis))",
            """
            CREATE TABLE actions (
                id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                requester_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                json TEXT NOT NULL
            )
            """,
            "CREATE INDEX actions_pending_expiry ON actions (expires_at) WHERE status = 'pending'",
            "CREATE INDEX actions_created ON actions (created_at DESC, id DESC)",
            "CREATE INDEX actions_status_created ON actions (status, created_at DESC, id DESC)",
            """
            CREATE TABLE events (
                seq BIGINT PRIMARY KEY,
                action_id TEXT NOT NULL,
                pending BOOLEAN NOT NULL,
                json TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE idempotency (
                principal TEXT NOT NULL,
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                action_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (principal, scope, key)
            )
            """,
            "CREATE INDEX idempotency_age ON idempotency (created_at)",
            """
            CREATE TABLE audit (
                seq BIGINT PRIMARY KEY,
                action_id TEXT NOT NULL,
                hash TEXT NOT NULL,
                json TEXT NOT NULL
            )
            """,
        ],
        [
            // The webhook outbox, written in the transaction of the change a delivery announces
            // (docs/architecture.md, "Notifications"), and the escalation windows already seen
            // open: their primary key is what makes each (action, notifier) fire once across replicas.
            // A delivery names the event whose JSON it carries (`seq`) instead of a copy of it.
            """
            CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                notifier TEXT NOT NULL,
                event TEXT NOT NULL,
                rank INTEGER NOT NULL,
                action_id TEXT NOT NULL,
                seq BIGINT,
                action_json TEXT,
                created_at BIGINT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                lease_until BIGINT NOT NULL DEFAULT 0,
                failed BOOLEAN NOT NULL DEFAULT FALSE,
                last_error TEXT
            )
            """,
            "CREATE INDEX outbox_due ON outbox (notifier, next_attempt_at) WHERE NOT failed",
            "CREATE INDEX outbox_action ON outbox (notifier, action_id, rank) WHERE NOT failed",
            "CREATE INDEX outbox_failed ON outbox (created_at) WHERE failed",
            """
            CREATE TABLE escalations (
                action_id TEXT NOT NULL,
                notifier TEXT NOT NULL,
                at BIGINT NOT NULL,
                PRIMARY KEY (action_id, notifier)
            )
            """,
        ],
    ]

    /// Brings the schema up to date on `connection`; returns the migrations it applied.
    @discardableResult
    static func migrate(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await c.query(
                "CREATE TABLE IF NOT EXISTS tollgate_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var current = 0
            for try await version in try await c.query("SELECT coalesce(max(version), 0) FROM tollgate_schema", logger: logger).decode(Int.self) {
                current = version
            }
            guard current <= migrations.count else {
                throw ProtocolError(
                    .internalError,
                    "the database's schema is version \(current), newer than this tollgate knows (\(migrations.count)): upgrade tollgate on this replica")
            }
            for (index, statements) in migrations.enumerated().dropFirst(current) {
                for statement in statements { try await c.query(statement, logger: logger) }
                try await c.query("INSERT INTO tollgate_schema (version) VALUES (\(index + 1))", logger: logger)
            }
            return migrations.count - current
        }
    }
}
