/// One display cell cluster: text that is safe to hand to a terminal, and how many columns it takes.
///
/// Real text makes glyphs of width 1 or 2 (a grapheme cluster: a base character with its
/// combining marks, an emoji sequence, a flag). Everything the sanitiser adds on its own
/// account (the cells of a placeholder such as `⟨RLO⟩`, an ellipsis) comes one glyph per
/// cell with `isPlaceholder` set, so layout can cut a placeholder like any other text and
/// the console can dim it, telling the approver those cells are not the agent's own text.
public struct DisplayGlyph: Hashable, Sendable {
    /// The characters to draw. Never contains a control character, a bidi control or an invisible.
    public var text: String
    /// Columns the terminal advances for `text`: 1 or 2 for the sanitiser's glyphs.
    public var width: Int
    /// True for cells the sanitiser made up (placeholders, escape-sequence bodies, ellipses).
    public var isPlaceholder: Bool

    public init(text: String, width: Int, isPlaceholder: Bool = false) {
        self.text = text
        self.width = width
        self.isPlaceholder = isPlaceholder
    }

    /// A plain space: padding, and what a tab expands to.
    public static let space = DisplayGlyph(text: " ", width: 1)
}
