/// One `[[policy]]` table: which submissions it matches and what it requires of them.
///
/// The requirements are floors and ceilings, never values: a submission's own risk, approvals
/// and lifetime can make it stricter than the rule, never laxer (see `PolicySet.evaluate`).
public struct PolicyRule: Hashable, Sendable {
    /// The rule's name, `a-z 0-9 _ - .`, unique in its file; resolutions by it are `policy:<id>`.
    public var id: String
    /// Why the rule exists, shown to approvers and given as the reason of an auto-resolution.
    public var reason: String
    public var kinds: PolicyMatcher?
    public var environments: PolicyMatcher?
    public var resources: PolicyMatcher?
    /// Matched against the submitting principal's id (never `on_behalf_of`, which is agent text).
    public var requesters: PolicyMatcher?
    /// The lowest risk an action under the rule has.
    public var risk: Risk?
    /// The fewest distinct approvers, as written; see `approvalsFloor` for what is enforced.
    public var approvals: Int?
    /// How many of the approvers must come from each group, in the order written.
    public var groups: [GroupMinimum]
    /// The longest lifetime an action under the rule may have.
    public var maxTTLSeconds: Int?
    public var justificationRequired: Bool
    public var outcome: PolicyOutcome
    /// The line of the rule's `[[policy]]` header.
    public var line: Int

    public init(
        id: String, reason: String, kinds: PolicyMatcher? = nil, environments: PolicyMatcher? = nil,
        resources: PolicyMatcher? = nil, requesters: PolicyMatcher? = nil, risk: Risk? = nil, approvals: Int? = nil,
        groups: [GroupMinimum] = [], maxTTLSeconds: Int? = nil, justificationRequired: Bool = false,
        outcome: PolicyOutcome = .review, line: Int = 0
    ) {
        self.id = id; self.reason = reason; self.kinds = kinds; self.environments = environments
        self.resources = resources; self.requesters = requesters; self.risk = risk; self.approvals = approvals
        self.groups = groups; self.maxTTLSeconds = maxTTLSeconds; self.justificationRequired = justificationRequired
        self.outcome = outcome; self.line = line
    }

    /// The distinct approvers the rule requires at least: `approvals`, but never fewer than the
    /// group minimums add up to, since one person counts towards one group only.
    public var approvalsFloor: Int {
        max(approvals ?? 1, groups.reduce(0) { $0 + $1.count })
    }

    /// True when the rule has no matcher, so it matches every submission.
    public var matchesEverything: Bool {
        kinds == nil && environments == nil && resources == nil && requesters == nil
    }

    /// Whether every matcher the rule has matches the submission's (folded) fields.
    public func matches(_ subject: PolicySubject) -> Bool {
        (kinds?.matches(subject.kind) ?? true)
            && (environments?.matches(subject.environment) ?? true)
            && (resources?.matches(subject.resource) ?? true)
            && (requesters?.matches(subject.requester) ?? true)
    }
}

/// At least `count` of an action's approvers from `group`.
public struct GroupMinimum: Codable, Hashable, Sendable {
    public var group: String
    public var count: Int
    public init(group: String, count: Int) { self.group = group; self.count = count }

    enum CodingKeys: String, CodingKey, CaseIterable { case group, count }
}

/// What happens to a submission a rule matches.
public enum PolicyOutcome: String, Codable, Hashable, Sendable, CaseIterable, WireEnum {
    /// It waits for approvers, as every action does without policy.
    case review
    /// It is approved at submission, by `policy:<id>`.
    case approve
    /// It is denied at submission, by `policy:<id>`.
    case deny

    /// The verdict the rule gives at submission; nil when people decide.
    public var verdict: Verdict? {
        switch self {
        case .review: nil
        case .approve: .approve
        case .deny: .deny
        }
    }
}

/// The fields of a submission rules match on, folded once for all rules (`PolicyMatcher.fold`).
public struct PolicySubject: Hashable, Sendable {
    public var kind: [Unicode.Scalar]
    public var environment: [Unicode.Scalar]
    public var resource: [Unicode.Scalar]
    public var requester: [Unicode.Scalar]

    public init(kind: String, environment: String?, resource: String?, requester: String) {
        self.kind = PolicyMatcher.fold(kind)
        self.environment = PolicyMatcher.fold(environment)
        self.resource = PolicyMatcher.fold(resource)
        self.requester = PolicyMatcher.fold(requester)
    }
}
