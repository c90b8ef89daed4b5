/// The queue rows marked for a bulk decision (`space`, `V`, `*`), and the range `V` is drawing.
///
/// Marks are on actions, never on positions: rows arriving, a new sort or a filter never move
/// a mark to another action. An action that resolves or leaves the queue loses its mark, and
/// `dropped` counts it, so the preview can say what is no longer there.
struct Marks: Hashable, Sendable {
    /// Everything marked: `base` and the range's rows.
    private(set) var keys: Set<ActionKey> = []
    /// What is marked apart from the range being drawn.
    private var base: Set<ActionKey> = []
    private(set) var range: Range?
    /// Marks dropped since the set was started (its first mark after being empty or cleared)
    /// because their action resolved or left the queue.
    private(set) var dropped = 0

    /// A range being drawn with `V`: every row between `anchor` and the cursor is marked.
    struct Range: Hashable, Sendable {
        /// The row `V` was pressed on.
        let anchor: ActionKey
        /// The rows the range marks now.
        var covered: Set<ActionKey>
        /// The selection it was last drawn to: it is drawn again only when that changes, so
        /// a row arriving between the two is marked only once the cursor moves over it.
        var cursor: ActionKey?
    }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
    func contains(_ key: ActionKey) -> Bool { keys.contains(key) }

    /// Marks `key`, or unmarks it; the range, if any, ends first and keeps its rows.
    mutating func toggle(_ key: ActionKey) {
        endRange()
        if base.remove(key) == nil { insert([key]) } else { keys = base }
    }

    /// Marks every key of `added` (`*`); the range, if any, ends first and keeps its rows.
    mutating func insert(_ added: some Sequence<ActionKey>) {
        endRange()
        if base.isEmpty { dropped = 0 }
        base.formUnion(added)
        keys = base
    }

    /// Unmarks these keys and no others (they were just sent).
    mutating func remove(_ removed: some Sequence<ActionKey>) {
        endRange()
        base.subtract(removed)
        keys = base
    }

    /// Unmarks everything (`u`), the range too, and forgets what was dropped.
    mutating func clear() {
        self = Marks()
    }

    /// Drops the mark of an action that resolved or left the queue, counting it.
    mutating func drop(_ key: ActionKey) {
        guard keys.remove(key) != nil else { return }
        base.remove(key)
        range?.covered.remove(key)
        dropped += 1
    }

    // MARK: - Ranges

    /// Starts a range on `anchor`, which is marked at once.
    mutating func startRange(at anchor: ActionKey) {
        endRange()
        if base.isEmpty { dropped = 0 }
        range = Range(anchor: anchor, covered: [anchor], cursor: anchor)
        keys = base.union([anchor])
    }

    /// Ends the range; the rows it marked stay marked.
    mutating func endRange() {
        guard let range else { return }
        base.formUnion(range.covered)
        keys = base
        self.range = nil
    }

    /// Redraws the range to `covered`, the rows now between its anchor and `cursor`.
    mutating func drawRange(_ covered: Set<ActionKey>, cursor: ActionKey?) {
        guard range != nil else { return }
        range?.covered = covered
        range?.cursor = cursor
        keys = base.union(covered)
    }
}
