/// A submission as the policy sees it: the fields rules match on and what the requester asked for.
public struct PolicySubmission: Hashable, Sendable {
    public var subject: PolicySubject
    public var claim: PolicyClaim

    public init(subject: PolicySubject, claim: PolicyClaim) {
        self.subject = subject; self.claim = claim
    }

    /// The submission of `request` by the principal `requester` (the authenticated id).
    public init(request: ActionRequest, requester: String) {
        self.init(
            subject: PolicySubject(kind: request.kind, environment: request.environment, resource: request.resource, requester: requester),
            claim: PolicyClaim(request: request))
    }
}

/// What the requester asked for, kept apart from what the matched rule requires.
public struct PolicyClaim: Hashable, Sendable {
    public var risk: Risk
    public var approvals: Int
    /// nil when the requester left the lifetime to the server's default.
    public var ttlSeconds: Int?
    /// Whether the justification holds anything a reader can see (white space, invisible
    /// characters and dots alone are no justification).
    public var hasJustification: Bool

    public init(risk: Risk, approvals: Int, ttlSeconds: Int?, hasJustification: Bool) {
        self.risk = risk; self.approvals = approvals; self.ttlSeconds = ttlSeconds; self.hasJustification = hasJustification
    }

    public init(request: ActionRequest) {
        self.init(
            risk: request.risk, approvals: request.requiredApprovals, ttlSeconds: request.ttlSeconds,
            hasJustification: request.justification.map { !Identity.key($0).isEmpty } ?? false)
    }
}

/// What an action must meet: the stricter of its rule and its requester's claim on every count.
public struct PolicyRequirements: Hashable, Sendable {
    public var risk: Risk
    /// Distinct approvers, at least the sum of the group minimums.
    public var approvals: Int
    public var groups: [GroupMinimum]
    /// The rule's ceiling on the lifetime, if any (see `PolicyEvaluation.ttlSeconds(default:)`).
    public var maxTTLSeconds: Int?
    public var justificationRequired: Bool
    public var outcome: PolicyOutcome

    public init(
        risk: Risk, approvals: Int, groups: [GroupMinimum] = [], maxTTLSeconds: Int? = nil,
        justificationRequired: Bool = false, outcome: PolicyOutcome = .review
    ) {
        self.risk = risk; self.approvals = approvals; self.groups = groups; self.maxTTLSeconds = maxTTLSeconds
        self.justificationRequired = justificationRequired; self.outcome = outcome
    }

    /// The claim raised to `rule`'s floors; with no rule, the claim as it stands.
    public init(rule: PolicyRule?, claim: PolicyClaim) {
        guard let rule else {
            self.init(risk: claim.risk, approvals: claim.approvals)
            return
        }
        self.init(
            risk: max(rule.risk ?? .low, claim.risk),
            approvals: max(rule.approvalsFloor, claim.approvals),
            groups: rule.groups,
            maxTTLSeconds: rule.maxTTLSeconds,
            justificationRequired: rule.justificationRequired,
            outcome: rule.outcome)
    }
}

/// The result of a policy on one submission: the rule that matched (if any), what the
/// requester claimed, and what the action therefore requires.
public struct PolicyEvaluation: Hashable, Sendable {
    public var rule: PolicyRule?
    public var claimed: PolicyClaim
    public var required: PolicyRequirements

    public init(rule: PolicyRule?, claimed: PolicyClaim) {
        self.rule = rule
        self.claimed = claimed
        required = PolicyRequirements(rule: rule, claim: claimed)
    }

    /// True when the rule requires a justification and the submission has none (422
    /// `justification_required`).
    public var lacksJustification: Bool { required.justificationRequired && !claimed.hasJustification }

    /// The action's lifetime: what was asked, or the server's `default`, cut to the rule's ceiling.
    public func ttlSeconds(default defaultTTL: Int) -> Int {
        min(claimed.ttlSeconds ?? defaultTTL, required.maxTTLSeconds ?? Int.max)
    }
}
