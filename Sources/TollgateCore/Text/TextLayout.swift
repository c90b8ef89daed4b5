/// Lays sanitised glyphs out in a given number of columns: pure, so every screen is testable.
///
/// A glyph is never split: where a two-column glyph would straddle an edge, a space takes the
/// column it cannot fill, so every result is exactly as wide as asked. Widths below zero count
/// as zero, so glyphs built by hand cannot break the arithmetic.
public enum TextLayout {
    /// Fits glyphs into exactly `width` columns: pads with spaces, or truncates and ends with an
    /// ellipsis (`…`, or `~` when `asciiOnly`) marked as placeholder.
    ///
    /// `fit(TextSanitizer.singleLine("日本語"), width: 4)` is `日…` and a space.
    public static func fit(
        _ glyphs: [DisplayGlyph],
        width: Int,
        ellipsis: Bool = true,
        asciiOnly: Bool = false
    ) -> [DisplayGlyph] {
        guard width > 0 else { return [] }
        var total = 0
        for glyph in glyphs {
            total += columns(glyph)
            if total > width { break }
        }
        if total <= width {
            return glyphs + spaces(width - total)
        }
        let room = ellipsis ? width - 1 : width
        var result: [DisplayGlyph] = []
        result.reserveCapacity(width)
        var used = 0
        for glyph in glyphs {
            let glyphWidth = columns(glyph)
            if used + glyphWidth > room { break }
            result.append(glyph)
            used += glyphWidth
        }
        if ellipsis {
            result.append(ellipsisGlyph(asciiOnly: asciiOnly))
            used += 1
        }
        return result + spaces(width - used)
    }

    /// Word-wraps one line of glyphs into lines of exactly `width` columns each.
    ///
    /// Lines break at spaces, which are dropped at the break (leading indentation is kept);
    /// a word wider than `width` is broken wherever it must be. A glyph wider than `width`
    /// itself (a wide glyph in a one-column pane) cannot be shown and leaves a space.
    /// An empty line wraps to one blank line.
    public static func wrap(_ glyphs: [DisplayGlyph], width: Int) -> [[DisplayGlyph]] {
        guard width > 0 else { return [] }
        var wrapper = Wrapper(width: width)
        var index = glyphs.startIndex
        while index < glyphs.endIndex {
            // One run of spaces, then one word.
            var spaceEnd = index
            while spaceEnd < glyphs.endIndex, isBreakingSpace(glyphs[spaceEnd]) { spaceEnd += 1 }
            var wordEnd = spaceEnd
            while wordEnd < glyphs.endIndex, !isBreakingSpace(glyphs[wordEnd]) { wordEnd += 1 }
            wrapper.add(spaces: glyphs[index..<spaceEnd], word: glyphs[spaceEnd..<wordEnd])
            index = wordEnd
        }
        return wrapper.finish()
    }

    /// Drops `columns` columns from the left (horizontal scrolling). A wide glyph cut by the
    /// edge leaves spaces for its visible part; the result is exactly `columns` narrower.
    public static func dropColumns<C: Collection>(_ glyphs: C, _ columns: Int) -> [DisplayGlyph]
    where C.Element == DisplayGlyph {
        guard columns > 0 else { return Array(glyphs) }
        var dropped = 0
        var index = glyphs.startIndex
        // Zero-width glyphs right at the edge belong to the glyph dropped before them.
        while index < glyphs.endIndex, dropped < columns || self.columns(glyphs[index]) == 0 {
            dropped += self.columns(glyphs[index])
            glyphs.formIndex(after: &index)
        }
        return spaces(max(0, dropped - columns)) + glyphs[index...]
    }

    // MARK: - Pieces

    static func columns(_ glyph: DisplayGlyph) -> Int { max(0, glyph.width) }

    static func spaces(_ count: Int) -> [DisplayGlyph] {
        count > 0 ? Array(repeating: DisplayGlyph.space, count: count) : []
    }

    static func ellipsisGlyph(asciiOnly: Bool) -> DisplayGlyph {
        DisplayGlyph(text: asciiOnly ? "~" : "…", width: 1, isPlaceholder: true)
    }

    /// Spaces the text itself holds; a space inside a placeholder is no place to break.
    private static func isBreakingSpace(_ glyph: DisplayGlyph) -> Bool {
        glyph.text == " " && !glyph.isPlaceholder
    }
}

// MARK: - Wrapper

/// Greedy line filling for `TextLayout.wrap`.
private struct Wrapper {
    let width: Int
    var lines: [[DisplayGlyph]] = []
    var line: [DisplayGlyph] = []
    var used = 0

    init(width: Int) {
        self.width = width
    }

    mutating func add(spaces: ArraySlice<DisplayGlyph>, word: ArraySlice<DisplayGlyph>) {
        let wordWidth = word.reduce(0) { $0 + TextLayout.columns($1) }
        let spaceWidth = spaces.count
        if used + spaceWidth + wordWidth <= width {
            line += spaces
            line += word
            used += spaceWidth + wordWidth
            return
        }
        // The word does not fit after the spaces: the spaces become the break.
        if used > 0 || line.isEmpty == false {
            breakLine()
        } else if spaceWidth < width {
            // Indentation at the start of a line is kept while it leaves room.
            line += spaces
            used += spaceWidth
        }
        if used + wordWidth <= width {
            line += word
            used += wordWidth
            return
        }
        for glyph in word { addBreaking(glyph) }
    }

    /// Adds one glyph of a word too long for any line, breaking where it must.
    private mutating func addBreaking(_ glyph: DisplayGlyph) {
        let glyphWidth = TextLayout.columns(glyph)
        if glyphWidth > width {
            if used > 0 { breakLine() }
            line = TextLayout.spaces(width)
            used = width
            return
        }
        if used + glyphWidth > width { breakLine() }
        line.append(glyph)
        used += glyphWidth
    }

    private mutating func breakLine() {
        lines.append(line + TextLayout.spaces(width - used))
        line = []
        used = 0
    }

    mutating func finish() -> [[DisplayGlyph]] {
        if !line.isEmpty || lines.isEmpty { breakLine() }
        return lines
    }
}
