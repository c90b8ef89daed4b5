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

    /// Draws the range to the cursor and keeps a bulk preview up to date: after `reconcile`, so
    /// the selection is final. A mark whose action resolves or leaves the queue was dropped where
    /// that happened (`absorb`, `dropFromQueue`), so nothing here looks at every mark.
    mutating func followMarks(after message: Message) {
        if marks.range != nil { followRange() }
        followBulk(after: message, dropped: marks.takeDropped())
    }

    /// When the cursor has moved, redraws the range over the rows it passed, each marked when
    /// it is pending and between the anchor and the cursor: one row per `j`, whatever the
    /// range's size. A row arriving inside the range is marked once the cursor passes over it,
    /// and rows the range marked that a filter now hides stay marked.
    private mutating func followRange() {
        guard let anchorKey = marks.range?.anchor, marks.range?.cursor != queueList.id else { return }
        guard let anchor = queue.index(of: anchorKey) else {
            marks.endRange()
            showToast("Range ended: the row it started on is no longer shown; its marks stay", .info)
            return
        }
        guard let cursorKey = queueList.id, let cursor = queue.index(of: cursorKey) else { return }
        let span = min(anchor, cursor)...max(anchor, cursor)
        guard let last = marks.range?.cursor.flatMap({ queue.index(of: $0) }) else {
            // Where it was last drawn to is no longer shown: drawn afresh over the whole span.
            var covered = Set<ActionKey>()
            for index in span {
                if let key = queue.id(at: index), rows[key]?.status == .pending { covered.insert(key) }
            }
            for key in marks.range?.covered ?? [] where queue.index(of: key) == nil { covered.insert(key) }
            marks.redrawRange(covered, cursor: cursorKey)
            return
        }
        for index in min(last, cursor)...max(last, cursor) {
            guard let key = queue.id(at: index) else { continue }
            marks.cover(key, span.contains(index) && rows[key]?.status == .pending)
        }
        marks.moveRange(to: cursorKey)
    }
}
