/// The policy rule an action was submitted under, with its requirements as they were then.
///
/// Stored with the action and covered by its digest: a reload of the policy never changes what
/// a pending action needs, and an approval is bound to the requirements the approver was shown.
public struct AppliedRule: Codable, Hashable, Sendable {
    public var id: String
    public var reason: String
    /// The rule's floor on risk; nil when it sets none.
    public var risk: Risk?
    /// The rule's floor on distinct approvers (never below its group minimums' sum).
    public var approvals: Int
    /// At least so many of the approvers from each group, in the order the rule lists them.
    public var groups: [GroupMinimum]
    /// The rule's ceiling on the action's lifetime; nil when it sets none.
    public var maxTTLSeconds: Int?
    public var justificationRequired: Bool
    public var outcome: PolicyOutcome

    public init(
        id: String, reason: String, risk: Risk? = nil, approvals: Int = 1, groups: [GroupMinimum] = [],
        maxTTLSeconds: Int? = nil, justificationRequired: Bool = false, outcome: PolicyOutcome = .review
    ) {
        self.id = id; self.reason = reason; self.risk = risk; self.approvals = approvals; self.groups = groups
        self.maxTTLSeconds = maxTTLSeconds; self.justificationRequired = justificationRequired; self.outcome = outcome
    }

    /// What `rule` requires, as an action records it.
    public init(_ rule: PolicyRule) {
        self.init(
            id: rule.id, reason: rule.reason, risk: rule.risk, approvals: rule.approvalsFloor, groups: rule.groups,
            maxTTLSeconds: rule.maxTTLSeconds, justificationRequired: rule.justificationRequired, outcome: rule.outcome)
    }

    /// The decider an auto-resolution by this rule names: `policy:<id>`.
    public var decider: String { PolicyDecider.prefix + id }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, reason, risk, approvals, groups, justification, outcome
        case maxTTLSeconds = "max_ttl_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        reason = try c.decode(String.self, forKey: .reason)
        risk = try c.decodeIfPresent(Risk.self, forKey: .risk)
        approvals = try c.decode(Int.self, forKey: .approvals)
        groups = try c.decodeIfPresent([GroupMinimum].self, forKey: .groups) ?? []
        maxTTLSeconds = try c.decodeIfPresent(Int.self, forKey: .maxTTLSeconds)
        justificationRequired = try c.decode(JustificationRule.self, forKey: .justification) == .required
        outcome = try c.decode(PolicyOutcome.self, forKey: .outcome)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reason, forKey: .reason)
        try c.encode(risk, forKey: .risk)
        try c.encode(approvals, forKey: .approvals)
        try c.encode(groups, forKey: .groups)
        try c.encode(maxTTLSeconds, forKey: .maxTTLSeconds)
        try c.encode(justificationRequired ? JustificationRule.required : .optional, forKey: .justification)
        try c.encode(outcome, forKey: .outcome)
    }
}

/// A rule's `justification`: whether a submission must carry one.
public enum JustificationRule: String, Codable, Hashable, Sendable, CaseIterable, WireEnum {
    case required, optional
}

/// What the requester asked for, kept apart from what the server decided the action needs.
///
/// Approvers see both; the action's own `risk`, `required_approvals` and `expires_at` are the
/// stricter of this and the matched rule.
public struct RequesterClaim: Codable, Hashable, Sendable {
    public var risk: Risk
    public var requiredApprovals: Int
    /// nil when the requester left the lifetime to the server.
    public var ttlSeconds: Int?
    /// The policy the requester named, if it named one.
    public var policy: Policy?

    public init(risk: Risk, requiredApprovals: Int, ttlSeconds: Int? = nil, policy: Policy? = nil) {
        self.risk = risk; self.requiredApprovals = requiredApprovals; self.ttlSeconds = ttlSeconds; self.policy = policy
    }

    /// What `request` claims.
    public init(_ request: ActionRequest) {
        self.init(risk: request.risk, requiredApprovals: request.requiredApprovals, ttlSeconds: request.ttlSeconds, policy: request.policy)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case risk, policy
        case requiredApprovals = "required_approvals", ttlSeconds = "ttl_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        risk = try c.decode(Risk.self, forKey: .risk)
        requiredApprovals = try c.decode(Int.self, forKey: .requiredApprovals)
        ttlSeconds = try c.decodeIfPresent(Int.self, forKey: .ttlSeconds)
        policy = try c.decodeIfPresent(Policy.self, forKey: .policy)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(risk, forKey: .risk)
        try c.encode(requiredApprovals, forKey: .requiredApprovals)
        try c.encode(ttlSeconds, forKey: .ttlSeconds)
        try c.encode(policy, forKey: .policy)
    }
}

/// Deciders that are rules, not people: `policy:<id>`.
public enum PolicyDecider {
    public static let prefix = "policy:"

    /// True when `approver` names a rule: no token's id can (the tokens file refuses them).
    public static func isPolicy(_ approver: String) -> Bool { approver.hasPrefix(prefix) }
}
