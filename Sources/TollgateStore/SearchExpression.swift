/// Turns what a person typed into a safe FTS5 MATCH expression.
///
/// Search text is hostile: FTS5 gives meaning to quotes, `*`, `^`, `:`, `-`, parentheses,
/// `AND`/`OR`/`NOT` and `NEAR(`, and a syntax error would fail the query. So every
/// whitespace-separated word becomes an FTS5 string (`"…"`, inner quotes doubled), which
/// FTS5 reads as a phrase of the tokens inside it and never as syntax; the words are
/// ANDed, and the last one is a prefix (`"…"*`), so results follow typing. Control
/// characters become spaces (a NUL would end the expression early). Words with no letter
/// or digit are dropped, since the tokenizer would find nothing in them; when nothing is
/// left there is no text filter, as for an empty query.
///
/// Example: `prod-db "drop` → `"prod-db" """drop"*`.
enum SearchExpression {
    /// Words beyond this many are ignored: a page of query text is not a search.
    static let maximumWords = 32

    static func match(_ text: String) -> String? {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
        let words = cleaned.split(whereSeparator: \.isWhitespace)
            .filter { $0.unicodeScalars.contains(where: isTokenScalar) }
            .prefix(maximumWords)
        guard !words.isEmpty else { return nil }
        let quoted = words.map { "\"" + $0.replacingQuotes() + "\"" }
        return quoted.joined(separator: " ") + "*"
    }

    /// Letters, digits and private-use characters, the unicode61 tokenizer's token
    /// characters, plus combining marks, which it folds into the letter before them.
    private static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse,
             .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }
}

extension Substring {
    /// The text with each `"` doubled, as an FTS5 string needs.
    fileprivate func replacingQuotes() -> String {
        // By scalar, not Character: a quote with a combining mark after it is one
        // Character, yet FTS5 would still read its quote byte as the string's end.
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == "\"" { out.append(scalar) }
            out.append(scalar)
        }
        return String(out)
    }
}
