import TollgateCore

/// A terminal size in cells.
public struct Size: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
    }
}

/// One screen cell: a grapheme cluster of sanitised text and the role it is painted with.
public struct Cell: Hashable, Sendable {
    /// What the terminal draws; empty for the right half of a double-width glyph.
    public var text: String
    public var role: ThemeRole

    public init(text: String, role: ThemeRole) {
        self.text = text
        self.role = role
    }

    public static let blank = Cell(text: " ", role: .body)

    /// True for the cell a double-width glyph to its left covers.
    public var isContinuation: Bool { text.isEmpty }
}

/// A grid of styled cells: what `view` returns and the backend paints.
///
/// Only text that is already safe reaches a frame: `DisplayGlyph`s from `TextSanitizer`, or the
/// console's own labels through `put(label:)`, which are single-width by construction. Writes
/// are clipped to the grid, so any layout bug costs a truncated row, never a crash.
public struct Frame: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should sit (a prompt's insertion point), or nil to hide it.
    public var cursor: Position?

    public struct Position: Hashable, Sendable {
        public var x: Int
        public var y: Int
        public init(x: Int, y: Int) { self.x = x; self.y = y }
    }

    public init(size: Size, role: ThemeRole = .body) {
        width = size.width
        height = size.height
        cells = Array(repeating: Cell(text: " ", role: role), count: size.width * size.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    // MARK: - Writing

    /// Fills columns `x..<x+count` of row `y` with spaces in `role`.
    public mutating func fill(x: Int = 0, y: Int, count: Int? = nil, role: ThemeRole, text: String = " ") {
        guard y >= 0, y < height else { return }
        let start = max(0, x)
        let end = min(width, count.map { x + $0 } ?? width)
        guard start < end else { return }
        detachLeft(y: y, x: start)
        for i in start..<end { cells[y * width + i] = Cell(text: text, role: role) }
        detachRight(y: y, to: end)
    }

    /// Writes sanitised glyphs from column `x`, at most `limit` columns; returns the columns used.
    ///
    /// Placeholder glyphs take `placeholderRole` so the reader can tell them from the agent's text.
    /// A double-width glyph that would straddle the limit is replaced by a space.
    @discardableResult
    public mutating func put(
        _ glyphs: some Sequence<DisplayGlyph>, x: Int, y: Int, limit: Int? = nil,
        role: ThemeRole, placeholderRole: ThemeRole = .placeholder
    ) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, limit.map { x + max(0, $0) } ?? width)
        var col = x
        detachLeft(y: y, x: max(0, x))
        for glyph in glyphs {
            guard col < end else { break }
            let cellRole = glyph.isPlaceholder ? placeholderRole : role
            if glyph.width >= 2 {
                guard col + 1 < end else {
                    if col >= 0 { cells[y * width + col] = Cell(text: " ", role: role) }
                    col += 1
                    break
                }
                if col >= 0 {
                    cells[y * width + col] = Cell(text: glyph.text, role: cellRole)
                    cells[y * width + col + 1] = Cell(text: "", role: cellRole)
                }
                col += 2
            } else if glyph.width == 1 {
                if col >= 0 { cells[y * width + col] = Cell(text: glyph.text, role: cellRole) }
                col += 1
            }
        }
        detachRight(y: y, to: col)
        return col - x
    }

    /// Writes the console's own text (labels, numbers, box glyphs), one column per character.
    ///
    /// Never pass agent-written text here: it would skip the sanitiser.
    @discardableResult
    public mutating func put(label: String, x: Int, y: Int, limit: Int? = nil, role: ThemeRole) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, limit.map { x + max(0, $0) } ?? width)
        var col = x
        detachLeft(y: y, x: max(0, x))
        for ch in label {
            guard col < end else { break }
            if col >= 0 { cells[y * width + col] = Cell(text: String(ch), role: role) }
            col += 1
        }
        detachRight(y: y, to: col)
        return col - x
    }

    /// Before writing from column `x` of row `y`: a wide glyph whose right half is about to be
    /// overwritten loses its left half too, so no half-glyph is ever painted.
    private mutating func detachLeft(y: Int, x: Int) {
        guard x > 0, x < width, cells[y * width + x].isContinuation else { return }
        cells[y * width + x - 1].text = " "
    }

    /// After writing up to column `to`: a continuation there belonged to a glyph now overwritten.
    private mutating func detachRight(y: Int, to: Int) {
        guard to > 0, to < width, cells[y * width + to].isContinuation else { return }
        cells[y * width + to].text = " "
    }
}
