import TollgateCore

/// Decides which webhook deliveries a committed change owes, and when escalations open: pure,
/// so the ledgers (SQLite and PostgreSQL alike) store exactly what it says in the transaction
/// of the change itself.
public struct NoticePlanner: Sendable {
    public let notifiers: [NotifierSettings]
    /// The notifiers that escalate, with their windows.
    let escalating: [NotifierSettings]

    public init(notifiers: [NotifierSettings]) {
        self.notifiers = notifiers
        escalating = notifiers.filter { $0.escalateBeforeSeconds != nil }
    }

    /// No notifiers: nothing to plan.
    public var isEmpty: Bool { notifiers.isEmpty }

    /// The events `transition` announces, in a fixed order: `pending` for a submission left
    /// pending, `resolved` for one resolved now (at submission by a rule too), `break-glass` for
    /// a resolution by a break-glass approval. An escalation is not a transition's
    /// (`escalations(of:at:)`).
    static func events(of transition: Ledger.Transition) -> [NotifierSettings.Event] {
        let current = transition.current
        let wasResolved = transition.previous?.status.isResolved ?? false
        if transition.previous == nil, current.status == .pending { return [.pending] }
        guard current.status.isResolved, !wasResolved else { return [] }
        return current.isBreakGlass ? [.resolved, .breakGlass] : [.resolved]
    }

    /// The deliveries `transition` owes: one per notifier that covers the action and takes the
    /// event. `json` is the action as stored (masked), `now` the commit's time.
    public func deliveries(for transition: Ledger.Transition, json: String, at now: Timestamp) -> [Ledger.Delivery] {
        guard !notifiers.isEmpty else { return [] }
        let events = Self.events(of: transition)
        guard !events.isEmpty else { return [] }
        var out: [Ledger.Delivery] = []
        for notifier in notifiers where notifier.covers(transition.current) {
            for event in events where notifier.events.contains(event) {
                out.append(Ledger.Delivery(notifier: notifier.id, event: event, actionID: transition.current.id, actionJSON: json, createdAt: now))
            }
        }
        return out
    }

    /// The escalating notifiers whose window has opened on the pending `action` at `now`
    /// (`expires_at - escalate_before_seconds <= now < expires_at`), and among them those that
    /// cover it (the ones that fire). A window opens once: the ledger remembers each
    /// (action, notifier) it has seen open, fired or not.
    public func escalations(of action: Action, at now: Timestamp) -> (open: [String], firing: [String]) {
        guard action.status == .pending, now < action.expiresAt else { return ([], []) }
        let open = escalating.filter { now >= action.expiresAt.adding(seconds: -Double($0.escalateBeforeSeconds ?? 0)) }
        return (open.map(\.id), open.filter { $0.covers(action) }.map(\.id))
    }

    /// The windows the ledger queries for, one per escalating notifier: its id and how many
    /// seconds before expiry it opens.
    public var escalationWindows: [(notifier: String, seconds: Int)] {
        escalating.compactMap { n in n.escalateBeforeSeconds.map { (n.id, $0) } }
    }

    /// What an escalation sweep does with `action` once the ledger has recorded which of the
    /// open windows are new (`newlyOpen`: the marks it could insert; a window another sweep
    /// recorded first is not new): the notifiers to deliver to, and the action to store when
    /// this is its first escalation (`escalated_at`, a feed event), else nil.
    func escalation(of action: Action, firing: [String], newlyOpen: [String], at now: Timestamp) -> (fire: [String], escalated: Action?) {
        let fire = firing.filter(newlyOpen.contains)
        guard !fire.isEmpty, action.escalatedAt == nil else { return (fire, nil) }
        var escalated = action
        escalated.escalatedAt = now
        return (fire, escalated)
    }
}
