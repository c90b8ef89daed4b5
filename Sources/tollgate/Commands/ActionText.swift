import Foundation
import TollgateCore

/// An action described for a person, the same way in `watch`, `history`, `approve` and `deny`.
///
/// What the server's rule requires and what the requester asked for are separate labelled
/// lines, so nobody takes the agent's claim for the rule; a rule's own resolution names its
/// decider `policy:<id>`; a break-glass approval carries `breakGlassMark` wherever it appears.
/// Every line goes through `Printable.line`: the agent wrote most of it, and the rest (rule
/// reasons, approver ids) is shown the same way.
enum ActionText {
    /// The mark of a break-glass approval, the same in every command so it can be searched for.
    static let breakGlassMark = "!! BREAK-GLASS !!"

    /// `rule: prod-iam — IAM changes… (risk at least critical; needs 2 approvers, 1 from security; max ttl 30m; justification required)`.
    static func rule(_ rule: AppliedRule) -> String {
        var parts: [String] = []
        if let risk = rule.risk { parts.append("risk at least \(risk.rawValue)") }
        switch rule.outcome {
        case .review: parts.append(needs(rule.approvals, rule.groups))
        case .approve: parts.append("approves at submission")
        case .deny: parts.append("denies at submission")
        }
        if let ttl = rule.maxTTLSeconds { parts.append("max ttl \(HumanDuration.short(ttl))") }
        if rule.justificationRequired { parts.append("justification required") }
        return Printable.line("rule: \(rule.id)\(dash)\(rule.reason) (\(parts.joined(separator: "; ")))")
    }

    /// The action's rule line; without a matched rule, says that the requester's values stand.
    static func ruleOrNone(_ a: Action) -> String {
        if let applied = a.rule { return rule(applied) }
        let named = a.policy.id == "unspecified" ? "" : " (the requester named policy \(a.policy.id))"
        return Printable.line("rule: none matched; the requester's values stand\(named)")
    }

    /// `requester asked: risk low, 1 approval, ttl 1h00m, policy p`: the claim, kept apart from the rule.
    static func claim(_ claim: RequesterClaim) -> String {
        Printable.line("requester asked: " + claimWords(claim))
    }

    /// `risk low, 1 approval, ttl 1h00m, policy p`, not sanitised (for CSV, which has its own guard).
    static func claimWords(_ claim: RequesterClaim) -> String {
        var parts = ["risk \(claim.risk.rawValue)", "\(claim.requiredApprovals) approval\(claim.requiredApprovals == 1 ? "" : "s")"]
        if let ttl = claim.ttlSeconds { parts.append("ttl \(HumanDuration.short(ttl))") }
        if let policy = claim.policy { parts.append("policy \(policy.id)") }
        return parts.joined(separator: ", ")
    }

    /// One decision: `approved by policy:staging-restarts at submission: …`, the break-glass mark, or `approve by alice [sre]: …`.
    static func decision(_ d: Decision, in action: Action) -> String {
        let reason = d.reason.isEmpty ? "" : ": \(d.reason)"
        if PolicyDecider.isPolicy(d.approver) {
            let verdict = d.verdict == .approve ? "approved" : "denied"
            return Printable.line("\(verdict) by \(d.approver) at submission\(reason)")
        }
        if d.breakGlass {
            let rule = action.rule.map { ", overriding rule \($0.id) (\(needs(action.requiredApprovals, $0.groups)))" } ?? ""
            return Printable.line("\(breakGlassMark) \(d.approver) approved alone\(rule)\(reason)")
        }
        let groups = d.groups.isEmpty ? "" : " [\(d.groups.joined(separator: ", "))]"
        return Printable.line("\(d.verdict.rawValue) by \(d.approver)\(groups) at \(d.at)\(reason)")
    }

    /// Who resolved the action, for one table cell: `policy:<id>`, the break-glass approver, or the approvers.
    static func decidedBy(_ a: Action) -> String {
        if let glass = a.decisions.first(where: \.breakGlass) { return "BREAK-GLASS \(glass.approver)" }
        switch a.status {
        case .pending: return "\(a.approvalCount)/\(a.requiredApprovals)"
        case .approved: return a.decisions.filter { $0.verdict == .approve }.map(\.approver).joined(separator: ", ")
        case .denied: return a.decisions.filter { $0.verdict == .deny }.map(\.approver).joined(separator: ", ")
        case .expired, .cancelled: return "-"
        }
    }

    /// The whole description: a header, then labelled lines indented by two spaces.
    static func block(_ a: Action) -> [String] {
        let env = a.environment.map { " \($0)" } ?? ""
        let header = [Printable.line("\(a.id) \(a.status.rawValue) \(a.kind)\(env) risk \(a.risk.rawValue)")]
        var labelled = ["summary: \(a.summary)"]
        let requester = a.requester.onBehalfOf.map { "\(a.requester.id) for \($0)" } ?? a.requester.id
        labelled.append("requested by: \(requester) at \(a.createdAt)")
        if let command = a.command { labelled.append("command: \(command)") }
        if let resource = a.resource { labelled.append("resource: \(resource)") }
        if let justification = a.justification { labelled.append("justification: \(justification)") }
        var out = labelled.map { "  " + Printable.line($0) }
        out.append("  " + ruleOrNone(a))
        if let claimed = a.claimed { out.append("  " + claim(claimed)) }
        if a.status == .pending { out.append("  " + Printable.line("approvals: \(quorumWords(a))")) }
        out += a.decisions.map { "  " + decision($0, in: a) }
        return header + out
    }

    /// `1/2, needs 1 approver from security`, or `2/2` once complete.
    static func quorumWords(_ a: Action) -> String {
        let progress = a.quorumProgress
        let count = "\(min(progress.seated, progress.required))/\(progress.required)"
        return progress.isComplete ? count : "\(count), \(progress.description)"
    }

    /// `needs 2 approvers, 1 from security`.
    private static func needs(_ approvals: Int, _ groups: [GroupMinimum]) -> String {
        let count = "needs \(approvals) approver\(approvals == 1 ? "" : "s")"
        return ([count] + groups.map { "\($0.count) from \($0.group)" }).joined(separator: ", ")
    }

    /// An em dash where the terminal speaks UTF-8.
    private static var dash: String { Locale.utf8Terminal ? " — " : " - " }
}
