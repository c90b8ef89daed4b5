import TollgateCore

/// How the queue is ordered; `s` cycles through the cases in this order.
public enum QueueSort: String, Hashable, Sendable, CaseIterable {
    /// Highest risk first, then the least time left.
    case urgency
    case newest
    case oldest
    /// By kind, then by urgency.
    case kind

    public var next: QueueSort {
        let all = Self.allCases
        return all[((all.firstIndex(of: self) ?? 0) + 1) % all.count]
    }
}

/// The queue's rows in display order, kept sorted incrementally.
///
/// Each change costs two binary searches and one array shift, so a feed event or a keystroke
/// never re-sorts 10 000 actions; only changing the sort order does. A filter keeps a second
/// sorted array of the matching rows, maintained the same way. The lower-cased search text of
/// each row exists only while a filter has text: it would otherwise cost ~0.5 KB per pending
/// action for nothing.
struct QueueIndex: Sendable {
    private(set) var sort: QueueSort = .urgency
    private(set) var filter = ActionFilter()
    private var all: [QueueKey] = []
    private var shown: [QueueKey] = []
    private var keys: [String: QueueKey] = [:]
    /// Each row's `haystack`, only while `filter.text` is not empty.
    private var haystacks: [String: String] = [:]

    /// Rows after the filter.
    var count: Int { filter.isEmpty ? all.count : shown.count }
    /// Rows before the filter.
    var totalCount: Int { all.count }

    func id(at index: Int) -> String? {
        let rows = filter.isEmpty ? all : shown
        return rows.indices.contains(index) ? rows[index].id : nil
    }

    /// The row of `id` after the filter, found by binary search on its key.
    func index(of id: String) -> Int? {
        guard let key = keys[id] else { return nil }
        let rows = filter.isEmpty ? all : shown
        let i = Self.insertionPoint(of: key, in: rows)
        return i < rows.count && rows[i] == key ? i : nil
    }

    func contains(_ id: String) -> Bool { keys[id] != nil }

    var ids: some Sequence<String> { keys.keys }

    // MARK: - Changes

    mutating func upsert(_ action: Action) {
        let key = QueueKey(action, sort: sort)
        if let old = keys[action.id] {
            if old == key {
                rememberHaystack(action)
                refreshFilterMembership(action, key: key)
                return
            }
            removeKey(old, id: action.id)
        }
        keys[action.id] = key
        rememberHaystack(action)
        Self.insert(key, into: &all)
        if !filter.isEmpty, matches(action) { Self.insert(key, into: &shown) }
    }

    mutating func remove(_ id: String) {
        guard let key = keys[id] else { return }
        removeKey(key, id: id)
    }

    /// Re-sorts everything: only when the order itself changes.
    mutating func resort(_ sort: QueueSort, actions: [String: Action]) {
        self.sort = sort
        all = keys.keys.compactMap { id in actions[id].map { QueueKey($0, sort: sort) } }
        all.sort()
        keys = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        rebuildShown(actions)
    }

    /// Applies a new filter: one linear pass over the cached search text.
    mutating func setFilter(_ filter: ActionFilter, actions: [String: Action]) {
        var narrower = self.filter
        narrower.text = filter.text
        let refines = !self.filter.isEmpty && narrower == filter && filter.text.hasPrefix(self.filter.text)
        self.filter = filter
        if filter.text.isEmpty {
            haystacks = [:]
        } else if haystacks.isEmpty {
            for (id, _) in keys { if let action = actions[id] { haystacks[id] = Self.haystack(action) } }
        }
        if refines {
            // Typing one more character can only remove rows: search what is shown, not everything.
            shown = shown.filter { key in actions[key.id].map(matches) ?? false }
        } else {
            rebuildShown(actions)
        }
    }

    // MARK: - Internals

    private mutating func rebuildShown(_ actions: [String: Action]) {
        guard !filter.isEmpty else { shown = []; return }
        shown = all.filter { key in actions[key.id].map(matches) ?? false }
    }

    private func matches(_ action: Action) -> Bool {
        filter.matches(action, haystack: haystacks[action.id] ?? "")
    }

    private mutating func rememberHaystack(_ action: Action) {
        if !filter.text.isEmpty { haystacks[action.id] = Self.haystack(action) }
    }

    private mutating func refreshFilterMembership(_ action: Action, key: QueueKey) {
        guard !filter.isEmpty else { return }
        let wanted = matches(action)
        let i = Self.insertionPoint(of: key, in: shown)
        let present = i < shown.count && shown[i] == key
        if wanted && !present { shown.insert(key, at: i) }
        if !wanted && present { shown.remove(at: i) }
    }

    private mutating func removeKey(_ key: QueueKey, id: String) {
        keys[id] = nil
        haystacks[id] = nil
        Self.delete(key, from: &all)
        if !filter.isEmpty { Self.delete(key, from: &shown) }
    }

    private static func insert(_ key: QueueKey, into rows: inout [QueueKey]) {
        rows.insert(key, at: insertionPoint(of: key, in: rows))
    }

    private static func delete(_ key: QueueKey, from rows: inout [QueueKey]) {
        let i = insertionPoint(of: key, in: rows)
        if i < rows.count, rows[i] == key { rows.remove(at: i) }
    }

    private static func insertionPoint(of key: QueueKey, in rows: [QueueKey]) -> Int {
        var low = 0, high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if rows[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// What `/` searches: the fields an approver recognises an action by, lower-cased once.
    static func haystack(_ a: Action) -> String {
        var parts = [a.summary, a.kind, a.requester.id, a.id]
        if let v = a.requester.onBehalfOf { parts.append(v) }
        if let v = a.environment { parts.append(v) }
        if let v = a.resource { parts.append(v) }
        if let v = a.command { parts.append(String(v.prefix(512))) }
        return parts.joined(separator: "\n").lowercased()
    }
}

/// A row's sort key: compared field by field, the action id last so keys are unique.
struct QueueKey: Comparable, Hashable, Sendable {
    var text: String
    var first: Int64
    var second: Int64
    var id: String

    init(_ action: Action, sort: QueueSort) {
        let urgency = (Int64(-action.risk.rank), action.expiresAt.milliseconds)
        switch sort {
        case .urgency: (text, first, second) = ("", urgency.0, urgency.1)
        case .newest: (text, first, second) = ("", -action.createdAt.milliseconds, 0)
        case .oldest: (text, first, second) = ("", action.createdAt.milliseconds, 0)
        case .kind: (text, first, second) = (action.kind, urgency.0, urgency.1)
        }
        id = action.id
    }

    static func < (a: QueueKey, b: QueueKey) -> Bool {
        if a.text != b.text { return a.text < b.text }
        if a.first != b.first { return a.first < b.first }
        if a.second != b.second { return a.second < b.second }
        return a.id < b.id
    }
}
