/// One alert as it goes out: how many things it stands for, the one it names, and its words.
struct Alert: Hashable, Sendable {
    private(set) var arrived = 0
    private(set) var escalated = 0
    /// The most urgent of them: the first escalation, else the riskiest arrival (the first of
    /// equals), since a notification has room to name only one.
    private(set) var headline: AlertEvent

    init(_ event: AlertEvent) {
        headline = event
        count(event)
    }

    var total: Int { arrived + escalated }

    mutating func add(_ event: AlertEvent) {
        count(event)
        if Self.outranks(event, headline) { headline = event }
    }

    // MARK: - Words

    /// The notification's title, our own words: `new high action`, `escalated critical action`,
    /// `5 new actions`, `3 new actions, 2 escalated`.
    var title: String {
        if total == 1 {
            let what = headline.reason == .escalated ? "escalated" : "new"
            return "\(what) \(headline.risk.rawValue) action"
        }
        var parts: [String] = []
        if arrived > 0 { parts.append("\(arrived) new action\(arrived == 1 ? "" : "s")") }
        if escalated > 0 { parts.append("\(escalated) escalated") }
        return parts.joined(separator: ", ")
    }

    /// What it is about: the headline's kind and summary, agent-written and raw (the sequence
    /// builder sanitises it).
    var subject: String { headline.kind + ": " + headline.summary }

    /// Our own words after the subject, so a cut subject never hides the count.
    var others: String { total > 1 ? " (and \(total - 1) more)" : "" }

    // MARK: - Internals

    private mutating func count(_ event: AlertEvent) {
        switch event.reason {
        case .arrived: arrived += 1
        case .escalated: escalated += 1
        }
    }

    private static func outranks(_ a: AlertEvent, _ b: AlertEvent) -> Bool {
        switch (a.reason, b.reason) {
        case (.escalated, .arrived): true
        case (.arrived, .arrived): a.risk > b.risk
        default: false
        }
    }
}
