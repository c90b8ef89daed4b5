import TollgateCore

/// What a pending action still needs before it is approved, and whose approval would count,
/// worked out once per change of the action (a queue row keeps it).
///
/// The quorum's seating is a maximum matching (`GroupQuorum`): cheap for one action, but not
/// something to redo for every row on every frame, nor for every cursor move. Everything a
/// frame or a key needs is therefore settled here: the short text the list shows, and the
/// groups an approval must come from to count, so deciding whether `a` is offered is a set
/// lookup against the approver's groups.
struct QuorumNeeds: Hashable, Sendable {
    /// `1 more from security`, `1 more approver`, `1 from sre or 1 from security`: shown on the
    /// queue row of a pending action whose rule sets group minimums; nil where the `OK` column
    /// (`1/2`) says it all, and once the action is no longer pending.
    let short: String?
    /// The groups (as `Identity.key`s) an approval must come from to count; nil when anyone's
    /// approval counts.
    private let countingGroups: [String]?
    /// The same groups as the rule spells them, for the refusal.
    private let countingNames: [String]

    /// Nothing is missing that only some approvers can give: what an action without group
    /// minimums has.
    static let anyone = QuorumNeeds(short: nil, countingGroups: nil, countingNames: [])

    private init(short: String?, countingGroups: [String]?, countingNames: [String]) {
        self.short = short
        self.countingGroups = countingGroups
        self.countingNames = countingNames
    }

    init(_ action: Action) {
        guard action.status == .pending else {
            self = .anyone
            return
        }
        let groups = action.rule?.groups ?? []
        guard !groups.isEmpty else {
            // Without group minimums every new approver counts, and the `OK` column (1/2) says
            // what is missing: no matching to run, no text to add.
            self = .anyone
            return
        }
        let progress = action.quorumProgress
        let short = progress.isComplete ? nil : Self.short(progress.missing)
        let quorum = action.quorum, approvers = action.approvers
        // An approval counts when it seats one more person; whether it does depends only on the
        // approver's groups (their id is checked apart: one vote each). A probe with no group
        // tells whether an open seat is left; one per group, whether that group's seat is.
        func counts(_ groups: [String]) -> Bool {
            quorum.eligibility(of: QuorumApprover(id: Self.probeID, groups: groups), given: approvers) == .counts
        }
        if counts([]) {
            self.init(short: short, countingGroups: nil, countingNames: [])
            return
        }
        let helping = groups.map(\.group).filter { counts([$0]) }
        self.init(short: short, countingGroups: helping.map(Identity.key), countingNames: helping)
    }

    /// An approver id no approver of a pending action can have: token ids may not name a rule.
    private static let probeID = PolicyDecider.prefix + "console-probe"

    /// Whether an approval by `principal` would count towards what is still missing.
    func counts(_ principal: Principal) -> Bool {
        guard let countingGroups else { return true }
        return principal.groups.contains { countingGroups.contains(Identity.key($0)) }
    }

    /// Why an approval by `principal` would not count, in words; nil when it would.
    func refusal(for principal: Principal) -> String? {
        guard !counts(principal) else { return nil }
        switch countingNames.count {
        case 0: return "Your approval would not count: this still needs \(short ?? "approvers you cannot stand in for")"
        case 1: return "You are not in \(countingNames[0]), which this still needs"
        default: return "You are in none of \(countingNames.joined(separator: ", ")), one of which this still needs"
        }
    }

    /// The list's compact form of `missing`: each way to complete the quorum, joined by "or"
    /// (`1 more from security`; `1 from sre or 1 from security`; `1 from security + 1 more`).
    static func short(_ missing: [MissingApprovers]) -> String {
        missing.map { way in
            if missing.count == 1, way.fromAnyone == 0, way.fromGroups.count == 1, let only = way.fromGroups.first {
                return "\(only.count) more from \(only.group)"
            }
            var parts = way.fromGroups.map { "\($0.count) from \($0.group)" }
            if way.fromAnyone > 0 {
                parts.append(parts.isEmpty ? "\(way.fromAnyone) more approver\(way.fromAnyone == 1 ? "" : "s")" : "\(way.fromAnyone) more")
            }
            return parts.joined(separator: " + ")
        }.joined(separator: " or ")
    }
}
