/// Where an action stands. Every state but `pending` is final.
public enum ActionStatus: String, Codable, Sendable, CaseIterable, WireEnum, Comparable {
    case pending, approved, denied, expired, cancelled

    public var isResolved: Bool { self != .pending }

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!  // both are cases of allCases
    }
}

/// How dangerous the requester says the action is; `critical` needs a reason for any verdict.
public enum Risk: String, Codable, Sendable, CaseIterable, WireEnum, Comparable {
    case low, medium, high, critical

    /// 0 for low up to 3 for critical, for sorting by urgency.
    public var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .critical: 3
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }

    /// Whether an approval, too, must carry a reason at this risk (a deny always does).
    public var requiresReasonForApproval: Bool { self == .critical }
}

/// What sort of principal submitted an action.
public enum RequesterKind: String, Codable, Sendable, CaseIterable, WireEnum {
    case agent, pipeline, human
}

/// An approver's vote.
public enum Verdict: String, Codable, Sendable, CaseIterable, WireEnum {
    case approve, deny
}

/// What a principal may do; see protocol.md, "Principals and tokens".
public enum Role: String, Codable, Sendable, CaseIterable, WireEnum {
    case agent, approver, auditor
    /// May approve alone, whatever the rule requires, with a reason (a break-glass approval).
    case breakglass
}
