import TollgateCore
import TollgateSync

// MARK: - Bulk decisions: preview, one reason, confirmation, results

extension ConsoleModel {
    /// Why a bulk approval leaves out a critical action, whoever may approve it.
    static let criticalIsReviewedAlone = "critical actions are reviewed one at a time"

    /// `a` or `d` with marks: opens the preview of `verdict` on the marked actions, with the
    /// reason prompt (deny) or the step before the confirmation (approve) under it. The marked
    /// actions are sorted here, once: the preview keeps this order while it is open.
    mutating func openBulk(_ verdict: Verdict) {
        marks.endRange()
        let sort = queue.sort
        let marked = marks.keys.compactMap { rows[$0] }.map { (QueueKey($0, sort: sort), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        let state = BulkState(
            verdict: verdict, marked: marked.map { ($0, bulkExclusion($0, verdict: verdict), queue.index(of: $0.key) == nil) },
            filter: queue.filter, dropped: marks.dropped)
        screens.append(.bulk(state))
        guard !state.included.isEmpty else {
            let what = verdict == .approve ? "approved in bulk" : "denied"
            showToast("None of the marked actions can be \(what): the preview says why", .warn)
            return
        }
        prompt = Prompt(kind: verdict == .deny ? .bulkReason : .bulkReview)
    }

    /// Why a bulk `verdict` leaves `row` out, or nil when it goes to it: the single-action
    /// checks, and for an approval, no critical action (each needs its own reason and look).
    func bulkExclusion(_ row: QueueRow, verdict: Verdict) -> String? {
        if verdict == .approve, row.risk == .critical { return Self.criticalIsReviewedAlone }
        return decisionBlocker(row, readOnly: false, verdict: verdict)
    }

    // MARK: - Prompts

    /// Keys while a bulk prompt is open: nil leaves the key to the line editor (the reason).
    mutating func handleBulkPromptKey(_ key: Key, _ kind: Prompt.Kind) -> [Effect]? {
        switch kind {
        case .bulkConfirm(let verdict, let reason):
            if key == .char("y") || key == .char("Y") { return sendBulk(verdict, reason: reason) }
            cancelBulk(verdict, because: "the confirmation needs y")
            return []
        case .bulkReason, .bulkReview:
            switch key {
            case .up: scrollBulk(by: -1)
            case .down: scrollBulk(by: 1)
            case .pageUp: scrollBulk(by: -max(1, bulkTableRows - 1))
            case .pageDown: scrollBulk(by: max(1, bulkTableRows - 1))
            case .escape: cancelBulk(nil, because: nil)
            default: return kind.takesText || key == .enter ? nil : []
            }
            return []
        default:
            return nil
        }
    }

    /// Enter in a bulk prompt: the reason (deny) or the review (approve) goes on to the
    /// confirmation. Only `y` there sends, and `handleBulkPromptKey` takes it, Enter included.
    mutating func submitBulk(_ current: Prompt) {
        switch current.kind {
        case .bulkReason:
            let reason = String(current.editor.text.trimmingWhitespace)
            guard !reason.isEmpty else {
                prompt?.problem = "a deny needs a reason"
                return
            }
            confirmBulk(reason: reason)
        case .bulkReview:
            confirmBulk(reason: "")
        default:
            break
        }
    }

    /// "Deny 3 marked actions …? [y/N]", when there is still something to send.
    private mutating func confirmBulk(reason: String) {
        guard case .bulk(let state) = screen, !state.included.isEmpty else {
            prompt = nil
            closeBulkPreview()
            showToast("Nothing left to decide: the marked actions resolved meanwhile", .warn)
            return
        }
        prompt = Prompt(kind: .bulkConfirm(state.verdict, reason: reason))
    }

    /// Closes the preview and its prompt; nothing is sent and the marks stay.
    private mutating func cancelBulk(_ verdict: Verdict?, because why: String?) {
        prompt = nil
        closeBulkPreview()
        if let verdict, let why {
            showToast("Not \(verdict == .approve ? "approved" : "denied"): \(why); the marks stay", .info)
        } else {
            showToast("Nothing sent; the marks stay", .info)
        }
    }

    /// Takes the bulk preview off the screen, if it is on top (results stay until closed).
    mutating func closeBulkPreview() {
        if case .bulk(let state) = screen, state.phase == .preview { screens.removeLast() }
    }

    // MARK: - Sending

    /// Sends `verdict` on every action the preview includes, as on screen, each through `send`:
    /// its own check, the digest on screen, and its own entry (and idempotency key) in its
    /// server's outbox. The sent ones are unmarked and the preview turns into their results.
    mutating func sendBulk(_ verdict: Verdict, reason: String) -> [Effect] {
        prompt = nil
        guard case .bulk(var state) = screen, state.phase == .preview else { return [] }
        var effects: [Effect] = []
        var results: [ActionKey: BulkResult] = [:]
        for row in state.included {
            let sent = send(DecisionIntent(actionID: row.key, verdict: verdict, reason: reason, digest: row.digest))
            guard !sent.isEmpty, let outcome = outcomes[row.key] else { continue }
            effects += sent
            results[row.key] = BulkResult(outcome: outcome, accepted: false)
        }
        state.sent(results, reason: reason)
        marks.remove(state.included.map(\.key))
        replaceTop(.bulk(state))
        let what = verdict == .approve ? "approvals" : "denies"
        showToast("Sending \(state.included.count) \(what); each answer shows on its row", .info)
        return effects
    }

    // MARK: - Following messages

    /// Results fill in as answers arrive, on whichever results screen sent the decision; a
    /// preview follows what each message changed of the actions it lists (see `followPreview`).
    mutating func followBulk(after message: Message, dropped: [ActionKey]) {
        if case .decisionResult(let intent, let result) = message {
            for i in screens.indices.reversed() {
                guard case .bulk(var state) = screens[i], state.results[intent.actionID] != nil else { continue }
                let accepted = if case .accepted = result { true } else { false }
                state.results[intent.actionID] = BulkResult(outcome: Self.rowOutcome(intent, result), accepted: accepted)
                screens[i] = .bulk(state)
                break
            }
        }
        let preview = screens.lastIndex { screen in
            if case .bulk(let state) = screen { state.phase == .preview } else { false }
        }
        if let preview { followPreview(at: preview, after: message, dropped: dropped) }
        if case .resize = message { scrollBulk(by: 0) }
    }

    /// Files again only the listed actions `message` may have changed (and those whose marks
    /// it dropped), so a burst of feed events costs a lookup each, not a pass over every mark:
    /// a message about no listed action changes nothing here.
    ///
    /// What decides whether an action can be decided (`decisionBlocker`) changes with its row
    /// (the feed, a fetch, a decision's answer), the identity on its server, and the clock.
    private mutating func followPreview(at index: Int, after message: Message, dropped: [ActionKey]) {
        guard case .bulk(var state) = screens[index] else { return }
        var touched = dropped
        switch message {
        case .feed(.event(.action(let action, _)), let server):
            touched.append(ActionKey(server: server, id: action.id))
        case .cachedPending(let list, let server), .fetched(let list, _, let server):
            touched += list.map { ActionKey(server: server, id: $0.id) }
        case .decisionResult(let intent, _):
            touched.append(intent.actionID)
        case .identity(_, let server), .feed(.state, let server):
            touched += state.listed(on: server)
        case .tick:
            touched += state.expiring(at: now)
        default:
            break
        }
        touched.removeAll { !state.lists($0) }
        let filterChanged = state.hiddenUnder != queue.filter
        guard !touched.isEmpty || filterChanged else { return }
        // The screen lets go of its copy first, so the lists change in place, not copied whole.
        screens[index] = .queue
        for key in touched {
            let row = marks.contains(key) ? rows[key] : nil
            state.refile(
                key, row: row, why: row.flatMap { bulkExclusion($0, verdict: state.verdict) }, hidden: queue.index(of: key) == nil)
        }
        if filterChanged { state.recountHidden(under: queue.filter) { queue.index(of: $0) == nil } }
        state.dropped = marks.dropped
        state.scroll = max(0, min(state.scroll, state.lineCount - bulkTableRows))
        screens[index] = .bulk(state)
    }

    // MARK: - Scrolling

    /// Lines of the bulk table on screen.
    var bulkTableRows: Int { BulkView.tableRows(Layout(size, split: false)) }

    mutating func scrollBulk(by delta: Int) {
        guard case .bulk(var state) = screen else { return }
        state.scroll = max(0, min(state.scroll.addingClamped(delta), state.lineCount - bulkTableRows))
        replaceTop(.bulk(state))
    }
}
