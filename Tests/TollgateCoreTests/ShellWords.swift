/// A small POSIX shell tokenizer for tests: the structure of a command, with literal text left out.
///
/// It knows quotes (`'…'`, `"…"`), backslash escapes, `$( )`, backticks, `${ }`, `$NAME`,
/// comments, line breaks and the operators `; | & < > ( )` (with their two-character forms), and
/// parses the inside of every quoted string again as a script of its own, because a string
/// is often handed to `sh -c`. Two texts with the same `ShellWords.parse` differ only in the
/// literal characters inside words, so whatever masking did to one of them, it moved no quote,
/// operator, expansion or word boundary.
enum ShellWords {
    /// One piece of a word.
    indirect enum Segment: Equatable {
        case literal
        case escaped
        case single(script: [Piece])
        case double(parts: [Segment], script: [Piece])
        case command([Piece])
        case backtick([Piece])
        case parameter([Segment])
        case variable
        case unterminated
    }

    /// One element of a command list.
    enum Piece: Equatable {
        case word([Segment])
        case op(String)
        case newline
        case comment
    }

    static func parse(_ text: String) -> [Piece] {
        var parser = Parser(chars: Array(text.unicodeScalars))
        return parser.list(until: nil)
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0

        init(chars: [Unicode.Scalar]) { self.chars = chars }

        private var current: Unicode.Scalar? { i < chars.count ? chars[i] : nil }
        private func peek(_ k: Int) -> Unicode.Scalar? { i + k < chars.count ? chars[i + k] : nil }

        /// Pieces up to `end` (consumed) or the end of the text.
        mutating func list(until end: Unicode.Scalar?) -> [Piece] {
            var pieces: [Piece] = []
            var word: [Segment] = []
            func flush() {
                if !word.isEmpty { pieces.append(.word(word)); word = [] }
            }
            while let c = current {
                if let end, c == end { i += 1; flush(); return pieces }
                switch c {
                case " ", "\t":
                    i += 1; flush()
                case "\n":
                    i += 1; flush(); pieces.append(.newline)
                case "#" where word.isEmpty:
                    while let d = current, d != "\n" { i += 1 }
                    pieces.append(.comment)
                case ";", "|", "&", "<", ">", "(", ")":
                    flush()
                    var op = String(c)
                    i += 1
                    if let d = current, ["&&", "||", ";;", ">>", "<<", ">&", "<&", "|&", "<>", ">|"].contains(op + String(d)) {
                        op.append(Character(d)); i += 1
                    }
                    pieces.append(.op(op))
                default:
                    Self.append(segment(inDouble: false), to: &word)
                }
            }
            flush()
            if end != nil { pieces.append(.word([.unterminated])) }
            return pieces
        }

        /// Appends `segments`, merging a literal into the literal before it.
        private static func append(_ segments: [Segment], to word: inout [Segment]) {
            for segment in segments where !(segment == .literal && word.last == .literal) { word.append(segment) }
        }

        /// The segment at the cursor: an escape, a quote, an expansion or a literal character.
        private mutating func segment(inDouble: Bool) -> [Segment] {
            guard let c = current else { return [] }
            switch c {
            case "\\":
                // An escaped ordinary character is just that character.
                let escaped = peek(1)
                i += min(2, chars.count - i)
                return escaped.map { $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.+/=%:@,".unicodeScalars.contains($0)) } == true
                    ? [.literal] : [.escaped]
            case "'" where !inDouble:
                i += 1
                let start = i
                while let d = current, d != "'" { i += 1 }
                guard current != nil else { return [.unterminated] }
                let inner = String(String.UnicodeScalarView(chars[start..<i]))
                i += 1
                return [.single(script: ShellWords.parse(inner))]
            case "\"" where !inDouble:
                i += 1
                let start = i
                var parts: [Segment] = []
                while let d = current, d != "\"" { Self.append(segment(inDouble: true), to: &parts) }
                guard current != nil else { return parts + [.unterminated] }
                let inner = String(String.UnicodeScalarView(chars[start..<i]))
                i += 1
                return [.double(parts: parts, script: ShellWords.parse(inner))]
            case "`":
                i += 1
                return [.backtick(list(until: "`"))]
            case "$":
                if peek(1) == "(" {
                    i += 2
                    return [.command(list(until: ")"))]
                }
                if peek(1) == "{" {
                    i += 2
                    var parts: [Segment] = []
                    while let d = current, d != "}" { Self.append(segment(inDouble: true), to: &parts) }
                    guard current != nil else { return parts + [.unterminated] }
                    i += 1
                    return [.parameter(parts)]
                }
                if let d = peek(1), d.isASCII && d.properties.isAlphabetic || d == "_" || ("0"..."9").contains(d) || "@*#?$!-".unicodeScalars.contains(d) {
                    i += 2
                    if d.properties.isAlphabetic || d == "_" {
                        while let e = current, e.isASCII, e.properties.isAlphabetic || e == "_" || ("0"..."9").contains(e) { i += 1 }
                    }
                    return [.variable]
                }
                i += 1
                return [.literal]
            default:
                i += 1
                return [.literal]
            }
        }
    }
}
