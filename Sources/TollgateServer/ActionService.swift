import Foundation
import Logging
import TollgateCore

/// The approval rules applied to the ledger: submit, decide, cancel, read, expire.
///
/// HTTP-agnostic, so the rules can be tested without a socket, and storage-agnostic: each
/// state change is a pure rule the ledger applies inside one transaction of its own
/// (`LedgerStore`), on SQLite or on PostgreSQL alike.
public final class ActionService: Sendable {
    let ledger: any LedgerStore
    public let hub: FeedHub
    let configuration: ServerConfiguration
    /// The policy submissions are ruled by (and the tokens), as the last reload left them.
    let live: LiveConfiguration
    let masker: SecretMasker
    private let logger: Logger

    /// A service over `ledger`, whose commits `hub` publishes (the ledger's feed must be started).
    public init(
        ledger: any LedgerStore, hub: FeedHub, configuration: ServerConfiguration, live: LiveConfiguration, masker: SecretMasker, logger: Logger
    ) {
        self.ledger = ledger
        self.hub = hub
        self.configuration = configuration
        self.live = live
        self.masker = masker
        self.logger = logger
    }

    // MARK: - Writes

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
        let principal = entry.principal.id
        // Only a retry can be recognised, and only a request with a key can be retried.
        let claim = try idempotencyKey.map { Ledger.IdempotencyClaim(principal: principal, scope: "submit", key: $0, requestHash: try Self.hash(request)) }
        let defaultTTL = configuration.defaultTTL
        return try await ledger.submit(claim: claim) { now in
            let rule = evaluation.rule.map(AppliedRule.init)
            var action = Action(
                id: ActionID.make(at: now),
                createdAt: now,
                expiresAt: now.adding(seconds: Double(evaluation.ttlSeconds(default: defaultTTL))),
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
            return action
        }
    }

    /// Records `approver`'s decision; conflicts throw with the action as it now stands.
    public func decide(id: String, _ request: DecisionRequest, by approver: Principal, idempotencyKey: String?) async throws -> Ledger.Stored {
        var masked = request
        masked.reason = masker.mask(request.reason).text
        let decision = masked
        let claim = try idempotencyKey.map {
            Ledger.IdempotencyClaim(principal: approver.id, scope: "decide:" + id, key: $0, requestHash: try Self.hash(request))
        }
        return try await ledger.update(id: id, claim: claim) { action, now in
            // Expiry has come before the sweeper did: record it, then refuse.
            if let expired = DecisionRules.expiring(action, at: now) { return Self.refusal(expired) }
            return .commit(try DecisionRules.decide(action, by: approver, decision, at: now))
        }
    }

    /// Cancels the requester's own pending action.
    public func cancel(id: String, by principal: Principal) async throws -> Ledger.Stored {
        try await ledger.update(id: id, claim: nil) { action, now in
            try DecisionRules.requireRequester(action, principal)
            if let expired = DecisionRules.expiring(action, at: now) { return Self.refusal(expired) }
            return .commit(try DecisionRules.cancel(action, by: principal, at: now))
        }
    }

    /// An action found expired on the way: stored as expired, and the request refused.
    private static func refusal(_ expired: Action) -> Ledger.Update {
        .commitThenRefuse(expired, ProtocolError(.expired, "the action expired at \(expired.expiresAt)", action: expired))
    }

    /// Expires every pending action whose time has come; returns how many.
    @discardableResult
    public func expireDue() async throws -> Int {
        try await ledger.expireDue { action, now in DecisionRules.expiring(action, at: now) }
    }

    /// Records the escalations whose windows have opened (`[[notify]]` with
    /// `escalate_before_seconds`); returns how many actions escalated.
    @discardableResult
    public func escalateDue() async throws -> Int {
        try await ledger.escalateDue()
    }

    /// Drops events outside the replay window and expired idempotency keys, `batch` rows of each
    /// per write, so the writer is never held for long.
    ///
    /// One DELETE of everything held SQLite's writer for ~3 s after a minute of 1,500
    /// submissions/s (90,000 events past the window): every decision and submission waited that
    /// long (tollgate-bench `--only policy` found it). Between batches other writes get their turn.
    /// Returns how many rows went.
    @discardableResult
    public func prune(batch: Int = 2_000) async throws -> Int {
        let keepAfter = hub.lastSeq - Int64(configuration.replayWindow)
        let cutoff = Timestamp.now().adding(seconds: -Double(configuration.idempotencyRetention))
        var total = 0
        while true {
            let deleted = try await ledger.prune(keepEventsAfter: keepAfter, idempotencyBefore: cutoff, limit: batch)
            total += deleted
            guard deleted > 0, !Task.isCancelled else { return total }
        }
    }

    // MARK: - Reads

    /// The action `id` as `principal` may see it; with `wait`, long-polls while it is pending.
    public func action(id: String, for principal: Principal, wait: Int?) async throws -> Ledger.Stored {
        let canReadAll = principal.has(.approver) || principal.has(.auditor)
        let ledger = self.ledger
        func load() async throws -> Ledger.Stored {
            guard let stored = try await ledger.stored(id: id) else { throw ProtocolError(.notFound, "no such action") }
            guard canReadAll || stored.action.requester.id == principal.id else {
                throw ProtocolError(.forbidden, "agents may read only their own actions")
            }
            return stored
        }
        guard let wait, wait > 0 else { return try await load() }
        let deadline = ContinuousClock.now + .seconds(min(wait, configuration.maxWait))
        while true {
            // Register before reading, so a change between the read and the wait is not missed.
            guard let (stream, token) = hub.waiter(for: id) else { return try await load() }
            defer { hub.removeWaiter(for: id, token: token) }
            let stored = try await load()
            if stored.action.status.isResolved || ContinuousClock.now >= deadline { return stored }
            let timer = Task { [hub] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                hub.removeWaiter(for: id, token: token)
            }
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()
            timer.cancel()
            if Task.isCancelled { return try await load() }
        }
    }

    /// A page of actions, newest first, for `GET /v1/actions`; `after` is the last one of the previous page.
    public func list(status: ActionStatus?, since: Timestamp?, limit: Int, after: (createdAtMilliseconds: Int64, id: String)?) async throws -> [Action] {
        try await ledger.list(status: status, since: since, limit: limit, after: after)
    }

    /// Up to `limit` audit records after sequence number `after`, each one JSON line as stored.
    public func auditLines(after: Int64, limit: Int) async throws -> [String] {
        try await ledger.auditLines(after: after, limit: limit)
    }

    /// SHA-256 of a request's JSON with sorted keys, to recognise a retried idempotent request.
    private static func hash<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return SHA256Hex.hex(Array(try encoder.encode(value)))
    }
}

/// Action ids: `act_` + 26 Crockford base32 characters, time-ordered (48-bit ms) then 80 random bits.
///
/// The 128 bits are written most significant first, five to a character: the first ten
/// characters carry the milliseconds (the first of them three bits only, so it is at most `7`),
/// the other sixteen the random bits.
public enum ActionID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    /// Each byte's value as a digit of `alphabet`, -1 for a byte that is none: a table, as a first
    /// scrape of the metrics reads the time of every pending action (ten thousand, say).
    private static let digits: [Int64] = (0...255).map { byte in alphabet.firstIndex(of: UInt8(byte)).map(Int64.init) ?? -1 }
    private static let prefix = "act_"

    public static func make(at now: Timestamp) -> String {
        var rng = SystemRandomNumberGenerator()
        var value =
            (UInt128(UInt64(bitPattern: now.milliseconds) & 0xFFFF_FFFF_FFFF) << 80) | UInt128(rng.next() as UInt64) << 16 | UInt128(rng.next() as UInt16)
        var chars = [UInt8](repeating: UInt8(ascii: "0"), count: 26)
        for i in (0..<26).reversed() {
            chars[i] = alphabet[Int(value & 31)]
            value >>= 5
        }
        return prefix + String(decoding: chars, as: UTF8.self)
    }

    /// The time `make` wrote into `id`: when the action was created, to the millisecond.
    ///
    /// Nil for anything `make` could not have written (another prefix or length, a character
    /// outside its lowercase alphabet, a first character above `7`): ids are read back from
    /// storage, so a malformed one must be an answer the caller handles, never a crash.
    public static func createdAt(_ id: String) -> Timestamp? {
        let utf8 = id.utf8
        guard utf8.count == prefix.utf8.count + 26, utf8.starts(with: prefix.utf8) else { return nil }
        var milliseconds: Int64 = 0
        for (index, byte) in utf8.dropFirst(prefix.utf8.count).enumerated() {
            let digit = digits[Int(byte)]
            guard digit >= 0, index > 0 || digit < 8 else { return nil }
            if index < 10 { milliseconds = milliseconds << 5 | digit }
        }
        return Timestamp(milliseconds: milliseconds)
    }
}
