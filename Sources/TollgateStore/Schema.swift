import GRDB

/// The history cache's migrations; the schema itself is described in HistoryStore.swift.
///
/// Migrations are append-only: a released one is never edited, a change is a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: actions, search, decisions, outbox, audit") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration(scrubOutbox) { db in
            // Older versions kept every decision's reason as typed, sent or not. A settled entry
            // is never sent again, so its reason goes, overwritten on the page. A pending one
            // keeps its bytes: its retry must match what may already have arrived under its key.
            try HistoryStore.scrubbing(db) {
                try db.execute(sql: "UPDATE outbox SET reason = '' WHERE state <> 'pending' AND reason <> ''")
            }
        }
        migrator.registerMigration("v3: audit chains named by their first record") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4: break-glass decisions in the outbox") { db in
            // A pending break-glass approval retried without its flag would be a different
            // request under the same idempotency key; entries written before it are ordinary.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }

    /// Audit records belong to a chain named by its first record's hash, no longer to a server
    /// URL as typed: every spelling of one server's URL shares its chain, and a new database
    /// behind the same URL is a different chain. Each server row remembers the chain last seen
    /// there. A cached chain is named by its lowest record, which older versions always
    /// fetched first; rows whose JSON has no hash could not be verified anyway and are not kept.
    private static let v3 = """
        CREATE TABLE audit_chain (
            id INTEGER PRIMARY KEY,
            first_hash TEXT NOT NULL UNIQUE
        );
        ALTER TABLE server ADD COLUMN audit_chain_id INTEGER REFERENCES audit_chain(id);
        CREATE TABLE audit_record (
            chain_id INTEGER NOT NULL REFERENCES audit_chain(id),
            seq INTEGER NOT NULL,
            json TEXT NOT NULL,
            UNIQUE (chain_id, seq)
        );

        CREATE TEMP TABLE first_record AS
            SELECT a.server_id AS server_id, json_extract(a.json, '$.hash') AS hash
            FROM audit a
            WHERE a.seq = (SELECT min(b.seq) FROM audit b WHERE b.server_id = a.server_id)
              AND json_extract(a.json, '$.hash') IS NOT NULL;
        INSERT OR IGNORE INTO audit_chain(first_hash) SELECT hash FROM first_record;
        UPDATE server SET audit_chain_id = (
            SELECT c.id FROM first_record f JOIN audit_chain c ON c.first_hash = f.hash WHERE f.server_id = server.id);
        INSERT OR IGNORE INTO audit_record(chain_id, seq, json)
            SELECT s.audit_chain_id, a.seq, a.json FROM audit a JOIN server s ON s.id = a.server_id
            WHERE s.audit_chain_id IS NOT NULL ORDER BY a.server_id, a.seq;
        DROP TABLE first_record;
        DROP TABLE audit;
        """

    /// The migration that drops the reasons of settled outbox entries; opening a file that had
    /// not run it also empties the WAL, which may hold the old pages.
    static let scrubOutbox = "v2: settled decisions keep no reason"

    private static let v1 = """
        CREATE TABLE server (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            last_event_id INTEGER
        );

        CREATE TABLE action (
            id INTEGER PRIMARY KEY,
            server_id INTEGER NOT NULL REFERENCES server(id),
            action_id TEXT NOT NULL,
            status TEXT NOT NULL,
            risk TEXT NOT NULL,
            kind TEXT NOT NULL,
            environment TEXT,
            requester_id TEXT NOT NULL,
            on_behalf_of TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            resolved_at INTEGER,
            decision_count INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX action_by_key ON action(action_id, server_id);
        CREATE INDEX action_by_server ON action(server_id);
        CREATE INDEX action_by_status ON action(status);
        CREATE INDEX action_by_risk ON action(risk);
        CREATE INDEX action_by_kind ON action(kind);
        CREATE INDEX action_by_environment ON action(environment);
        CREATE INDEX action_by_status_risk ON action(status, risk);
        CREATE INDEX action_by_status_environment ON action(status, environment);
        CREATE INDEX action_by_risk_environment ON action(risk, environment);

        CREATE TABLE action_body (
            id INTEGER PRIMARY KEY REFERENCES action(id) ON DELETE CASCADE,
            json TEXT NOT NULL,
            summary TEXT NOT NULL,
            command TEXT NOT NULL,
            resource TEXT NOT NULL,
            justification TEXT NOT NULL,
            context TEXT NOT NULL,
            reasons TEXT NOT NULL
        );

        CREATE VIRTUAL TABLE action_fts USING fts5(
            summary, command, resource, justification, context, reasons,
            content = 'action_body', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
        );
        CREATE TABLE search_term (
            term TEXT PRIMARY KEY
        ) WITHOUT ROWID;

        CREATE TABLE decision (
            action_row INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            approver TEXT NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT NOT NULL,
            at INTEGER NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (action_row, position)
        ) WITHOUT ROWID;

        CREATE TABLE action_party (
            role INTEGER NOT NULL,
            name TEXT NOT NULL,
            action_row INTEGER NOT NULL REFERENCES action(id) ON DELETE CASCADE,
            PRIMARY KEY (role, name, action_row)
        ) WITHOUT ROWID;
        CREATE INDEX action_party_by_row ON action_party(action_row);

        CREATE TABLE outbox (
            key TEXT NOT NULL UNIQUE,
            server_id INTEGER NOT NULL REFERENCES server(id),
            action_id TEXT NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT NOT NULL,
            digest TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            http_status INTEGER,
            message TEXT
        );
        CREATE INDEX outbox_pending ON outbox(server_id) WHERE state = 'pending';
        CREATE INDEX outbox_by_action ON outbox(action_id, server_id);

        CREATE TABLE audit (
            server_id INTEGER NOT NULL REFERENCES server(id),
            seq INTEGER NOT NULL,
            json TEXT NOT NULL,
            UNIQUE (server_id, seq)
        );
        """
}
