/// The changed parts of a removed line and the added line that replaced it, found by comparing
/// their words and punctuation, as delta and GitHub show them.
///
/// A line is cut into tokens (a run of letters, digits and `_`; a run of spaces and tabs; or one
/// other character, each with the combining marks and format characters after it), the common
/// head and tail are trimmed, and an LCS over the tokens left marks the rest as changed. The work
/// is bounded: a line over `Limits.lineBytes` or `Limits.tokens` is not compared, and nor is a
/// pair whose differing middle needs an LCS table over `Limits.cells` cells; such lines are shown
/// whole, without emphasis. Spans are UTF-8 offsets into each line's text.
///
/// ```swift
/// let c = WordEmphasis.compare(#"  "Action": "s3:GetObject","#, #"  "Action": "s3:*","#)
/// c?.old   // [17..<26]: GetObject
/// c?.new   // [17..<18]: *
/// ```
public enum WordEmphasis {
    /// The bounds that keep one comparison short.
    public enum Limits {
        /// Longer lines are not compared (a minified bundle, a base64 blob).
        public static let lineBytes = 16_384
        /// Lines with more tokens are not compared.
        public static let tokens = 2_048
        /// Cells of the LCS table for the differing middle of one pair.
        public static let cells = 8_192
    }

    /// What changed between two lines.
    public struct Comparison: Hashable, Sendable {
        /// Changed UTF-8 offset ranges in the old line, in order, never touching each other.
        public var old: [Range<Int>]
        /// Changed UTF-8 offset ranges in the new line.
        public var new: [Range<Int>]
        /// From 0 (no visible change) to 1 (nothing but spaces in common): the share of the two
        /// lines' non-blank bytes that changed.
        public var distance: Double
    }

    /// The comparison of two lines, or nil when either is over the limits.
    public static func compare(_ old: Substring, _ new: Substring) -> Comparison? {
        guard let a = TokenizedLine(old), let b = TokenizedLine(new) else { return nil }
        var work = 0
        return compare(a, b, work: &work)
    }

    /// The comparison of two tokenised lines, or nil when their middle is over `Limits.cells`;
    /// adds the token comparisons it made (or would have made) to `work`.
    static func compare(_ a: TokenizedLine, _ b: TokenizedLine, work: inout Int) -> Comparison? {
        let n = a.tokens.count, m = b.tokens.count
        var head = 0
        while head < n, head < m, a.same(head, b, head) { head += 1 }
        var tail = 0
        while tail < n - head, tail < m - head, a.same(n - 1 - tail, b, m - 1 - tail) { tail += 1 }
        let rows = n - head - tail, columns = m - head - tail
        work += head + tail + 1
        var changedA = [Bool](repeating: false, count: rows)
        var changedB = [Bool](repeating: false, count: columns)
        if rows == 0 || columns == 0 {
            for i in 0..<rows { changedA[i] = true }
            for j in 0..<columns { changedB[j] = true }
        } else {
            guard rows <= Limits.cells / columns else { return nil }
            work += rows * columns
            lcs(a, b, head: head, rows: rows, columns: columns, changedA: &changedA, changedB: &changedB)
        }
        let (oldSpans, oldChanged) = spans(a, first: head, changed: changedA)
        let (newSpans, newChanged) = spans(b, first: head, changed: changedB)
        let solid = a.solidBytes + b.solidBytes
        let distance = solid == 0 ? 0 : Double(oldChanged + newChanged) / Double(solid)
        return Comparison(old: oldSpans, new: newSpans, distance: distance)
    }

    /// Marks the tokens of the middles that are not in one longest common subsequence.
    private static func lcs(
        _ a: TokenizedLine, _ b: TokenizedLine, head: Int, rows: Int, columns: Int,
        changedA: inout [Bool], changedB: inout [Bool]
    ) {
        // table[i][j]: the LCS length of a's middle from i and b's middle from j. At most
        // min(rows, columns) ≤ 90 since rows · columns ≤ Limits.cells, so 16 bits hold it.
        let width = columns + 1
        var table = [UInt16](repeating: 0, count: (rows + 1) * width)
        for i in stride(from: rows - 1, through: 0, by: -1) {
            for j in stride(from: columns - 1, through: 0, by: -1) {
                table[i * width + j] =
                    a.same(head + i, b, head + j)
                    ? table[(i + 1) * width + j + 1] + 1
                    : max(table[(i + 1) * width + j], table[i * width + j + 1])
            }
        }
        var i = 0, j = 0
        while i < rows, j < columns {
            if a.same(head + i, b, head + j) {
                i += 1
                j += 1
            } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
                changedA[i] = true
                i += 1
            } else {
                changedB[j] = true
                j += 1
            }
        }
        while i < rows { changedA[i] = true; i += 1 }
        while j < columns { changedB[j] = true; j += 1 }
    }

    /// The changed tokens as merged byte ranges, and how many non-blank bytes they hold.
    ///
    /// One blank or one-byte token between two changed ones is taken in too: `1.4.2` →
    /// `1.5.0` reads as one change, `4.2` → `5.0`, not two with a dot between.
    private static func spans(_ line: TokenizedLine, first: Int, changed: [Bool]) -> ([Range<Int>], Int) {
        var out: [Range<Int>] = []
        var solid = 0
        for (k, isChanged) in changed.enumerated() where isChanged {
            let token = line.tokens[first + k]
            if !token.blank { solid += token.length }
            let range = Int(token.start)..<Int(token.end)
            if let last = out.last {
                let between = line.tokens[first + k - 1]
                let bridged = k > 1 && !changed[k - 1] && changed[k - 2] && (between.blank || between.length == 1)
                if last.upperBound == range.lowerBound || bridged {
                    out[out.count - 1] = last.lowerBound..<range.upperBound
                    continue
                }
            }
            out.append(range)
        }
        return (out, solid)
    }
}

// MARK: - Tokens

/// One token of a line: where its bytes are, and whether it is blank.
struct WordToken: Sendable {
    var start: Int32
    var end: Int32
    /// Spaces and tabs only.
    var blank: Bool

    var length: Int { Int(end - start) }
}

/// A line cut into tokens, with its bytes kept to compare tokens exactly.
struct TokenizedLine: Sendable {
    let bytes: [UInt8]
    let tokens: [WordToken]
    /// Bytes outside blank tokens: the denominator of `WordEmphasis.Comparison.distance`.
    let solidBytes: Int

    /// Nil when the line is over `WordEmphasis.Limits`.
    init?(_ text: Substring) {
        guard text.utf8.count <= WordEmphasis.Limits.lineBytes else { return nil }
        bytes = Array(text.utf8)
        let cut: [WordToken]? = bytes.withUnsafeBufferPointer { buffer in
            var tokens: [WordToken] = []
            var tokenizer = Tokenizer(buffer)
            while let token = tokenizer.next() {
                guard tokens.count < WordEmphasis.Limits.tokens else { return nil }
                tokens.append(token)
            }
            return tokens
        }
        guard let cut else { return nil }
        tokens = cut
        solidBytes = cut.reduce(0) { $0 + ($1.blank ? 0 : $1.length) }
    }

    /// Token `i` here has exactly the bytes of token `j` of `other`. Bytes, not hashes: a
    /// crafted collision must not hide a change, and most tokens differ in length or first byte.
    @inline(__always)
    func same(_ i: Int, _ other: TokenizedLine, _ j: Int) -> Bool {
        let x = tokens[i], y = other.tokens[j]
        guard x.length == y.length else { return false }
        var k = 0
        let s = Int(x.start), t = Int(y.start)
        while k < x.length {
            if bytes[s + k] != other.bytes[t + k] { return false }
            k += 1
        }
        return true
    }
}

/// Cuts a line's UTF-8 bytes into `WordToken`s.
private struct Tokenizer {
    private var reader: UTF8ScalarReader

    private enum Class { case word, blank, single, joiner }

    init(_ bytes: UnsafeBufferPointer<UInt8>) { reader = UTF8ScalarReader(bytes) }

    mutating func next() -> WordToken? {
        let start = reader.offset
        guard let scalar = reader.next() else { return nil }
        let first = Self.classify(scalar)
        if first == .word || first == .blank {
            while let next = peek(), next == first || (next == .joiner && first == .word) { _ = reader.next() }
        }
        // Marks and format characters stay with what they modify, whatever that is.
        while peek() == .joiner { _ = reader.next() }
        return WordToken(start: Int32(start), end: Int32(reader.offset), blank: first == .blank)
    }

    /// The class of the next scalar, not consuming it.
    private func peek() -> Class? {
        var ahead = reader
        return ahead.next().map(Self.classify)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> Class {
        let value = scalar.value
        if value < 0x80 {
            switch value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: return .word
            case 0x20, 0x09: return .blank
            default: return .single
            }
        }
        let properties = scalar.properties
        if properties.isWhitespace { return .blank }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format:
            return .joiner
        case .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation, .mathSymbol, .currencySymbol, .control, .lineSeparator, .paragraphSeparator:
            return .single
        default:
            return .word
        }
    }
}
