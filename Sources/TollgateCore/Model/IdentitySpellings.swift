/// The spellings of a principal id that `Identity` must treat as that id: the attack corpus
/// for the rule against self-approval, shared by the core's, the console's and the server's
/// tests so all three attack with the same list.
@_spi(Testing) public enum IdentitySpellings {
    /// Spellings of `id` (at least two characters) that must all name its principal: case,
    /// white space around and inside (space, tab, newline, NBSP, ideographic space), trailing
    /// dots, invisible characters (zero-width space, joiner and non-joiner, word joiner, soft
    /// hyphen, BOM, variation selectors, the Mongolian vowel separator), controls, full-width
    /// letters and a full-width dot.
    public static func of(_ id: String) -> [String] {
        let fullWidth = String(
            String.UnicodeScalarView(
                id.unicodeScalars.map { s in
                    (0x21...0x7E).contains(s.value) ? Unicode.Scalar(s.value + 0xFEE0) ?? s : s
                }))
        let middle = id.index(id.startIndex, offsetBy: id.count / 2)
        func inside(_ insert: String) -> String { String(id[..<middle]) + insert + String(id[middle...]) }
        return [
            id.uppercased(), id.prefix(1).uppercased() + id.dropFirst(),
            " " + id, id + " ", "\t" + id, id + "\t", id + "\n", "\u{00A0}" + id, id + "\u{00A0}", id + "\u{3000}",
            inside(" "), inside("\t"), inside("\u{00A0}"),
            id + ".", id + "..", id + ". ", id + ".\u{200B}",
            inside("\u{200B}"), inside("\u{200C}"), inside("\u{200D}"), inside("\u{2060}"), inside("\u{00AD}"),
            "\u{FEFF}" + id, id + "\u{FEFF}", inside("\u{FE0F}"), inside("\u{FE00}"), inside("\u{E0100}"), inside("\u{180E}"),
            id + "\u{1F}", "\u{7F}" + id,
            fullWidth, fullWidth.uppercased(), "\u{200B}" + fullWidth + "\u{FF0E}",
        ]
    }

    /// Ids with letters that have compatibility, combining or case-folding forms, each with a
    /// spelling in another form that must name it.
    public static let forms: [(id: String, spelling: String)] = [
        ("fiona", "\u{FB01}ona"),  // ﬁ ligature
        ("office", "o\u{FB03}ce"),  // ﬃ ligature
        ("zoë", "zoe\u{0308}"),  // combining diaeresis for the precomposed ë
        ("zoë", "ZOE\u{0308}"),
        ("zoe\u{0308}", "zoë"),  // and the other way round
        ("strauss", "Strauß"),  // ß folds to ss
        ("σοφια", "ΣΟΦΙΑ"), ("σοφιασ", "σοφιας"),  // final sigma folds to σ
        ("x1", "x\u{2081}"), ("x1", "x\u{00B9}"),  // subscript and superscript one
        ("km", "\u{339E}"),  // ㎞, one character
        ("ops-1", "ops\u{FE63}1"),  // small hyphen-minus
    ]
}
