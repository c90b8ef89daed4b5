/// Turns untrusted, agent-written text into glyphs that are safe to hand to a terminal.
///
/// Every string in an action may be hostile: escape sequences that clear the screen, retitle
/// the window, write the clipboard (OSC 52) or hide a link (OSC 8); C0 and 8-bit C1 controls;
/// bidi overrides that reorder what the approver reads; invisibles that hide or smuggle text;
/// megabyte lines and combining-mark storms. The output never contains a control character
/// (C0, DEL, C1), a bidi control, a default-ignorable or invisible character, a private-use or
/// unassigned code point, or a combining mark without a base: each is replaced by a visible
/// placeholder (see `Placeholder` for the vocabulary), so the approver sees exactly what was
/// sent and the terminal executes none of it. An escape sequence loses its ESC (shown as `␛`)
/// and the rest, now inert text, is marked as placeholder so the console can dim it.
///
/// One pass over the scalars, O(n); with `maxColumns` a line stops producing glyphs once it is
/// wider than the limit, so the console never lays out more than it shows.
///
/// ```swift
/// TextSanitizer.safeString("ok\u{1B}[2J\u{202E}txt.exe")   // "ok␛[2J⟨RLO⟩txt.exe"
/// TextSanitizer.safeString("ok\u{1B}[2J", options: SanitizeOptions(asciiOnly: true))   // "ok^[[2J"
/// ```
public enum TextSanitizer {
    /// Splits untrusted text into lines of safe glyphs.
    ///
    /// LF, CRLF, a lone CR, VT, FF, U+2028 and U+2029 end a line. A final line break does not
    /// start another, empty line; empty text is one empty line.
    /// - Parameters:
    ///   - maxLines: stop after this many lines.
    ///   - maxColumns: stop each line's glyphs once they are wider than this: each line is then a
    ///     prefix of the unlimited one, and fitting it to `maxColumns` still shows that it was cut.
    public static func lines(
        _ s: Substring,
        options: SanitizeOptions = SanitizeOptions(),
        maxLines: Int? = nil,
        maxColumns: Int? = nil
    ) -> [[DisplayGlyph]] {
        let lineLimit = max(0, maxLines ?? Int.max)
        guard lineLimit > 0 else { return [] }
        var text = s
        return text.withUTF8 { bytes in
            var builder = GlyphBuilder(options: options, maxColumns: maxColumns, expectedColumns: bytes.count)
            var result: [[DisplayGlyph]] = []
            var reader = UTF8ScalarReader(bytes)
            var previousWasCR = false
            var endedWithBreak = false
            while let scalar = reader.next() {
                let value = scalar.value
                if previousWasCR {
                    previousWasCR = false
                    if value == 0x0A { continue }
                }
                if isLineBreak(value) {
                    result.append(builder.finishLine())
                    if result.count == lineLimit { return result }
                    previousWasCR = value == 0x0D
                    endedWithBreak = true
                    continue
                }
                endedWithBreak = false
                // A full line still has to be read to its end to find where the next one starts.
                if builder.isFull { continue }
                builder.feed(scalar)
            }
            if !endedWithBreak || result.isEmpty {
                result.append(builder.finishLine())
            }
            return result
        }
    }

    /// Splits untrusted text into lines of safe glyphs; see `lines(_:options:maxLines:maxColumns:)`.
    public static func lines(
        _ s: String,
        options: SanitizeOptions = SanitizeOptions(),
        maxLines: Int? = nil,
        maxColumns: Int? = nil
    ) -> [[DisplayGlyph]] {
        lines(s[...], options: options, maxLines: maxLines, maxColumns: maxColumns)
    }

    /// One line of safe glyphs for a table cell: each line break shows as a `↵` placeholder
    /// (`\n` in ASCII mode) instead of breaking, and tabs expand to spaces.
    /// - Parameter maxColumns: stop once the glyphs are wider than this (see `lines`).
    public static func singleLine(
        _ s: Substring,
        options: SanitizeOptions = SanitizeOptions(),
        maxColumns: Int? = nil
    ) -> [DisplayGlyph] {
        var text = s
        return text.withUTF8 { bytes in
            var builder = GlyphBuilder(options: options, maxColumns: maxColumns, expectedColumns: bytes.count)
            var reader = UTF8ScalarReader(bytes)
            var previousWasCR = false
            while !builder.isFull, let scalar = reader.next() {
                let value = scalar.value
                if previousWasCR {
                    previousWasCR = false
                    if value == 0x0A { continue }
                }
                if isLineBreak(value) {
                    builder.showLineBreak()
                    previousWasCR = value == 0x0D
                    continue
                }
                builder.feed(scalar)
            }
            return builder.finishLine()
        }
    }

    /// One line of safe glyphs for a table cell; see `singleLine(_:options:maxColumns:)`.
    public static func singleLine(
        _ s: String,
        options: SanitizeOptions = SanitizeOptions(),
        maxColumns: Int? = nil
    ) -> [DisplayGlyph] {
        singleLine(s[...], options: options, maxColumns: maxColumns)
    }

    /// The one-line sanitised text as a plain string: what non-terminal outputs (such as
    /// `history --format table`) print. It contains no control character, not even a newline.
    public static func safeString(_ s: String, options: SanitizeOptions = SanitizeOptions()) -> String {
        let glyphs = singleLine(s[...], options: options)
        var result = ""
        result.reserveCapacity(s.utf8.count)
        for glyph in glyphs { result += glyph.text }
        return result
    }

    /// LF, VT, FF, CR, LINE SEPARATOR, PARAGRAPH SEPARATOR.
    @inline(__always)
    private static func isLineBreak(_ value: UInt32) -> Bool {
        value &- 0x0A <= 3 || value &- 0x2028 <= 1
    }
}
