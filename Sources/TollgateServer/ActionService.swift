import Foundation
import GRDB
import Logging
import TollgateCore

/// The approval rules applied to the ledger: submit, decide, cancel, read, expire.
///
/// HTTP-agnostic, so the rules can be tested without a socket. Each state change runs in
/// one serialised write (the ledger's single writer), is staged with the feed hub there, in
/// sequence order, and published once the writer is free (see `write`).
public final class ActionService: Sendable {
    let ledger: Ledger
    public let hub: FeedHub
    let configuration: ServerConfiguration
    /// The policy submissions are ruled by (and the tokens), as the last reload left them.
    let live: LiveConfiguration
    let masker: SecretMasker
    private let logger: Logger

    public init(
        ledger: Ledger, hub: FeedHub, configuration: ServerConfiguration, live: LiveConfiguration, masker: SecretMasker, logger: Logger
    ) throws {
        self.ledger = ledger
        self.hub = hub
        self.configuration = configuration
        self.live = live
        self.masker = masker
        self.logger = logger
        hub.load(try ledger.feedState(window: configuration.replayWindow))
    }

    // MARK: - Writes

    /// Runs `body` in a write transaction, then publishes what it changed, in order.
    ///
    /// The changes are staged with the hub inside the writer, right after the commit (so in
    /// sequence order), and released to subscribers after the writer is free, so the fan-out
    /// never lengthens SQLite's serialised section. The release is deferred: it runs even when
    /// the task is cancelled or the write throws, and publishes whatever any write staged, so
    /// a committed change is never left unpublished.
    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> (T, [Ledger.Change])) async throws -> T {
        defer { hub.release() }
        return try await ledger.pool.writeWithoutTransaction { db in
            var result: (T, [Ledger.Change])?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            guard let (value, changes) = result else { throw ProtocolError(.internalError, "transaction produced no result") }
            self.hub.stage(changes)
            return value
        }
    }

    /// Submits a new action for `entry`, masking secrets before anything is stored, under the
    /// first policy rule that matches it.
    ///
    /// The rule is matched against what is stored (after masking), so the stored action can be
    /// checked against it again later (`tollgate policy check`). A rule's `approve` or `deny`
    /// outcome resolves the action in the same transaction that stores it.
    public func submit(_ request: ActionRequest, by entry: TokenEntry, idempotencyKey: String?) async throws -> Ledger.Stored {
        // Validate what would be stored: a secret in `kind` is masked, and the mask is not a valid kind.
        // A JSON plan's sensitive values go first, before the masker, the digest or any copy sees them.
        let (masked, redactions) = masker.mask(try request.approverSafe())
        if let message = masked.validate(maxTTL: configuration.maxTTL) { throw ProtocolError(.badRequest, message) }
        let evaluation = live.current.policy.evaluate(PolicySubmission(request: masked, requester: entry.principal.id))
        if evaluation.lacksJustification, let rule = evaluation.rule {
            throw ProtocolError(.justificationRequired, "justification: the rule \(rule.id) requires one (\(rule.reason))")
        }
        // Only a retry can be recognised, and only a request with a key can be retried.
        let requestHash = try idempotencyKey.map { _ in try Self.hash(request) } ?? ""
        let principal = entry.principal.id
        return try await write { db in
            let now = Timestamp.now()
            if let key = idempotencyKey,
                let existingID = try self.ledger.idempotentAction(principal: principal, scope: "submit", key: key, requestHash: requestHash, in: db),
                let existing = try self.ledger.stored(id: existingID, in: db)
            {
                return (existing, [])
            }
            let rule = evaluation.rule.map(AppliedRule.init)
            var action = Action(
                id: ActionID.make(at: now),
                createdAt: now,
                expiresAt: now.adding(seconds: Double(evaluation.ttlSeconds(default: self.configuration.defaultTTL))),
                requester: Requester(id: principal, kind: entry.requesterKind, onBehalfOf: masked.onBehalfOf, session: masked.session),
                kind: masked.kind, summary: masked.summary, command: masked.command, resource: masked.resource,
                environment: masked.environment, risk: evaluation.required.risk,
                policy: rule.map { Policy(id: $0.id, reason: $0.reason) } ?? masked.policy
                    ?? Policy(id: "unspecified", reason: "the requester asked for approval"),
                justification: masked.justification, context: masked.context, diffs: masked.diffs,
                requiredApprovals: evaluation.required.approvals, rule: rule, claimed: RequesterClaim(masked), redactions: redactions)
            action.digest = ActionDigest.compute(action)
            if let rule, let verdict = rule.outcome.verdict {
                action.decisions = [Decision(approver: rule.decider, verdict: verdict, reason: rule.reason, at: now, digest: action.digest)]
                action.status = verdict == .approve ? .approved : .denied
                action.resolvedAt = now
            }
            if let key = idempotencyKey {
                try self.ledger.rememberIdempotency(
                    principal: principal, scope: "submit", key: key, requestHash: requestHash, actionID: action.id, at: now, in: db)
            }
            let change = try self.ledger.commit(action, in: db)
            return (change.stored, [change])
        }
    }

    /// Records `approver`'s decision; conflicts throw with the action as it now stands.
    public func decide(id: String, _ request: DecisionRequest, by approver: Principal, idempotencyKey: String?) async throws -> Ledger.Stored {
        var maskedRequest = request
        maskedRequest.reason = masker.mask(request.reason).text
        let masked = maskedRequest
        let requestHash = try idempotencyKey.map { _ in try Self.hash(request) } ?? ""
        return try await write { db -> (Result<Ledger.Stored, ProtocolError>, [Ledger.Change]) in
            let now = Timestamp.now()
            guard let stored = try self.ledger.stored(id: id, in: db) else { throw ProtocolError(.notFound, "no such action") }
            let action = stored.action
            if let key = idempotencyKey,
                try self.ledger.idempotentAction(principal: approver.id, scope: "decide:" + id, key: key, requestHash: requestHash, in: db) != nil
            {
                return (.success(stored), [])
            }
            if let expired = DecisionRules.expiring(action, at: now) {
                // Expiry has come before the sweeper did: record it, then refuse. The throw must
                // not roll the expiry back, so it is committed and reported through the result.
                let change = try self.ledger.commit(expired, in: db)
                return (.failure(ProtocolError(.expired, "the action expired at \(expired.expiresAt)", action: expired)), [change])
            }
            let decided = try DecisionRules.decide(action, by: approver, masked, at: now)
            if let key = idempotencyKey {
                try self.ledger.rememberIdempotency(
                    principal: approver.id, scope: "decide:" + id, key: key, requestHash: requestHash, actionID: id, at: now, in: db)
            }
            let change = try self.ledger.commit(decided, in: db)
            return (.success(change.stored), [change])
        }.get()
    }

    /// Cancels the requester's own pending action.
    public func cancel(id: String, by principal: Principal) async throws -> Ledger.Stored {
        try await write { db -> (Result<Ledger.Stored, ProtocolError>, [Ledger.Change]) in
            let now = Timestamp.now()
            guard let action = try self.ledger.action(id: id, in: db) else { throw ProtocolError(.notFound, "no such action") }
            try DecisionRules.requireRequester(action, principal)
            if let expired = DecisionRules.expiring(action, at: now) {
                let change = try self.ledger.commit(expired, in: db)
                return (.failure(ProtocolError(.expired, "the action expired at \(expired.expiresAt)", action: expired)), [change])
            }
            let change = try self.ledger.commit(try DecisionRules.cancel(action, by: principal, at: now), in: db)
            return (.success(change.stored), [change])
        }.get()
    }

    /// Expires every pending action whose time has come; returns how many.
    @discardableResult
    public func expireDue() async throws -> Int {
        try await write { db in
            let now = Timestamp.now()
            let due = try self.ledger.dueForExpiry(at: now, in: db)
            let changes = try due.compactMap { try DecisionRules.expiring($0, at: now).map { try self.ledger.commit($0, in: db) } }
            return (changes.count, changes)
        }
    }

    /// Drops events outside the replay window and expired idempotency keys, `batch` rows of each
    /// per write, so the single writer is never held for long.
    ///
    /// One DELETE of everything held the writer for ~3 s after a minute of 1,500 submissions/s
    /// (90,000 events past the window): every decision and submission waited that long
    /// (tollgate-bench `--only policy` found it). Between batches other writes get their turn.
    /// Returns how many rows went.
    @discardableResult
    public func prune(batch: Int = 2_000) async throws -> Int {
        let keepAfter = hub.lastSeq - Int64(configuration.replayWindow)
        let cutoff = Timestamp.now().adding(seconds: -Double(configuration.idempotencyRetention))
        var total = 0
        while true {
            let deleted = try await ledger.pool.write { db in
                try self.ledger.prune(keepEventsAfter: keepAfter, idempotencyBefore: cutoff, limit: batch, in: db)
            }
            total += deleted
            guard deleted > 0, !Task.isCancelled else { return total }
        }
    }

    // MARK: - Reads

    /// The action `id` as `principal` may see it; with `wait`, long-polls while it is pending.
    public func action(id: String, for principal: Principal, wait: Int?) async throws -> Ledger.Stored {
        let canReadAll = principal.has(.approver) || principal.has(.auditor)
        func load() throws -> Ledger.Stored {
            guard let stored = try ledger.stored(id: id) else { throw ProtocolError(.notFound, "no such action") }
            guard canReadAll || stored.action.requester.id == principal.id else {
                throw ProtocolError(.forbidden, "agents may read only their own actions")
            }
            return stored
        }
        guard let wait, wait > 0 else { return try load() }
        let deadline = ContinuousClock.now + .seconds(min(wait, configuration.maxWait))
        while true {
            // Register before reading, so a change between the read and the wait is not missed.
            guard let (stream, token) = hub.waiter(for: id) else { return try load() }
            defer { hub.removeWaiter(for: id, token: token) }
            let stored = try load()
            if stored.action.status.isResolved || ContinuousClock.now >= deadline { return stored }
            let timer = Task { [hub] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                hub.removeWaiter(for: id, token: token)
            }
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()
            timer.cancel()
            if Task.isCancelled { return try load() }
        }
    }

    /// A page of actions, newest first, for `GET /v1/actions`; `after` is the last one of the previous page.
    public func list(status: ActionStatus?, since: Timestamp?, limit: Int, after: (createdAtMilliseconds: Int64, id: String)?) throws -> [Action] {
        try ledger.list(status: status, since: since, limit: limit, after: after)
    }

    /// Up to `limit` audit records after sequence number `after`, each one JSON line as stored.
    public func auditLines(after: Int64, limit: Int) throws -> [String] {
        try ledger.auditLines(after: after, limit: limit)
    }

    /// SHA-256 of a request's JSON with sorted keys, to recognise a retried idempotent request.
    private static func hash<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return SHA256Hex.hex(Array(try encoder.encode(value)))
    }
}

/// Action ids: `act_` + 26 Crockford base32 characters, time-ordered (48-bit ms) then 80 random bits.
public enum ActionID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    public static func make(at now: Timestamp) -> String {
        var rng = SystemRandomNumberGenerator()
        var value =
            (UInt128(UInt64(bitPattern: now.milliseconds) & 0xFFFF_FFFF_FFFF) << 80) | UInt128(rng.next() as UInt64) << 16 | UInt128(rng.next() as UInt16)
        var chars = [Character](repeating: "0", count: 26)
        for i in (0..<26).reversed() {
            chars[i] = alphabet[Int(value & 31)]
            value >>= 5
        }
        return "act_" + String(chars)
    }
}
