import TollgateCore

/// The bulk decision screen (`a` or `d` with marks): first a preview of the marked actions the
/// verdict goes to and of those it leaves out and why, then the server's answer for each one.
///
/// What the preview includes when it opens is the most `y` can send: while it is read, an
/// included action may leave (resolved, gone, no longer decidable), but nothing joins it. An
/// action left out that becomes decidable meanwhile stays left out, and says so, so a `y` meant
/// for the two actions on screen never decides seven.
struct BulkState: Sendable {
    enum Phase: Sendable {
        /// Nothing sent yet: until the confirmation, the lists follow the marks and the queue,
        /// losing what can no longer be decided and never gaining an action to send.
        case preview
        /// Sent: the lists are what was sent, and each row fills in with its answer.
        case results
    }

    /// A marked action the verdict leaves out, and why, in the approver's words.
    struct Exclusion: Sendable {
        var row: QueueRow
        var why: String
    }

    /// When a listed action expires: at the tick that passes it, it is looked at again.
    struct Expiry: Sendable {
        var at: Timestamp
        var key: ActionKey
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

    /// Why an action that can be decided now is left out: it could not when the preview opened.
    static let becameEligible = "became eligible after this preview opened: reopen it to include this one"

    let verdict: Verdict
    var phase = Phase.preview
    /// The actions the verdict goes to, in the preview's order: as they are now, or as they were sent.
    private(set) var included: [QueueRow] = []
    private(set) var excluded: [Exclusion] = []
    /// Each listed action's place in the queue's order when the preview opened: the lists are
    /// sorted once, and a row that changes (an escalation) keeps its place under the reader.
    private var rank: [ActionKey: Int] = [:]
    /// The listed actions by expiry, soonest first, and how many of them have passed.
    private var expiries: [Expiry] = []
    private var expired = 0
    /// `Marks.dropped` when the preview opened, so it can say what was dropped while it was open.
    let droppedAtOpen: Int
    /// Marks dropped since marking began (resolved, or gone from the queue): not in the lists.
    var dropped = 0
    /// The listed actions the queue's filter hides, and the filter that hid them.
    private var hiddenKeys: Set<ActionKey> = []
    private(set) var hiddenUnder = ActionFilter()
    /// Actions left out as `becameEligible`.
    private(set) var eligibleSinceOpening = 0
    /// The first line of the table on screen.
    var scroll = 0
    /// The reason every decision carries (deny), once sent.
    var reason = ""
    /// Each sent action's answer so far.
    var results: [ActionKey: BulkResult] = [:]

    /// A preview of `verdict` on `marked`, in queue order, each with why it is left out (nil:
    /// included) and whether the filter hides it.
    init(verdict: Verdict, marked: [(row: QueueRow, why: String?, hidden: Bool)], filter: ActionFilter, dropped: Int) {
        self.verdict = verdict
        droppedAtOpen = dropped
        self.dropped = dropped
        hiddenUnder = filter
        for (place, listed) in marked.enumerated() {
            rank[listed.row.key] = place
            if let why = listed.why { excluded.append(Exclusion(row: listed.row, why: why)) } else { included.append(listed.row) }
            if listed.hidden { hiddenKeys.insert(listed.row.key) }
        }
        expiries = marked.map { Expiry(at: $0.row.expiresAt, key: $0.row.key) }.sorted { $0.at < $1.at }
    }

    /// Marked actions the queue's filter hides now: in the lists all the same.
    var hidden: Int { hiddenKeys.count }

    /// Whether `key` was listed when the preview opened: only those are ever looked at again.
    func lists(_ key: ActionKey) -> Bool { rank[key] != nil }

    /// The actions of `server` listed when the preview opened.
    func listed(on server: ServerID) -> [ActionKey] { rank.keys.filter { $0.server == server } }

    // MARK: - Following the queue

    /// Files `key` again after something changed it. `row` is its row now, nil once it is no
    /// longer marked (it leaves the lists); `why` is why the verdict cannot go to it now (nil:
    /// it can). An included action stays included only while it can be decided; nothing else
    /// joins the included, whatever changed.
    mutating func refile(_ key: ActionKey, row: QueueRow?, why: String?, hidden: Bool) {
        guard let place = rank[key] else { return }
        if hidden && row != nil { hiddenKeys.insert(key) } else { hiddenKeys.remove(key) }
        let i = Self.insertionPoint(place, in: included) { rank[$0.key] }
        if i < included.count, included[i].key == key {
            if let row, why == nil {
                included[i] = row
                return
            }
            included.remove(at: i)
        }
        let j = Self.insertionPoint(place, in: excluded) { rank[$0.row.key] }
        let present = j < excluded.count && excluded[j].row.key == key
        if present, excluded[j].why == Self.becameEligible { eligibleSinceOpening -= 1 }
        guard let row else {
            if present { excluded.remove(at: j) }
            return
        }
        let exclusion = Exclusion(row: row, why: why ?? Self.becameEligible)
        if why == nil { eligibleSinceOpening += 1 }
        if present { excluded[j] = exclusion } else { excluded.insert(exclusion, at: j) }
    }

    /// The listed actions whose expiry `now` has reached since the last call.
    mutating func expiring(at now: Timestamp) -> [ActionKey] {
        let first = expired
        while expired < expiries.count, now >= expiries[expired].at { expired += 1 }
        return expiries[first..<expired].map(\.key)
    }

    /// Counts again what `filter` hides of the listed actions; `isHidden` says it of one.
    mutating func recountHidden(under filter: ActionFilter, _ isHidden: (ActionKey) -> Bool) {
        hiddenUnder = filter
        hiddenKeys = Set(included.lazy.map(\.key).filter(isHidden))
        hiddenKeys.formUnion(excluded.lazy.map(\.row.key).filter(isHidden))
    }

    /// The results: what was sent, in the order shown; the rest stays as it was left out.
    mutating func sent(_ results: [ActionKey: BulkResult], reason: String) {
        included.removeAll { results[$0.key] == nil }
        self.results = results
        self.reason = reason
        phase = .results
        scroll = 0
    }

    /// Where an action of place `place` goes in `list`, kept in the preview's order.
    private static func insertionPoint<T>(_ place: Int, in list: [T], rank: (T) -> Int?) -> Int {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if (rank(list[mid]) ?? Int.max) < place { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: - The table

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
