import TollgateCore

/// How the queue is ordered; `s` cycles through the cases in this order. Escalated actions
/// come first in every order (see `QueueKey`).
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
    private var keys: [ActionKey: QueueKey] = [:]
    /// Each row's `haystack`, only while `filter.text` is not empty.
    private var haystacks: [ActionKey: String] = [:]

    /// Rows after the filter.
    var count: Int { filter.isEmpty ? all.count : shown.count }
    /// Rows before the filter.
    var totalCount: Int { all.count }

    func id(at index: Int) -> ActionKey? {
        let rows = filter.isEmpty ? all : shown
        return rows.indices.contains(index) ? rows[index].key : nil
    }

    /// The row of `id` after the filter, found by binary search on its key.
    func index(of id: ActionKey) -> Int? {
        guard let key = keys[id] else { return nil }
        let rows = filter.isEmpty ? all : shown
        let i = Self.insertionPoint(of: key, in: rows)
        return i < rows.count && rows[i] == key ? i : nil
    }

    func contains(_ id: ActionKey) -> Bool { keys[id] != nil }

    var members: some Sequence<ActionKey> { keys.keys }

    // MARK: - Changes

    mutating func upsert(_ row: QueueRow) {
        let key = QueueKey(row, sort: sort)
        if let old = keys[row.key] {
            if old == key {
                rememberHaystack(row)
                refreshFilterMembership(row, key: key)
                return
            }
            removeKey(old, id: row.key)
        }
        keys[row.key] = key
        rememberHaystack(row)
        Self.insert(key, into: &all)
        if !filter.isEmpty, matches(row) { Self.insert(key, into: &shown) }
    }

    mutating func remove(_ id: ActionKey) {
        guard let key = keys[id] else { return }
        removeKey(key, id: id)
    }

    /// Re-sorts everything: only when the order itself changes.
    mutating func resort(_ sort: QueueSort, rows: [ActionKey: QueueRow]) {
        self.sort = sort
        all = keys.keys.compactMap { id in rows[id].map { QueueKey($0, sort: sort) } }
        all.sort()
        keys = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
        rebuildShown(rows)
    }

    /// Applies a new filter: one linear pass over the cached search text.
    mutating func setFilter(_ filter: ActionFilter, rows: [ActionKey: QueueRow]) {
        var narrower = self.filter
        narrower.text = filter.text
        let refines = !self.filter.isEmpty && narrower == filter && filter.text.hasPrefix(self.filter.text)
        self.filter = filter
        if filter.text.isEmpty {
            haystacks = [:]
        } else if haystacks.isEmpty {
            for (id, _) in keys { if let row = rows[id] { haystacks[id] = row.haystack } }
        }
        if refines {
            // Typing one more character can only remove rows: search what is shown, not everything.
            shown = shown.filter { key in rows[key.key].map(matches) ?? false }
        } else {
            rebuildShown(rows)
        }
    }

    // MARK: - Internals

    private mutating func rebuildShown(_ rows: [ActionKey: QueueRow]) {
        guard !filter.isEmpty else { shown = []; return }
        shown = all.filter { key in rows[key.key].map(matches) ?? false }
    }

    private func matches(_ row: QueueRow) -> Bool {
        filter.matches(row, haystack: haystacks[row.key] ?? "")
    }

    private mutating func rememberHaystack(_ row: QueueRow) {
        if !filter.text.isEmpty { haystacks[row.key] = row.haystack }
    }

    private mutating func refreshFilterMembership(_ row: QueueRow, key: QueueKey) {
        guard !filter.isEmpty else { return }
        let wanted = matches(row)
        let i = Self.insertionPoint(of: key, in: shown)
        let present = i < shown.count && shown[i] == key
        if wanted && !present { shown.insert(key, at: i) }
        if !wanted && present { shown.remove(at: i) }
    }

    private mutating func removeKey(_ key: QueueKey, id: ActionKey) {
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
}

/// A row's sort key: compared field by field, the action id and server last so keys are unique.
///
/// Escalated actions come before all others whatever the sort, soonest expiry first (then the
/// riskiest): they are about to expire undecided. A resolved one keeps its place while it
/// lingers, so the row an approver just decided does not jump away under their eyes. The
/// order of the others is the sort's alone.
struct QueueKey: Comparable, Hashable, Sendable {
    var escalated: Bool
    var text: String
    var first: Int64
    var second: Int64
    var id: String
    var server: ServerID

    init(_ action: QueueRow, sort: QueueSort) {
        let urgency = (Int64(-action.risk.rank), action.expiresAt.milliseconds)
        escalated = action.escalatedAt != nil
        if escalated {
            (text, first, second) = ("", action.expiresAt.milliseconds, urgency.0)
        } else {
            switch sort {
            case .urgency: (text, first, second) = ("", urgency.0, urgency.1)
            case .newest: (text, first, second) = ("", -action.createdAt.milliseconds, 0)
            case .oldest: (text, first, second) = ("", action.createdAt.milliseconds, 0)
            case .kind: (text, first, second) = (action.kind, urgency.0, urgency.1)
            }
        }
        id = action.id
        server = action.server
    }

    var key: ActionKey { ActionKey(server: server, id: id) }

    static func < (a: QueueKey, b: QueueKey) -> Bool {
        if a.escalated != b.escalated { return a.escalated }
        if a.text != b.text { return a.text < b.text }
        if a.first != b.first { return a.first < b.first }
        if a.second != b.second { return a.second < b.second }
        if a.id != b.id { return a.id < b.id }
        return a.server < b.server
    }
}
