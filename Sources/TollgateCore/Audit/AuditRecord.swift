/// One link of the audit chain: the record of an action's resolution.
///
/// `hash = "sha256:" + hex(SHA-256(canonical JSON of every field but hash))`, where the
/// canonical form is RFC 8785 (see `JSONValue.canonicalBytes`) and `prev` is the previous
/// record's hash (`sha256:` + 64 zeros for the first). `GET /v1/audit` serves one record per line.
public struct AuditRecord: Codable, Hashable, Sendable {
    public var seq: Int64
    public var actionID: String
    public var digest: String
    public var status: ActionStatus
    public var decisions: [Decision]
    public var resolvedAt: Timestamp
    public var prev: String
    public var hash: String

    /// Writes the record as its hash covers it, plus `hash`: a decision's `groups` and
    /// `break_glass` only when set, so a verifier hashing the record's own members (protocol.md's
    /// `verify_audit.py`) computes the same hash.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(digest, forKey: .digest)
        try c.encode(status, forKey: .status)
        try c.encode(decisions.map(Self.hashed), forKey: .decisions)
        try c.encode(resolvedAt, forKey: .resolvedAt)
        try c.encode(prev, forKey: .prev)
        try c.encode(hash, forKey: .hash)
    }

    /// The `prev` of the first record.
    public static let genesis = "sha256:" + String(repeating: "0", count: 64)

    enum CodingKeys: String, CodingKey {
        case seq, digest, status, decisions, prev, hash
        case actionID = "action_id", resolvedAt = "resolved_at"
    }

    /// A new record linked to `prev`, with its hash computed.
    public init(seq: Int64, action: Action, prev: String) {
        self.seq = seq
        self.actionID = action.id
        self.digest = action.digest
        self.status = action.status
        self.decisions = action.decisions
        self.resolvedAt = action.resolvedAt ?? action.expiresAt
        self.prev = prev
        self.hash = ""
        self.hash = computedHash
    }

    /// The document the hash covers: every field but `hash`.
    public var hashedDocument: JSONValue {
        .object([
            "seq": .int(seq),
            "action_id": .string(actionID),
            "digest": .string(digest),
            "status": .string(status.rawValue),
            "decisions": .array(decisions.map(Self.hashed)),
            "resolved_at": .string(resolvedAt.description),
            "prev": .string(prev),
        ])
    }

    /// A decision as the hash covers it. `break_glass` and `groups` are members only when set,
    /// so records written before they existed keep their hashes and the chain still verifies.
    private static func hashed(_ decision: Decision) -> JSONValue {
        var members: [String: JSONValue] = [
            "approver": .string(decision.approver), "verdict": .string(decision.verdict.rawValue),
            "reason": .string(decision.reason), "at": .string(decision.at.description), "digest": .string(decision.digest),
        ]
        if decision.breakGlass { members["break_glass"] = .bool(true) }
        if !decision.groups.isEmpty { members["groups"] = .array(decision.groups.map(JSONValue.string)) }
        return .object(members)
    }

    public var computedHash: String { SHA256Hex.prefixed(hashedDocument.canonicalBytes) }
}

/// Verifies a sequence of audit records offline.
public enum AuditChain {
    /// Where and why a chain is broken.
    public struct Break: Hashable, Sendable, CustomStringConvertible {
        public var seq: Int64
        public var reason: String
        public var description: String { "record \(seq): \(reason)" }
    }

    /// The first broken link in `records` (in order), or nil when every link holds.
    ///
    /// `previousHash` is the hash of the record before the first one given (the genesis
    /// value when verifying from the start), so a chain can be verified in pieces.
    public static func firstBreak<S: Sequence>(in records: S, previousHash: String = AuditRecord.genesis, previousSeq: Int64 = 0) -> Break?
    where S.Element == AuditRecord {
        var prev = previousHash
        var lastSeq = previousSeq
        for r in records {
            if r.seq <= lastSeq { return Break(seq: r.seq, reason: "sequence number does not increase (after \(lastSeq))") }
            if r.prev != prev { return Break(seq: r.seq, reason: "prev is \(r.prev), but the record before hashes to \(prev)") }
            let h = r.computedHash
            if h != r.hash { return Break(seq: r.seq, reason: "content does not match its hash (stored \(r.hash), computed \(h))") }
            prev = r.hash
            lastSeq = r.seq
        }
        return nil
    }
}
