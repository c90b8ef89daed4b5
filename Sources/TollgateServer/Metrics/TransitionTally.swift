import TollgateCore

/// What committed transitions add to the metrics: submissions, decisions by verdict,
/// resolutions by status, and how long people took to decide.
///
/// Pure, so every case is tested without a server or a ledger:
/// - no previous state is a submission; one already resolved (a policy's `approve` or `deny`
///   outcome) is a resolution too;
/// - a decision is one appended to `decisions`, a policy's automatic one included;
/// - a resolution is pending → resolved;
/// - a change that leaves the decisions and the status as they were (an idempotent replay, the
///   escalation mark) adds nothing.
struct TransitionTally: Equatable, Sendable {
    var submissions = 0
    var decisions: [Verdict: Int] = [:]
    /// By the resolved status: approved, denied, expired or cancelled.
    var resolutions: [ActionStatus: Int] = [:]
    /// Milliseconds from `created_at` to `resolved_at` of each action approved or denied after
    /// it had been pending. A policy's outcome at submission takes no time and nobody's
    /// attention, and an expiry or a cancellation is no decision: they would hide how long
    /// approvers take, so they have their own counters only.
    var decisionLatencies: [Int64] = []

    init(_ transitions: some Sequence<Ledger.Transition>) {
        for transition in transitions { add(transition) }
    }

    private mutating func add(_ transition: Ledger.Transition) {
        let current = transition.current
        let previous = transition.previous
        if previous == nil { submissions += 1 }
        for decision in current.decisions.dropFirst(previous?.decisions.count ?? 0) {
            decisions[decision.verdict, default: 0] += 1
        }
        guard previous?.status ?? .pending == .pending, current.status.isResolved else { return }
        resolutions[current.status, default: 0] += 1
        if previous != nil, current.status == .approved || current.status == .denied, let resolvedAt = current.resolvedAt {
            // Clocks of two replicas may disagree by a little: never a negative duration.
            decisionLatencies.append(max(0, resolvedAt.milliseconds - current.createdAt.milliseconds))
        }
    }
}
