/// The queue rows marked for a bulk decision (`space`, `V`, `*`), and the range `V` is drawing.
///
/// Marks are on actions, never on positions: rows arriving, a new sort or a filter never move
/// a mark to another action. An action that resolves or leaves the queue loses its mark, and
/// `dropped` counts it, so the preview can say what is no longer there.
///
/// What the list asks on every key and frame (`contains`, `count`) costs the same with 10,000
/// marks as with one: the range's rows are kept apart from the others, with how many it adds.
struct Marks: Hashable, Sendable {
    /// What is marked apart from the range being drawn.
    private var base: Set<ActionKey> = []
    private(set) var range: Range?
    /// Marks dropped since the set was started (its first mark after being empty or cleared)
    /// because their action resolved or left the queue.
    private(set) var dropped = 0
    /// The marks dropped since `takeDropped` last took them: a bulk preview follows them.
    private var justDropped: [ActionKey] = []

    /// A range being drawn with `V`: the rows the cursor passed over between `anchor` and itself.
    struct Range: Hashable, Sendable {
        /// The row `V` was pressed on.
        let anchor: ActionKey
        /// The selection it was last drawn to: when the cursor moves on, only the rows
        /// between the two are drawn again.
        var cursor: ActionKey?
        /// The rows the range marks now; some may be marked apart from it as well.
        fileprivate(set) var covered: Set<ActionKey>
        /// How many of `covered` are not marked apart from the range: what it adds to the count.
        fileprivate var adds: Int
    }

    var isEmpty: Bool { count == 0 }
    var count: Int { base.count + (range?.adds ?? 0) }
    func contains(_ key: ActionKey) -> Bool { base.contains(key) || range?.covered.contains(key) == true }

    /// Everything marked, as one set: built when asked (a preview opening), so O(marks).
    var keys: Set<ActionKey> { range.map { base.union($0.covered) } ?? base }

    /// Marks `key`, or unmarks it; the range, if any, ends first and keeps its rows.
    mutating func toggle(_ key: ActionKey) {
        endRange()
        if base.remove(key) == nil { insert(CollectionOfOne(key)) }
    }

    /// Marks every key of `added` (`*`); the range, if any, ends first and keeps its rows.
    mutating func insert(_ added: some Sequence<ActionKey>) {
        endRange()
        if base.isEmpty { dropped = 0 }
        base.formUnion(added)
    }

    /// Unmarks these keys and no others (they were just sent).
    mutating func remove(_ removed: some Sequence<ActionKey>) {
        endRange()
        base.subtract(removed)
    }

    /// Unmarks everything (`u`), the range too, and forgets what was dropped.
    mutating func clear() {
        self = Marks()
    }

    /// Drops the mark of an action that resolved or left the queue, counting it.
    mutating func drop(_ key: ActionKey) {
        let inBase = base.remove(key) != nil
        let inRange = range?.covered.remove(key) != nil
        guard inBase || inRange else { return }
        if inRange && !inBase { range?.adds -= 1 }
        dropped += 1
        justDropped.append(key)
    }

    /// The marks dropped since the last call, which forgets them.
    mutating func takeDropped() -> [ActionKey] {
        guard !justDropped.isEmpty else { return [] }
        defer { justDropped = [] }
        return justDropped
    }

    // MARK: - Ranges

    /// Starts a range on `anchor`, which is marked at once.
    mutating func startRange(at anchor: ActionKey) {
        endRange()
        if base.isEmpty { dropped = 0 }
        range = Range(anchor: anchor, cursor: anchor, covered: [anchor], adds: base.contains(anchor) ? 0 : 1)
    }

    /// Ends the range; the rows it marked stay marked.
    mutating func endRange() {
        guard let covered = range?.covered else { return }
        range = nil
        base.formUnion(covered)
    }

    /// Marks (`on`) or unmarks one row of the range being drawn; nothing without a range.
    mutating func cover(_ key: ActionKey, _ on: Bool) {
        let changed = on ? range?.covered.insert(key).inserted == true : range?.covered.remove(key) != nil
        if changed, !base.contains(key) { range?.adds += on ? 1 : -1 }
    }

    /// The range has been drawn to `cursor`.
    mutating func moveRange(to cursor: ActionKey?) {
        range?.cursor = cursor
    }

    /// Draws the range afresh: it marks `covered` and has been drawn to `cursor`.
    mutating func redrawRange(_ covered: Set<ActionKey>, cursor: ActionKey?) {
        guard range != nil else { return }
        range?.covered = covered
        range?.adds = covered.count { !base.contains($0) }
        range?.cursor = cursor
    }
}
