import TollgateCore

// MARK: - Marking rows: space, V, *, u

extension ConsoleModel {
    /// `a` and `d` decide the marked actions (through a preview), not the selected one: there
    /// are marks, and the keys are on the queue list.
    var decidesMarks: Bool { keyContext == .queue && !marks.isEmpty }

    /// `space`: marks or unmarks the selected row, then moves down.
    mutating func toggleMark() {
        guard let key = queueList.id, let row = rows[key] else {
            showToast("Nothing selected", .info)
            return
        }
        // Unmarking is always allowed; a resolved row lingering on screen cannot be decided.
        guard row.status == .pending || marks.contains(key) else {
            showToast("Already \(row.status.rawValue): only pending actions can be marked", .info)
            return
        }
        marks.toggle(key)
        move(by: 1)
    }

    /// `V`: starts a range on the selected row, or ends the range being drawn (its rows stay marked).
    mutating func toggleRange() {
        if marks.range != nil {
            marks.endRange()
            showToast("Range ended: \(marks.count) marked", .info)
            return
        }
        guard let key = queueList.id, let row = rows[key] else {
            showToast("Nothing selected", .info)
            return
        }
        guard row.status == .pending else {
            showToast("Already \(row.status.rawValue): a range starts on a pending action", .info)
            return
        }
        marks.startRange(at: key)
        showToast("Marking a range: move the cursor; V again ends it", .info)
    }

    /// `*`: marks every pending row the filter shows.
    mutating func markAll() {
        var shown: [ActionKey] = []
        for index in 0..<queue.count {
            if let key = queue.id(at: index), rows[key]?.status == .pending { shown.append(key) }
        }
        guard !shown.isEmpty else {
            showToast("Nothing pending to mark", .info)
            return
        }
        marks.insert(shown)
        showToast(queue.filter.isEmpty ? "Marked all \(shown.count) pending" : "Marked the \(shown.count) pending the filter shows", .info)
    }

    /// `u`: clears every mark and the range.
    mutating func clearMarks() {
        guard !marks.isEmpty else {
            showToast("Nothing is marked", .info)
            return
        }
        let count = marks.count
        marks.clear()
        showToast("Unmarked \(count)", .info)
    }

    // MARK: - After every message

    /// Drops the marks of actions that resolved or left the queue, draws the range to the
    /// cursor, and keeps a bulk screen up to date: after `reconcile`, so the selection is final.
    mutating func followMarks(after message: Message) {
        if !marks.isEmpty { pruneMarks(after: message) }
        if marks.range != nil { followRange() }
        followBulk(after: message)
    }

    /// A mark stays only on a pending action in the queue.
    private func isMarkable(_ key: ActionKey) -> Bool {
        rows[key]?.status == .pending && queue.contains(key)
    }

    /// One feed event changes one action, so only its mark is looked at: a burst of events
    /// never costs a pass over thousands of marks each.
    private mutating func pruneMarks(after message: Message) {
        switch message {
        case .feed(.event(.action(let action, _)), let server):
            let key = ActionKey(server: server, id: action.id)
            if marks.contains(key), !isMarkable(key) { marks.drop(key) }
        case .tick, .resize, .mouse, .paste:
            // The clock only takes away rows that were resolved already, and so unmarked.
            break
        default:
            for key in marks.keys where !isMarkable(key) { marks.drop(key) }
        }
    }

    /// Marks every pending row shown between the range's anchor and the cursor, when the
    /// cursor has moved; rows the range marked that a filter now hides stay marked.
    private mutating func followRange() {
        guard let range = marks.range, range.cursor != queueList.id else { return }
        guard let anchor = queue.index(of: range.anchor) else {
            marks.endRange()
            showToast("Range ended: the row it started on is no longer shown; its marks stay", .info)
            return
        }
        guard let cursorKey = queueList.id, let cursor = queue.index(of: cursorKey) else { return }
        var covered = Set<ActionKey>()
        for index in min(anchor, cursor)...max(anchor, cursor) {
            if let key = queue.id(at: index), rows[key]?.status == .pending { covered.insert(key) }
        }
        for key in range.covered where queue.index(of: key) == nil { covered.insert(key) }
        marks.drawRange(covered, cursor: cursorKey)
    }
}
