/// One request for approval, as the server stores it and every consumer receives it.
///
/// Every string in it was written by an automated agent: treat it as data (see `TextSanitizer`).
/// Decoding ignores unknown fields; encoding writes every field of protocol.md, with
/// explicit `null` for absent optional values.
public struct Action: Codable, Hashable, Sendable, Identifiable {
    public var id: String
    public var status: ActionStatus
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var resolvedAt: Timestamp?
    /// When a notifier's escalation window opened on it while still pending: the alert that it
    /// is about to expire undecided. Nil until then; never part of the digest.
    public var escalatedAt: Timestamp?
    public var requester: Requester
    public var kind: String
    public var summary: String
    public var command: String?
    public var resource: String?
    public var environment: String?
    public var risk: Risk
    public var policy: Policy
    public var justification: String?
    public var context: [ContextEntry]
    public var diffs: [ActionDiff]
    public var requiredApprovals: Int
    /// The policy rule the server matched at submission, with its requirements; nil when none did.
    public var rule: AppliedRule?
    /// What the requester asked for; nil on actions stored before policy existed.
    public var claimed: RequesterClaim?
    public var decisions: [Decision]
    public var redactions: Int
    public var digest: String

    public init(
        id: String, status: ActionStatus = .pending, createdAt: Timestamp, expiresAt: Timestamp,
        resolvedAt: Timestamp? = nil, requester: Requester, kind: String, summary: String,
        command: String? = nil, resource: String? = nil, environment: String? = nil, risk: Risk,
        policy: Policy, justification: String? = nil, context: [ContextEntry] = [],
        diffs: [ActionDiff] = [], requiredApprovals: Int = 1, rule: AppliedRule? = nil, claimed: RequesterClaim? = nil,
        decisions: [Decision] = [], redactions: Int = 0, digest: String = "", escalatedAt: Timestamp? = nil
    ) {
        self.id = id; self.status = status; self.createdAt = createdAt; self.expiresAt = expiresAt
        self.resolvedAt = resolvedAt; self.requester = requester; self.kind = kind; self.summary = summary
        self.command = command; self.resource = resource; self.environment = environment; self.risk = risk
        self.policy = policy; self.justification = justification; self.context = context; self.diffs = diffs
        self.requiredApprovals = requiredApprovals; self.rule = rule; self.claimed = claimed
        self.decisions = decisions; self.redactions = redactions; self.digest = digest
        self.escalatedAt = escalatedAt
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, requester, kind, summary, command, resource, environment, risk, policy
        case justification, context, diffs, rule, claimed, decisions, redactions, digest
        case createdAt = "created_at", expiresAt = "expires_at", resolvedAt = "resolved_at", escalatedAt = "escalated_at"
        case requiredApprovals = "required_approvals"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(resolvedAt, forKey: .resolvedAt)
        try c.encode(requester, forKey: .requester)
        try c.encode(kind, forKey: .kind)
        try c.encode(summary, forKey: .summary)
        try c.encode(command, forKey: .command)
        try c.encode(resource, forKey: .resource)
        try c.encode(environment, forKey: .environment)
        try c.encode(escalatedAt, forKey: .escalatedAt)
        try c.encode(risk, forKey: .risk)
        try c.encode(policy, forKey: .policy)
        try c.encode(justification, forKey: .justification)
        try c.encode(context, forKey: .context)
        try c.encode(diffs, forKey: .diffs)
        try c.encode(requiredApprovals, forKey: .requiredApprovals)
        try c.encode(rule, forKey: .rule)
        try c.encode(claimed, forKey: .claimed)
        try c.encode(decisions, forKey: .decisions)
        try c.encode(redactions, forKey: .redactions)
        try c.encode(digest, forKey: .digest)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        status = try c.decode(ActionStatus.self, forKey: .status)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        expiresAt = try c.decode(Timestamp.self, forKey: .expiresAt)
        resolvedAt = try c.decodeIfPresent(Timestamp.self, forKey: .resolvedAt)
        requester = try c.decode(Requester.self, forKey: .requester)
        kind = try c.decode(String.self, forKey: .kind)
        summary = try c.decode(String.self, forKey: .summary)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        resource = try c.decodeIfPresent(String.self, forKey: .resource)
        environment = try c.decodeIfPresent(String.self, forKey: .environment)
        escalatedAt = try c.decodeIfPresent(Timestamp.self, forKey: .escalatedAt)
        risk = try c.decode(Risk.self, forKey: .risk)
        policy = try c.decode(Policy.self, forKey: .policy)
        justification = try c.decodeIfPresent(String.self, forKey: .justification)
        context = try c.decodeIfPresent([ContextEntry].self, forKey: .context) ?? []
        diffs = try c.decodeIfPresent([ActionDiff].self, forKey: .diffs) ?? []
        requiredApprovals = try c.decode(Int.self, forKey: .requiredApprovals)
        rule = try c.decodeIfPresent(AppliedRule.self, forKey: .rule)
        claimed = try c.decodeIfPresent(RequesterClaim.self, forKey: .claimed)
        decisions = try c.decodeIfPresent([Decision].self, forKey: .decisions) ?? []
        redactions = try c.decodeIfPresent(Int.self, forKey: .redactions) ?? 0
        digest = try c.decode(String.self, forKey: .digest)
    }
}

// MARK: - Derived facts

extension Action {
    /// Distinct approvers who voted approve so far: two spellings of one id (see `Identity`)
    /// are one person.
    public var approvalCount: Int {
        Set(decisions.lazy.filter { $0.verdict == .approve }.map { Identity.key($0.approver) }).count
    }

    /// Who must approve: `required_approvals` distinct people, with the matched rule's group minimums.
    public var quorum: GroupQuorum {
        GroupQuorum(approvals: requiredApprovals, groups: rule?.groups ?? [])
    }

    /// The approvals so far, each with the groups its approver was in when deciding.
    public var approvers: [QuorumApprover] {
        decisions.filter { $0.verdict == .approve }.map { QuorumApprover(id: $0.approver, groups: $0.groups) }
    }

    /// How far the approvals are towards the quorum, and what is still missing.
    public var quorumProgress: QuorumProgress { quorum.progress(approvers) }

    /// Whether an approval by `principal` would count now (not whether they may decide at all:
    /// see `DecisionRules.decide` for self-approval and the rest).
    public func eligibility(of principal: Principal) -> QuorumEligibility {
        quorum.eligibility(of: QuorumApprover(id: principal.id, groups: principal.groups), given: approvers)
    }

    /// True when someone approved it alone under break-glass.
    public var isBreakGlass: Bool { decisions.contains(where: \.breakGlass) }

    /// The rule that resolved it at submission (`outcome = "approve"` or `"deny"`), if one did.
    public var resolvingRule: AppliedRule? {
        guard let rule, rule.outcome != .review, decisions.first?.approver == rule.decider else { return nil }
        return rule
    }

    /// True when `principalID` asked for this action, directly or as the one it is done for.
    /// Such a principal may never decide it.
    public func isRequested(by principalID: String) -> Bool {
        Requester.names(principalID, id: requester.id, onBehalfOf: requester.onBehalfOf)
    }

    /// True when `principalID` has already voted on this action, under any spelling (see `Identity`).
    public func hasDecision(by principalID: String) -> Bool {
        decisions.contains { Identity.same($0.approver, principalID) }
    }

    /// Whether any verdict on this action must carry a reason (a deny always does).
    public var reasonRequiredForApproval: Bool { risk.requiresReasonForApproval }
}

// MARK: - Parts

/// Who submitted an action and for whom.
public struct Requester: Codable, Hashable, Sendable {
    public var id: String
    public var kind: RequesterKind
    public var onBehalfOf: String?
    public var session: String?

    public init(id: String, kind: RequesterKind = .agent, onBehalfOf: String? = nil, session: String? = nil) {
        self.id = id; self.kind = kind; self.onBehalfOf = onBehalfOf; self.session = session
    }

    /// True when `principalID` is the requester `id` or the one it acts for, under any spelling
    /// (see `Identity`): the rule against self-approval, for whoever holds these two fields (an
    /// action, or a console's queue row).
    public static func names(_ principalID: String, id: String, onBehalfOf: String?) -> Bool {
        Identity.same(id, principalID) || onBehalfOf.map { Identity.same($0, principalID) } == true
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case id, kind, session, onBehalfOf = "on_behalf_of" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decodeIfPresent(RequesterKind.self, forKey: .kind) ?? .agent
        onBehalfOf = try c.decodeIfPresent(String.self, forKey: .onBehalfOf)
        session = try c.decodeIfPresent(String.self, forKey: .session)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(onBehalfOf, forKey: .onBehalfOf)
        try c.encode(session, forKey: .session)
    }
}

/// Which rule paused an action, and why.
public struct Policy: Codable, Hashable, Sendable {
    public var id: String
    public var reason: String
    public init(id: String, reason: String) { self.id = id; self.reason = reason }

    enum CodingKeys: String, CodingKey, CaseIterable { case id, reason }
}

/// One ordered key/value pair of an action's context.
public struct ContextEntry: Codable, Hashable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }

    enum CodingKeys: String, CodingKey, CaseIterable { case key, value }
}

/// A titled unified diff attached to an action.
public struct ActionDiff: Codable, Hashable, Sendable {
    public var title: String
    public var format: String
    public var text: String

    public init(title: String, format: String = "unified", text: String) {
        self.title = title; self.format = format; self.text = text
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case title, format, text }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decode(String.self, forKey: .title)
        format = try c.decodeIfPresent(String.self, forKey: .format) ?? "unified"
        text = try c.decode(String.self, forKey: .text)
    }
}

/// One approver's vote on an action.
public struct Decision: Codable, Hashable, Sendable {
    public var approver: String
    public var verdict: Verdict
    public var reason: String
    public var at: Timestamp
    /// The action digest the approver was shown when deciding.
    public var digest: String
    /// The approver's groups when deciding (from the tokens file), which is what group
    /// minimums count; empty for a rule's auto-resolution.
    public var groups: [String]
    /// True for a break-glass approval: one approver with the `breakglass` role, whatever the rule required.
    public var breakGlass: Bool

    public init(
        approver: String, verdict: Verdict, reason: String, at: Timestamp, digest: String, groups: [String] = [], breakGlass: Bool = false
    ) {
        self.approver = approver; self.verdict = verdict; self.reason = reason; self.at = at; self.digest = digest
        self.groups = groups; self.breakGlass = breakGlass
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case approver, verdict, reason, at, digest, groups
        case breakGlass = "break_glass"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        approver = try c.decode(String.self, forKey: .approver)
        verdict = try c.decode(Verdict.self, forKey: .verdict)
        reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? ""
        at = try c.decode(Timestamp.self, forKey: .at)
        digest = try c.decode(String.self, forKey: .digest)
        groups = try c.decodeIfPresent([String].self, forKey: .groups) ?? []
        breakGlass = try c.decodeIfPresent(Bool.self, forKey: .breakGlass) ?? false
    }
}
