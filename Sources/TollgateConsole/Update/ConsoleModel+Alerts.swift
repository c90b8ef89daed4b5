import TollgateCore

// MARK: - What alerts, and the terminal title

extension ConsoleModel {
    /// The alert a pending `action` calls for as it is taken in, given the row the console
    /// knew before it (nil: never seen).
    ///
    /// Nothing alerts before the server's feed's first `sync` (`live`): what the cache and the first catch-up
    /// bring is the queue the approver opens the console to. From then on:
    /// - an action the console has never seen, arriving on the feed at or above
    ///   `notify_min_risk`, alerts, whether it came live or in a reconnect's catch-up (it
    ///   arrived while the console was away); one the console already knows never does, so a
    ///   replay or a snapshot after `reset` re-sending it is silent;
    /// - an escalation starting alerts at any risk: `escalated_at` set on an action the
    ///   console knew without it, or on one it has never seen, arriving on the feed. Once
    ///   known as escalated, no copy of the action alerts again.
    func alert(for action: Action, known: QueueRow?, fromFeed: Bool, live: Bool) -> AlertEvent? {
        guard live, alerts.mode != .off, action.status == .pending else { return nil }
        let reason: AlertEvent.Reason
        if let known {
            guard known.escalatedAt == nil, action.escalatedAt != nil else { return nil }
            reason = .escalated
        } else if fromFeed, action.escalatedAt != nil {
            reason = .escalated
        } else if fromFeed, action.risk >= alerts.minRisk {
            reason = .arrived
        } else {
            return nil
        }
        return AlertEvent(reason: reason, risk: action.risk, kind: action.kind, summary: action.summary)
    }

    /// The terminal title with `--title`: `tollgate: 3 pending`, `, 1 escalated` when there
    /// are; nil without `--title` and offline, where there is no queue to count.
    var terminalTitle: String? {
        guard titleEnabled, !isOffline else { return nil }
        var title = "tollgate: \(pendingCount) pending"
        if escalatedCount > 0 { title += ", \(escalatedCount) escalated" }
        return title
    }

    /// `.setTitle` when the title differs from the one last sent: after a message that changed
    /// the counts, never on every frame.
    mutating func titleChange() -> [Effect] {
        guard let title = terminalTitle, title != shownTitle else { return [] }
        shownTitle = title
        return [.setTitle(title)]
    }
}
