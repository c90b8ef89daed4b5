import Foundation
import GRDB
import TollgateCore

/// Where a decision written to the outbox stands. Every state but `pending` is final.
public enum OutboxState: String, Sendable {
    /// Not yet acknowledged: sent again at start-up.
    case pending
    /// The server accepted it.
    case sent
    /// The server refused the decision itself (403, 409, 410, 422: self-approval, already
    /// resolved or decided, digest mismatch, expired, reason required). Never retried.
    case rejected
    /// The server refused the request for another reason (400, 401, 404, 413, …). Never retried.
    case failed
}

/// A decision as written before it is sent, and what became of it.
public struct OutboxEntry: Hashable, Sendable {
    /// The `Idempotency-Key` sent with it (a UUID), so a retry cannot decide twice.
    public var key: String
    public var server: String
    public var actionID: String
    public var verdict: Verdict
    public var reason: String
    /// The action digest the approver was shown.
    public var digest: String
    /// A break-glass approval (`break_glass: true`): kept so that a retry sends the very body the
    /// first try did, which its idempotency key was recorded with.
    public var breakGlass: Bool
    public var createdAt: Timestamp
    /// Answers received (acknowledged, refused, or failed in transit).
    public var attempts: Int
    public var state: OutboxState
    /// The HTTP status of a refusal.
    public var httpStatus: Int?
    /// The server's message for a refusal, or the last transport error.
    public var message: String?

    public init(
        key: String, server: String, actionID: String, verdict: Verdict, reason: String, digest: String, breakGlass: Bool = false,
        createdAt: Timestamp, attempts: Int = 0, state: OutboxState = .pending, httpStatus: Int? = nil, message: String? = nil
    ) {
        self.key = key; self.server = server; self.actionID = actionID; self.verdict = verdict
        self.reason = reason; self.digest = digest; self.breakGlass = breakGlass; self.createdAt = createdAt; self.attempts = attempts
        self.state = state; self.httpStatus = httpStatus; self.message = message
    }
}

extension HistoryStore {
    /// HTTP statuses by which the server refuses a decision on its merits (see `OutboxState.rejected`).
    public static let rejectionStatuses: Set<Int> = [403, 409, 410, 422]

    // MARK: - Writing

    /// Writes a decision durably, before anything is sent, and returns it with a fresh key.
    ///
    /// The reason is stored, and so sent, masked: the cache is a file on the approver's disk and
    /// the server would mask it anyway. The built-in rules only: patterns a server adds in its
    /// own configuration are unknown here, so the server may mask more of it.
    public func enqueueDecision(
        server: String, actionID: String, verdict: Verdict, reason rawReason: String, digest: String, breakGlass: Bool = false, at: Timestamp
    ) throws -> OutboxEntry {
        let reason = Self.masker.mask(rawReason).text
        let entry = OutboxEntry(
            key: UUID().uuidString.lowercased(), server: server, actionID: actionID, verdict: verdict,
            reason: reason, digest: digest, breakGlass: breakGlass, createdAt: at)
        try write("saving a decision on \(actionID)") { db in
            let serverID = try Self.serverID(db, url: server)
            try db.execute(
                sql: """
                    INSERT INTO outbox(key, server_id, action_id, verdict, reason, digest, break_glass, created_at, attempts, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
                    """,
                arguments: [
                    entry.key, serverID, actionID, verdict.rawValue, reason, digest, breakGlass,
                    at.milliseconds, OutboxState.pending.rawValue,
                ])
        }
        return entry
    }

    /// The server acknowledged the decision.
    public func markSent(key: String) throws {
        try settle(key: key, state: .sent, httpStatus: nil, message: nil)
    }

    /// The server answered with an error status: recorded, never retried. A status in
    /// `rejectionStatuses` makes the entry `rejected`, any other `failed`.
    public func markRejected(key: String, httpStatus: Int, message: String) throws {
        let state: OutboxState = Self.rejectionStatuses.contains(httpStatus) ? .rejected : .failed
        try settle(key: key, state: state, httpStatus: httpStatus, message: message)
    }

    /// The request did not get an answer (network error): counted, and the entry stays
    /// pending for the next try.
    public func recordAttemptFailure(key: String, message: String) throws {
        try settle(key: key, state: .pending, httpStatus: nil, message: message)
    }

    /// Records one answer for a pending entry. A settled entry never changes again, so a
    /// late duplicate answer cannot overwrite the first.
    /// A settled entry keeps no reason: it will never be sent again, and the server's record
    /// holds the decision.
    private func settle(key: String, state: OutboxState, httpStatus: Int?, message: String?) throws {
        let message = message.map { Self.masker.mask($0).text }
        try write("updating outbox entry \(key)") { db in
            try Self.scrubbing(db) {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = ?, attempts = attempts + 1, http_status = ?, message = ?,
                                          reason = CASE WHEN ? = 'pending' THEN reason ELSE '' END
                        WHERE key = ? AND state = 'pending'
                        """, arguments: [state.rawValue, httpStatus, message, state.rawValue, key])
            }
            guard db.changesCount == 0 else { return }
            let known = try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE key = ?", arguments: [key]) ?? false
            if !known {
                throw StoreError(.unknownOutboxEntry, path: "", detail: "no decision with key \(key.debugDescription)")
            }
        }
    }

    /// The masker for what the outbox stores: the rules every server applies.
    static let masker: SecretMasker = {
        do { return try SecretMasker() } catch {
            // No extra patterns, so nothing can fail to compile; the built-in ones are tested.
            preconditionFailure("the built-in masking rules do not compile: \(error)")
        }
    }()

    /// Runs `body` with SQLite overwriting what it deletes, so a dropped reason leaves no copy
    /// in the file's free space.
    static func scrubbing(_ db: Database, _ body: () throws -> Void) throws {
        try db.execute(sql: "PRAGMA secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA secure_delete = OFF") }
        try body()
    }

    // MARK: - Reading

    /// Decisions for `server` still waiting for an answer, oldest first: to send at start-up.
    public func pendingOutbox(server: String) throws -> [OutboxEntry] {
        try entries("reading pending decisions", where: "o.state = 'pending' AND s.url = ?", [server])
    }

    /// Every decision written on one action, oldest first: to show its outcome.
    public func outboxEntries(actionID: String, server: String) throws -> [OutboxEntry] {
        try entries("reading decisions on \(actionID)", where: "o.action_id = ? AND s.url = ?", [actionID, server])
    }

    private func entries(_ operation: String, where condition: String, _ arguments: StatementArguments) throws -> [OutboxEntry] {
        try read(operation) { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.key, s.url, o.action_id, o.verdict, o.reason, o.digest, o.created_at, o.attempts,
                           o.state, o.http_status, o.message, o.break_glass
                    FROM outbox o JOIN server s ON s.id = o.server_id
                    WHERE \(condition)
                    ORDER BY o.created_at, o.rowid
                    """, arguments: arguments
            ).map(Self.entry)
        }
    }

    private static func entry(_ row: Row) throws -> OutboxEntry {
        let verdictText = try row.decode(String.self, atIndex: 3)
        let stateText = try row.decode(String.self, atIndex: 8)
        guard let verdict = Verdict(rawValue: verdictText), let state = OutboxState(rawValue: stateText) else {
            throw StoreError(
                .invalidData, path: "", detail: "outbox entry with verdict \(verdictText.debugDescription) and state \(stateText.debugDescription)")
        }
        return OutboxEntry(
            key: try row.decode(String.self, atIndex: 0), server: try row.decode(String.self, atIndex: 1),
            actionID: try row.decode(String.self, atIndex: 2), verdict: verdict,
            reason: try row.decode(String.self, atIndex: 4), digest: try row.decode(String.self, atIndex: 5),
            breakGlass: try row.decode(Bool.self, atIndex: 11),
            createdAt: Timestamp(milliseconds: try row.decode(Int64.self, atIndex: 6)),
            attempts: try row.decode(Int.self, atIndex: 7), state: state,
            httpStatus: try row.decode(Int?.self, atIndex: 9), message: try row.decode(String?.self, atIndex: 10))
    }
}
