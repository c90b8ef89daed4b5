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
///
/// A prefix longer than the prefix indexes (3 characters) makes FTS5 gather the postings
/// of every matching term before the first row, tens of milliseconds for a common word in a
/// million actions. So when the last token is plain ASCII, `match(expansions:)` can take
/// the terms that really start with it (`SearchVocabulary`) and OR them, which FTS5 walks
/// lazily, newest first: `"export" AND ("customer" OR "customers")`.
struct SearchExpression: Hashable, Sendable {
    /// Words beyond this many are ignored: a page of query text is not a search.
    static let maximumWords = 32
    /// Prefixes up to this many characters are served by FTS5's own prefix indexes.
    static let indexedPrefixLength = 3

    /// The kept words, quotes not yet doubled.
    let words: [Substring]

    /// Nil when the text holds nothing to search for.
    init?(_ text: String) {
        let cleaned = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map {
                    $0.properties.generalCategory == .control ? " " : $0
                }))
        let words = cleaned.split(whereSeparator: \.isWhitespace)
            .filter { $0.unicodeScalars.contains(where: Self.isTokenScalar) }
            .prefix(Self.maximumWords)
        guard !words.isEmpty else { return nil }
        self.words = Array(words)
    }

    /// The last word's tokens, when they can be computed exactly here and the last one is
    /// too long for the prefix indexes: all ASCII, so tokenizing is splitting on what is
    /// not a letter or digit, and folding is lowercasing, as unicode61 does.
    var expandablePrefix: (leading: [String], prefix: String)? {
        guard let last = words.last, last.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let tokens = last.utf8.split { !Self.isASCIIAlphanumeric($0) }.map { String(decoding: $0, as: UTF8.self).lowercased() }
        guard let prefix = tokens.last, prefix.utf8.count > Self.indexedPrefixLength else { return nil }
        return (Array(tokens.dropLast()), prefix)
    }

    /// The MATCH text. With `expansions` (every indexed term starting with the last
    /// token, from `expandablePrefix`), the last word is their OR instead of a prefix.
    func match(expansions: [String]? = nil) -> String {
        var quoted = words.map { "\"" + $0.replacingQuotes() + "\"" }
        if let expansions, !expansions.isEmpty, let split = expandablePrefix {
            // Terms are FTS5's own tokens, so they hold no quote; doubling is for safety alone.
            let phrases = expansions.map { term in
                "\"" + (split.leading + [term]).joined(separator: " ").replacingQuotes() + "\""
            }
            quoted[quoted.count - 1] = "(" + phrases.joined(separator: " OR ") + ")"
            // FTS5 ANDs adjacent phrases implicitly, but a parenthesised group needs the word.
            return quoted.joined(separator: " AND ")
        }
        return quoted.joined(separator: " ") + "*"
    }

    // MARK: - Characters

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

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}

extension StringProtocol {
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
