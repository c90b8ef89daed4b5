import TollgateCore

/// How the console calls the approver (`--notify`, or `notify` in config.toml).
public enum NotifyMode: String, Hashable, Sendable, CaseIterable {
    /// A terminal bell: a bare BEL.
    case bell
    /// A desktop notification through the terminal (OSC 777 and OSC 9), naming what arrived.
    case desktop
    /// Nothing at all.
    case off
}

/// What the console alerts on, and how.
public struct AlertSettings: Hashable, Sendable {
    public var mode: NotifyMode
    /// The least risk at which a new pending action alerts (`notify_min_risk`); an escalation
    /// alerts whatever its risk, since it is about to expire undecided.
    public var minRisk: Risk

    public init(mode: NotifyMode = .bell, minRisk: Risk = .high) {
        self.mode = mode
        self.minRisk = minRisk
    }
}

/// One thing the approver should hear about at once, as the model saw it.
public struct AlertEvent: Hashable, Sendable {
    /// Why it alerts.
    public enum Reason: Hashable, Sendable {
        /// A pending action the console had not seen arrived on the live feed.
        case arrived
        /// A notifier's escalation window opened on a pending action (`escalated_at` was set).
        case escalated
    }

    public var reason: Reason
    public var risk: Risk
    /// Agent-written, like the summary: sanitised wherever it reaches the terminal.
    public var kind: String
    public var summary: String

    /// The longest summary an event keeps: a notification shows less, and a burst of events
    /// must not hold megabyte summaries while it is gathered.
    static let keptSummary = 400

    public init(reason: Reason, risk: Risk, kind: String, summary: String) {
        self.reason = reason
        self.risk = risk
        self.kind = String(kind.prefix(Self.keptSummary))
        self.summary = String(summary.prefix(Self.keptSummary))
    }
}
