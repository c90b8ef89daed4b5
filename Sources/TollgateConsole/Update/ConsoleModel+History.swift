import TollgateCore

// MARK: - History: lazy pages of the local cache

extension ConsoleModel {
    /// Rows loaded per page; the next page is asked for when the selection is within half a page of the end.
    static let historyPageSize = 200

    /// A history screen is on the stack, so its pages are wanted.
    var historyInUse: Bool {
        screens.contains { if case .history = $0 { true } else { false } }
    }

    mutating func historyLoadIfNeeded() -> [Effect] {
        guard historyInUse, !history.loading, !history.exhausted, history.problem == nil else { return [] }
        let remaining = history.items.count - history.list.index
        guard !history.started || remaining < Self.historyPageSize / 2 else { return [] }
        history.loading = true
        history.started = true
        return [
            .loadHistory(
                HistoryRequest(
                    filter: history.filter, cursor: history.next,
                    limit: Self.historyPageSize, generation: history.generation))
        ]
    }

    mutating func receiveHistoryPage(generation: Int, _ list: [HistoryItem], next: String?) {
        guard generation == history.generation else { return }
        history.items += list
        history.next = next
        history.exhausted = next == nil
        history.loading = false
    }

    /// A new query: drops what is loaded and starts again from the newest.
    mutating func setHistoryFilter(_ filter: ActionFilter) {
        history.filter = filter
        history.items = []
        history.next = nil
        history.exhausted = false
        history.loading = false
        history.started = false
        history.problem = nil
        history.generation += 1
        history.list = ListPosition()
    }
}
