/// The decision rules of protocol.md as pure functions over an action.
///
/// The server runs these inside one write transaction per action, which is what serialises
/// concurrent decisions: whichever transaction runs first changes the action, and the
/// others see the changed action and get a 409.
public enum DecisionRules {
    /// Longest reason accepted, in bytes.
    public static let maxReasonBytes = 4_096
    /// Shortest reason a break-glass approval accepts, in characters: enough to say what broke.
    public static let breakGlassReasonLength = 20

    /// The action resolved as `expired` when it is pending and `now` is at or past `expires_at`.
    public static func expiring(_ action: Action, at now: Timestamp) -> Action? {
        guard action.status == .pending, now >= action.expiresAt else { return nil }
        var expired = action
        expired.status = .expired
        expired.resolvedAt = action.expiresAt
        return expired
    }

    /// Applies `request` by `approver` to a pending, unexpired `action`.
    ///
    /// Throws the protocol error a server must answer with; conflicts carry the action.
    public static func decide(_ action: Action, by approver: Principal, _ request: DecisionRequest, at now: Timestamp) throws(ProtocolError) -> Action {
        try requirePending(action)
        if action.isRequested(by: approver.id) {
            throw ProtocolError(.selfApproval, "\(approver.id) requested this action (directly or on whose behalf it runs) and cannot decide it")
        }
        if action.hasDecision(by: approver.id) {
            throw ProtocolError(.alreadyDecided, "\(approver.id) has already decided this action", action: action)
        }
        if request.digest != action.digest {
            throw ProtocolError(.digestMismatch, "the digest sent is not this action's; reload it and look again", action: action)
        }
        let reason = String(request.reason.trimmingWhitespace)
        if reason.utf8.count > maxReasonBytes {
            throw ProtocolError(.badRequest, "reason: longer than \(maxReasonBytes) bytes")
        }
        if request.breakGlass { try requireBreakGlass(by: approver, request.verdict, reason: reason) }
        if reason.isEmpty && (request.verdict == .deny || action.reasonRequiredForApproval) {
            let why = request.verdict == .deny ? "a deny needs a reason" : "a verdict on a critical action needs a reason"
            throw ProtocolError(.reasonRequired, why)
        }
        if request.verdict == .approve, !request.breakGlass, case .notEligible(let progress) = action.eligibility(of: approver) {
            throw ProtocolError(
                .notEligible, "\(approver.id)'s approval would not count: the action \(progress.description) (rule \(action.policy.id))", action: action)
        }
        var next = action
        next.decisions.append(
            Decision(
                approver: approver.id, verdict: request.verdict, reason: reason, at: now, digest: request.digest,
                groups: approver.groups, breakGlass: request.breakGlass))
        switch request.verdict {
        case .deny:
            next.status = .denied
            next.resolvedAt = now
        case .approve where request.breakGlass || next.quorumProgress.isComplete:
            next.status = .approved
            next.resolvedAt = now
        case .approve:
            break
        }
        return next
    }

    /// Throws unless `approver` may break the glass with this verdict and reason: the
    /// `breakglass` role (403), an approval (400), and a reason that says what broke (422).
    static func requireBreakGlass(by approver: Principal, _ verdict: Verdict, reason: String) throws(ProtocolError) {
        guard approver.has(.breakglass) else {
            throw ProtocolError(.forbidden, "\(approver.id) lacks the breakglass role, which a break-glass approval needs")
        }
        guard verdict == .approve else { throw ProtocolError(.badRequest, "break_glass: only an approval can break the glass; a deny needs no one else") }
        guard visibleLength(of: reason) >= breakGlassReasonLength else {
            throw ProtocolError(.reasonRequired, "a break-glass approval needs a reason of at least \(breakGlassReasonLength) characters saying what broke")
        }
    }

    /// The length of a reason as a break-glass approval counts it, in characters: white space
    /// at either end trimmed, and neither invisible characters nor controls counted, so they
    /// cannot pad a reason to length. Clients check with this before sending; the server again.
    public static func visibleLength(of reason: String) -> Int {
        String(reason.trimmingWhitespace).filter { c in
            !c.unicodeScalars.allSatisfy { $0.properties.isDefaultIgnorableCodePoint || $0.properties.generalCategory == .control }
        }.count
    }

    /// Cancels a pending action on its requester's behalf.
    public static func cancel(_ action: Action, by principal: Principal, at now: Timestamp) throws(ProtocolError) -> Action {
        try requireRequester(action, principal)
        try requirePending(action)
        var next = action
        next.status = .cancelled
        next.resolvedAt = now
        return next
    }

    /// Throws `forbidden` unless `principal` submitted `action` (compared as `Identity` compares ids).
    public static func requireRequester(_ action: Action, _ principal: Principal) throws(ProtocolError) {
        guard Identity.same(action.requester.id, principal.id) else {
            throw ProtocolError(.forbidden, "only the requester can cancel an action")
        }
    }

    /// Throws `expired` (410) or `already_resolved` (409) unless the action is pending.
    public static func requirePending(_ action: Action) throws(ProtocolError) {
        switch action.status {
        case .pending: return
        case .expired: throw ProtocolError(.expired, "the action expired at \(action.expiresAt)", action: action)
        default: throw ProtocolError(.alreadyResolved, "the action is already \(action.status.rawValue)", action: action)
        }
    }
}
