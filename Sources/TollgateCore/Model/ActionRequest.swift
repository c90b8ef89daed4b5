/// The body of `POST /v1/actions`: what an agent asks for.
///
/// Decoding is strict about types (a wrong type is a `bad_request` naming the field) and
/// lenient about unknown fields. `validate(maxTTL:)` checks the limits the server enforces.
public struct ActionRequest: Codable, Hashable, Sendable {
    public var kind: String
    public var summary: String
    public var command: String?
    public var resource: String?
    public var environment: String?
    public var risk: Risk
    public var policy: Policy?
    public var justification: String?
    public var context: [ContextEntry]
    public var diffs: [ActionDiff]
    public var requiredApprovals: Int
    public var ttlSeconds: Int?
    public var onBehalfOf: String?
    /// Tollgate extension: the agent's session or run id, shown to approvers.
    public var session: String?

    public init(
        kind: String, summary: String, command: String? = nil, resource: String? = nil,
        environment: String? = nil, risk: Risk = .medium, policy: Policy? = nil,
        justification: String? = nil, context: [ContextEntry] = [], diffs: [ActionDiff] = [],
        requiredApprovals: Int = 1, ttlSeconds: Int? = nil, onBehalfOf: String? = nil, session: String? = nil
    ) {
        self.kind = kind; self.summary = summary; self.command = command; self.resource = resource
        self.environment = environment; self.risk = risk; self.policy = policy
        self.justification = justification; self.context = context; self.diffs = diffs
        self.requiredApprovals = requiredApprovals; self.ttlSeconds = ttlSeconds
        self.onBehalfOf = onBehalfOf; self.session = session
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, summary, command, resource, environment, risk, policy, justification, context, diffs, session
        case requiredApprovals = "required_approvals", ttlSeconds = "ttl_seconds", onBehalfOf = "on_behalf_of"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        summary = try c.decode(String.self, forKey: .summary)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        resource = try c.decodeIfPresent(String.self, forKey: .resource)
        environment = try c.decodeIfPresent(String.self, forKey: .environment)
        risk = try c.decodeIfPresent(Risk.self, forKey: .risk) ?? .medium
        policy = try c.decodeIfPresent(Policy.self, forKey: .policy)
        justification = try c.decodeIfPresent(String.self, forKey: .justification)
        context = try c.decodeIfPresent([ContextEntry].self, forKey: .context) ?? []
        diffs = try c.decodeIfPresent([ActionDiff].self, forKey: .diffs) ?? []
        requiredApprovals = try c.decodeIfPresent(Int.self, forKey: .requiredApprovals) ?? 1
        ttlSeconds = try c.decodeIfPresent(Int.self, forKey: .ttlSeconds)
        onBehalfOf = try c.decodeIfPresent(String.self, forKey: .onBehalfOf)
        session = try c.decodeIfPresent(String.self, forKey: .session)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(summary, forKey: .summary)
        try c.encodeIfPresent(command, forKey: .command)
        try c.encodeIfPresent(resource, forKey: .resource)
        try c.encodeIfPresent(environment, forKey: .environment)
        try c.encode(risk, forKey: .risk)
        try c.encodeIfPresent(policy, forKey: .policy)
        try c.encodeIfPresent(justification, forKey: .justification)
        try c.encode(context, forKey: .context)
        try c.encode(diffs, forKey: .diffs)
        try c.encode(requiredApprovals, forKey: .requiredApprovals)
        try c.encodeIfPresent(ttlSeconds, forKey: .ttlSeconds)
        try c.encodeIfPresent(onBehalfOf, forKey: .onBehalfOf)
        try c.encodeIfPresent(session, forKey: .session)
    }

    /// Limits on one submission, so a single action can always be shown and stored.
    public enum Limits {
        public static let kindLength = 64
        public static let summaryLength = 1_000
        public static let shortFieldLength = 4_096
        public static let contextEntries = 200
        public static let diffCount = 50
        public static let maxApprovals = 10
    }

    /// Checks values the type system cannot: returns a one-line message naming the field.
    public func validate(maxTTL: Int) -> String? {
        if kind.isEmpty || kind.utf8.count > Limits.kindLength
            || !kind.utf8.allSatisfy({ Self.kindBytes.contains($0) })
            || kind.hasPrefix(".") || kind.hasSuffix(".") || kind.contains("..")
        {
            return "kind: expected a dotted lowercase category such as data.export (1-\(Limits.kindLength) of a-z 0-9 _ - .)"
        }
        if summary.trimmingWhitespace.isEmpty { return "summary: must not be empty" }
        if summary.count > Limits.summaryLength { return "summary: longer than \(Limits.summaryLength) characters" }
        for (name, value) in [("resource", resource), ("environment", environment), ("on_behalf_of", onBehalfOf), ("session", session)] {
            if let v = value, v.utf8.count > Limits.shortFieldLength { return "\(name): longer than \(Limits.shortFieldLength) bytes" }
        }
        if let p = policy, p.id.isEmpty { return "policy.id: must not be empty" }
        if context.count > Limits.contextEntries { return "context: more than \(Limits.contextEntries) entries" }
        if diffs.count > Limits.diffCount { return "diffs: more than \(Limits.diffCount) diffs" }
        for (i, diff) in diffs.enumerated() {
            if let problem = DiffFormat.problem(with: diff) { return "diffs[\(i)].\(problem)" }
        }
        if !(1...Limits.maxApprovals).contains(requiredApprovals) { return "required_approvals: expected 1 to \(Limits.maxApprovals)" }
        if let ttl = ttlSeconds, !(1...maxTTL).contains(ttl) { return "ttl_seconds: expected 1 to \(maxTTL)" }
        return nil
    }

    /// The request with its JSON plans approver-safe (`DiffFormat.approverSafe`), for the server
    /// to do before masking and storing; throws `bad_request` naming the diff that is not JSON.
    public func approverSafe() throws(ProtocolError) -> ActionRequest {
        var safe = self
        for i in diffs.indices {
            do {
                safe.diffs[i] = try DiffFormat.approverSafe(diffs[i])
            } catch {
                throw ProtocolError(.badRequest, "diffs[\(i)].\(error.message)")
            }
        }
        return safe
    }

    private static let kindBytes: Set<UInt8> = Set(Array("abcdefghijklmnopqrstuvwxyz0123456789_-.".utf8))
}

/// The body of `POST /v1/actions/{id}/decisions`.
public struct DecisionRequest: Codable, Hashable, Sendable {
    public var verdict: Verdict
    public var reason: String
    /// The digest of the action as the approver saw it.
    public var digest: String
    /// A break-glass approval: approves alone, whatever the rule requires (role `breakglass`,
    /// a reason of at least `DecisionRules.breakGlassReasonLength` characters).
    public var breakGlass: Bool

    public init(verdict: Verdict, reason: String, digest: String, breakGlass: Bool = false) {
        self.verdict = verdict; self.reason = reason; self.digest = digest; self.breakGlass = breakGlass
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case verdict, reason, digest
        case breakGlass = "break_glass"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        verdict = try c.decode(Verdict.self, forKey: .verdict)
        reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? ""
        digest = try c.decode(String.self, forKey: .digest)
        breakGlass = try c.decodeIfPresent(Bool.self, forKey: .breakGlass) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(reason, forKey: .reason)
        try c.encode(digest, forKey: .digest)
        // Left out when false, so an ordinary decision's body (and its idempotency hash) is as before.
        if breakGlass { try c.encode(true, forKey: .breakGlass) }
    }
}

extension String {
    /// The string without leading and trailing white space (Foundation-free).
    public var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!  // exists: `first` does
        return Substring(scalars[first...last])
    }
}
