import TollgateCore

/// The bulk decision screen (`a` or `d` with marks): first a preview of the marked actions the
/// verdict goes to and of those it leaves out and why, then the server's answer for each one.
struct BulkState: Sendable {
    enum Phase: Sendable {
        /// Nothing sent yet: the lists follow the marks and the queue until the confirmation.
        case preview
        /// Sent: the lists are what was sent, and each row fills in with its answer.
        case results
    }

    /// A marked action the verdict leaves out, and why, in the approver's words.
    struct Exclusion: Sendable {
        var row: QueueRow
        var why: String
    }

    /// One line of the scrolling table.
    enum Line {
        case action(QueueRow)
        case blank
        /// The title over the actions left out.
        case excludedHeading
        case excluded(QueueRow)
        /// Why the action on the line above is left out.
        case why(String)
    }

    let verdict: Verdict
    var phase = Phase.preview
    /// The actions the verdict goes to, in queue order: as they are now, or as they were sent.
    var included: [QueueRow] = []
    var excluded: [Exclusion] = []
    /// `Marks.dropped` when the preview opened, so it can say what was dropped while it was open.
    let droppedAtOpen: Int
    /// Marks dropped since marking began (resolved, or gone from the queue): not in the lists.
    var dropped = 0
    /// Marked actions the queue's filter hides now: in the lists all the same.
    var hidden = 0
    /// The first line of the table on screen.
    var scroll = 0
    /// The reason every decision carries (deny), once sent.
    var reason = ""
    /// Each sent action's answer so far.
    var results: [ActionKey: BulkResult] = [:]

    init(verdict: Verdict, droppedAtOpen: Int) {
        self.verdict = verdict
        self.droppedAtOpen = droppedAtOpen
    }

    /// Lines in the table: the actions, then a blank line, a title and two lines per action left out.
    var lineCount: Int { included.count + (excluded.isEmpty ? 0 : 2 + 2 * excluded.count) }

    func line(_ index: Int) -> Line? {
        if index < 0 { return nil }
        if index < included.count { return .action(included[index]) }
        let rest = index - included.count
        guard !excluded.isEmpty, rest < 2 + 2 * excluded.count else { return nil }
        if rest == 0 { return .blank }
        if rest == 1 { return .excludedHeading }
        let exclusion = excluded[(rest - 2) / 2]
        return rest % 2 == 0 ? .excluded(exclusion.row) : .why(exclusion.why)
    }

    /// Answers so far: accepted, refused (or too late), and still on their way.
    var tally: (accepted: Int, refused: Int, waiting: Int) {
        var tally = (accepted: 0, refused: 0, waiting: 0)
        for row in included {
            guard let result = results[row.key], !result.outcome.sending else { tally.waiting += 1; continue }
            if result.accepted { tally.accepted += 1 } else { tally.refused += 1 }
        }
        return tally
    }
}

/// What the server answered to one decision of a bulk, as its row in the results shows it.
struct BulkResult: Hashable, Sendable {
    var outcome: RowOutcome
    /// The server took the decision; false for a refusal, or while it is on its way.
    var accepted: Bool
}
