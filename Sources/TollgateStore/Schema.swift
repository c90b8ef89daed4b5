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
        return migrator
    }

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
