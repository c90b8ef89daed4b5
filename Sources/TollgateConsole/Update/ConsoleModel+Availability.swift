import TollgateCore

// MARK: - Which commands apply now

extension ConsoleModel {
    /// Whether `command` would do something now: the key-hints bar offers only these.
    public func isAvailable(_ command: Command) -> Bool {
        switch command {
        case .approve: decidesMarks || canDecide(.approve)
        case .deny: decidesMarks || canDecide(.deny)
        case .toggleMark, .markRange, .markAll: queue.count > 0
        case .clearMarks: !marks.isEmpty
        case .breakGlass: canDecide(.approve, breakGlass: true)
        case .clearFilter: onHistoryList ? !history.filter.isEmpty : !queue.filter.isEmpty
        case .switchPane: isSplit
        case .openDiffs: !(detailSubject?.action.diffs.isEmpty ?? true)
        case .reconnect: !isOffline
        case .history: !historyInUse
        case .open: (onHistoryList ? !history.items.isEmpty : queue.count > 0) && !(isSplit && focus == .detail)
        case .sort: queue.totalCount > 1
        case .toggleSideBySide: size.width >= DiffView.narrowestSideBySide && diffShowsPlan == false
        default: true
        }
    }
}

extension ConsoleModel {
    /// Whether the diff screen on top shows a plan; nil when no diff screen is on top.
    var diffShowsPlan: Bool? {
        guard case .diff(let d) = screen else { return nil }
        return d.plan != nil
    }

    /// The diff screen on top has danger marks, so `n` goes to the next one.
    var diffHasMarks: Bool {
        guard case .diff(let d) = screen else { return false }
        return !d.marks.isEmpty
    }

    /// The diff screen is on top and shows its diff side by side.
    var showsSideBySide: Bool {
        guard case .diff(let d) = screen else { return false }
        return d.showsSideBySide(width: Layout(size, split: false).width)
    }
}
