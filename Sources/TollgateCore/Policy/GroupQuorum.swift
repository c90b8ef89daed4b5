/// Who still has to approve an action whose rule sets group minimums, and whether one more
/// approval would count.
///
/// The quorum is `approvals` seats: `count` seats for each group minimum, and the rest open to
/// anyone. Every distinct approver takes one seat of a kind they may take, so one person counts
/// towards one group only, however many groups they are in; the seating is a maximum matching
/// (`SlotMatching`), never a greedy one. An approval counts when it seats one more person.
/// People are compared as `Identity.key` has it, group names too.
public struct GroupQuorum: Hashable, Sendable {
    /// Distinct approvers required in all, at least the sum of the group minimums.
    public let approvals: Int
    public let groups: [GroupMinimum]

    public init(approvals: Int, groups: [GroupMinimum]) {
        self.groups = groups
        self.approvals = max(approvals, groups.reduce(0) { $0 + $1.count })
    }

    public init(_ requirements: PolicyRequirements) {
        self.init(approvals: requirements.approvals, groups: requirements.groups)
    }

    /// Where the action stands with `approvers` (repeats of one person count once).
    public func progress(_ approvers: [QuorumApprover]) -> QuorumProgress {
        let people = distinct(approvers)
        let seated = matching(people).maximum()
        return QuorumProgress(seated: seated, required: approvals, missing: seated == approvals ? [] : missing(people, seated: seated))
    }

    /// Whether `candidate`'s approval would count towards what is still missing.
    public func eligibility(of candidate: QuorumApprover, given approvers: [QuorumApprover]) -> QuorumEligibility {
        let key = Identity.key(candidate.id)
        if approvers.contains(where: { Identity.key($0.id) == key }) { return .alreadyCounted }
        let people = distinct(approvers)
        let seated = matching(people).maximum()
        if seated < approvals, matching(people + [seatKinds(candidate.groups)]).maximum() > seated { return .counts }
        return .notEligible(QuorumProgress(seated: seated, required: approvals, missing: seated == approvals ? [] : missing(people, seated: seated)))
    }

    // MARK: Seating

    /// The seat kinds of each distinct person: the indices of their groups among `groups`, and
    /// `groups.count` for the open seats.
    private func distinct(_ approvers: [QuorumApprover]) -> [[Int]] {
        var order: [String] = []
        var groupsOf: [String: Set<String>] = [:]
        for approver in approvers {
            let key = Identity.key(approver.id)
            if groupsOf[key] == nil { order.append(key) }
            groupsOf[key, default: []].formUnion(approver.groups)
        }
        return order.map { seatKinds(Array(groupsOf[$0] ?? [])) }
    }

    private func seatKinds(_ memberOf: [String]) -> [Int] {
        let keys = Set(memberOf.map(Identity.key))
        return groups.indices.filter { keys.contains(Identity.key(groups[$0].group)) } + [groups.count]
    }

    private var capacities: [Int] {
        groups.map(\.count) + [approvals - groups.reduce(0) { $0 + $1.count }]
    }

    private func matching(_ people: [[Int]], capacities: [Int]? = nil) -> SlotMatching {
        SlotMatching(kinds: people, capacities: capacities ?? self.capacities)
    }

    /// The easiest ways to complete the quorum: every way the seated people can leave seats
    /// empty, keeping only those no other one beats by needing fewer from some group.
    private func missing(_ people: [[Int]], seated: Int) -> [MissingApprovers] {
        let full = capacities
        var empties: [[Int]] = []
        var filled = [Int](repeating: 0, count: full.count)
        func fill(_ kind: Int, _ left: Int) {
            if kind == full.count {
                if left == 0, matching(people, capacities: filled).maximum() == seated {
                    empties.append(zip(full, filled).map { $0 - $1 })
                }
                return
            }
            for n in 0...min(full[kind], left) {
                filled[kind] = n
                fill(kind + 1, left - n)
            }
            filled[kind] = 0
        }
        fill(0, seated)
        let easiest = empties.filter { e in
            !empties.contains { other in other != e && zip(other, e).dropLast().allSatisfy { $0 <= $1 } }
        }
        return easiest.map { e in
            MissingApprovers(
                fromGroups: groups.indices.compactMap { e[$0] > 0 ? GroupMinimum(group: groups[$0].group, count: e[$0]) : nil },
                fromAnyone: e[groups.count])
        }
    }
}

/// An approver as the quorum sees them: who, and in which groups.
public struct QuorumApprover: Hashable, Sendable {
    public var id: String
    public var groups: [String]
    public init(id: String, groups: [String]) { self.id = id; self.groups = groups }
}

/// One way to complete a quorum: so many more approvers from these groups, and so many from anyone.
public struct MissingApprovers: Hashable, Sendable {
    public var fromGroups: [GroupMinimum]
    public var fromAnyone: Int

    public init(fromGroups: [GroupMinimum], fromAnyone: Int) {
        self.fromGroups = fromGroups; self.fromAnyone = fromAnyone
    }

    /// `1 approver from security and 1 more from anyone`.
    public var description: String {
        var parts = fromGroups.map { "\($0.count) approver\($0.count == 1 ? "" : "s") from \($0.group)" }
        if fromAnyone > 0 {
            parts.append(parts.isEmpty ? "\(fromAnyone) more approver\(fromAnyone == 1 ? "" : "s")" : "\(fromAnyone) more from anyone")
        }
        return parts.count < 2 ? parts.joined() : parts.dropLast().joined(separator: ", ") + " and " + (parts.last ?? "")
    }
}

/// How far a quorum is: seats taken, seats in all, and the easiest ways to fill the rest.
public struct QuorumProgress: Hashable, Sendable {
    public var seated: Int
    public var required: Int
    /// Alternatives, any one of which completes the quorum; empty once it is complete.
    public var missing: [MissingApprovers]

    public init(seated: Int, required: Int, missing: [MissingApprovers]) {
        self.seated = seated; self.required = required; self.missing = missing
    }

    public var isComplete: Bool { seated >= required }

    /// `needs 1 approver from security`; `needs 1 approver from sre, or 1 approver from security`
    /// when either would do; `needs nothing more` once complete.
    public var description: String {
        missing.isEmpty ? "needs nothing more" : "needs " + missing.map(\.description).joined(separator: ", or ")
    }
}

/// Whether an approval counts towards a quorum.
public enum QuorumEligibility: Hashable, Sendable {
    /// It takes a seat nobody else could.
    case counts
    /// The same person already approved: they count once.
    case alreadyCounted
    /// It fills nothing still missing (403 `not_eligible`); the progress says what is.
    case notEligible(QuorumProgress)
}
