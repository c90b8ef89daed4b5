import TollgateCore

// MARK: - Which commands apply now

extension ConsoleModel {
    /// Whether `command` would do something now: the key-hints bar offers only these.
    public func isAvailable(_ command: Command) -> Bool {
        switch command {
        case .approve: canDecide(.approve)
        case .deny: canDecide(.deny)
        case .breakGlass: canDecide(.approve, breakGlass: true)
        case .clearFilter: onHistoryList ? !history.filter.isEmpty : !queue.filter.isEmpty
        case .switchPane: isSplit
        case .openDiffs: !(detailSubject?.action.diffs.isEmpty ?? true)
        case .reconnect: !isOffline
        case .history: !historyInUse
        case .open: (onHistoryList ? !history.items.isEmpty : queue.count > 0) && !(isSplit && focus == .detail)
        case .sort: queue.totalCount > 1
        case .toggleSideBySide: size.width >= DiffView.narrowestSideBySide
        default: true
        }
    }
}

extension ConsoleModel {
    /// The diff screen is on top and shows its diff side by side.
    var showsSideBySide: Bool {
        guard case .diff(let d) = screen else { return false }
        return d.showsSideBySide(width: Layout(size, split: false).width)
    }
}
