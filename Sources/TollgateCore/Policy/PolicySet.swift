/// The ordered rules of a policy: the first whose matchers all match a submission decides
/// what it requires.
public struct PolicySet: Hashable, Sendable {
    public var rules: [PolicyRule]

    public init(rules: [PolicyRule]) { self.rules = rules }

    /// The first rule matching `subject`, or nil.
    public func firstMatch(_ subject: PolicySubject) -> PolicyRule? {
        // By index: `first(where:)` copies every rule it tries (a dozen references retained and
        // released each), which cost more than matching it; only the rule returned is copied.
        for i in rules.indices where rules[i].matches(subject) { return rules[i] }
        return nil
    }

    /// The matched rule and what it makes of the submission; with no rule matching, the
    /// requester's own values stand.
    public func evaluate(_ submission: PolicySubmission) -> PolicyEvaluation {
        PolicyEvaluation(rule: firstMatch(submission.subject), claimed: submission.claim)
    }
}
