/// Reads TOML 1.0 text into tables: statements, keys, arrays and inline tables, with the
/// rules of definition left to `TOMLTableBuilder`, bare values to `TOMLScalar` and strings to
/// `TOMLParser+Strings`.
struct TOMLParser {
    /// The text as UTF-8, with every CRLF made LF (the spec allows it, even inside strings).
    let bytes: [UInt8]
    var pos = 0
    var line = 1
    var lineStart = 0
    /// How many arrays and inline tables enclose the value being parsed.
    private var depth = 0
    static let maximumDepth = 64

    init(_ text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for byte in text.utf8 {
            if previousWasCR && byte == 0x0A { bytes.removeLast() }
            bytes.append(byte)
            previousWasCR = byte == 0x0D
        }
        self.bytes = bytes
    }

    /// A place in the text, kept to report a problem found after reading on.
    struct Mark {
        var pos: Int, line: Int, lineStart: Int
    }

    var mark: Mark { Mark(pos: pos, line: line, lineStart: lineStart) }

    func error(_ message: String) -> TOMLError { error(message, at: mark) }

    func error(_ message: String, at mark: Mark) -> TOMLError {
        TOMLError(line: mark.line, column: mark.pos - mark.lineStart + 1, message: message)
    }

    var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func starts(with text: StaticString) -> Bool {
        text.withUTF8Buffer { bytes[pos...].starts(with: $0) }
    }

    /// What is at `pos`, for messages: a character, a named control byte or the end of the file.
    var found: String {
        guard let c = current else { return "the end of the file" }
        guard c >= 0x80 else { return TOMLBytes.describe(c) }
        let scalar = String(decoding: bytes[pos..<min(bytes.count, pos + 4)], as: UTF8.self).unicodeScalars.first
        return scalar.map { "'\($0)' (U+\(String($0.value, radix: 16, uppercase: true)))" } ?? TOMLBytes.describe(c)
    }

    // MARK: Statements

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        var builder = TOMLTableBuilder(line: 1)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3; lineStart = 3 }
        while true {
            skipSpaces()
            guard let c = current else { break }
            if c == 0x0A { newline(); continue }
            let start = mark
            if c == UInt8(ascii: "[") {
                let isArray = pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "[")
                pos += isArray ? 2 : 1
                let keyPath = try parseKeyPath()
                guard current == UInt8(ascii: "]") else { throw error("expected ] to close the table header, found \(found)") }
                pos += 1
                if isArray {
                    guard current == UInt8(ascii: "]") else { throw error("expected ]] to close the array-of-tables header, found \(found)") }
                    pos += 1
                }
                do {
                    if isArray { try builder.openArrayTable(keyPath, line: start.line) } else { try builder.openTable(keyPath, line: start.line) }
                } catch { throw self.error(error.message, at: start) }
            } else if TOMLBytes.isBareKeyByte(c) || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                let (keyPath, value) = try parseKeyValue()
                do { try builder.add(value, at: keyPath, line: start.line) } catch { throw self.error(error.message, at: start) }
            } else if c != UInt8(ascii: "#") {
                throw error("expected a key, a [table] header or a comment, found \(found)")
            }
            try expectEndOfLine()
        }
        return builder.root
    }

    /// `key = value`, the key possibly dotted.
    private mutating func parseKeyValue() throws(TOMLError) -> ([String], TOMLValue) {
        let keyPath = try parseKeyPath()
        guard current == UInt8(ascii: "=") else {
            throw error("expected = after the key \(TOMLTableBuilder.dotted(keyPath)), found \(found)")
        }
        pos += 1
        skipSpaces()
        return (keyPath, try parseValue())
    }

    // MARK: Lexical pieces

    mutating func skipSpaces() {
        while let c = current, c == 0x20 || c == 0x09 { pos += 1 }
    }

    mutating func newline() {
        pos += 1
        line += 1
        lineStart = pos
    }

    /// A comment runs to the end of the line and may hold no control character but tab.
    private mutating func skipComment() throws(TOMLError) {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != 0x0A {
            if (c < 0x20 && c != 0x09) || c == 0x7F { throw error("control character \(Self.codePoint(c)) is not allowed in a comment") }
            pos += 1
        }
    }

    /// Spaces, line breaks and comments, as arrays allow between their elements.
    private mutating func skipArraySpace() throws(TOMLError) {
        while let c = current {
            if c == 0x20 || c == 0x09 { pos += 1 } else if c == 0x0A { newline() } else if c == UInt8(ascii: "#") { try skipComment() } else { break }
        }
    }

    private mutating func expectEndOfLine() throws(TOMLError) {
        skipSpaces()
        try skipComment()
        guard let c = current else { return }
        if c == 0x0A { newline(); return }
        if c == 0x0D { throw error("a carriage return must be followed by a line feed") }
        throw error("expected the end of the line after the value, found \(found); one key = value per line")
    }

    static func codePoint(_ c: UInt8) -> String { "U+00" + (c < 0x10 ? "0" : "") + String(c, radix: 16, uppercase: true) }

    /// `a`, `"a b"`, `'a'`, `a.b.c`: the parts of a key, spaces allowed around the dots.
    private mutating func parseKeyPath() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw error("expected a key, found the end of the file") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                if starts(with: "\"\"\"") || starts(with: "'''") { throw error("a key cannot be a multi-line string") }
                parts.append(c == UInt8(ascii: "\"") ? try parseBasicString() : try parseLiteralString())
            } else {
                let start = pos
                while let d = current, TOMLBytes.isBareKeyByte(d) { pos += 1 }
                guard pos > start else { throw error("expected a key (letters, digits, _ or -, or a quoted key), found \(found)") }
                parts.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            pos += 1
        }
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue {
        // Arrays and inline tables recurse: a file of a million `[` must not exhaust the stack.
        guard depth < Self.maximumDepth else { throw error("values nest deeper than \(Self.maximumDepth) levels") }
        depth += 1
        defer { depth -= 1 }
        let valueLine = line
        guard let c = current else { throw error("expected a value, found the end of the file") }
        let kind: TOMLValue.Kind
        switch c {
        case UInt8(ascii: "\""): kind = .string(starts(with: "\"\"\"") ? try parseMultilineBasicString() : try parseBasicString())
        case UInt8(ascii: "'"): kind = .string(starts(with: "'''") ? try parseMultilineLiteralString() : try parseLiteralString())
        case UInt8(ascii: "["): kind = .array(try parseArray())
        case UInt8(ascii: "{"): kind = .table(try parseInlineTable())
        default: kind = try parseScalar()
        }
        return TOMLValue(kind: kind, line: valueLine)
    }

    /// A boolean, number or date: the run of bytes that can belong to one, read by `TOMLScalar`.
    private mutating func parseScalar() throws(TOMLError) -> TOMLValue.Kind {
        let start = pos
        while let c = current, TOMLScalar.isValueByte(c) { pos += 1 }
        // `1979-05-27 07:32:00`: a space may stand for the T between a date and its time.
        if pos - start == 10, bytes[start + 4] == UInt8(ascii: "-"), current == 0x20,
            pos + 1 < bytes.count, TOMLBytes.isDigit(bytes[pos + 1])
        {
            pos += 1
            while let c = current, TOMLScalar.isValueByte(c) { pos += 1 }
        }
        guard pos > start else { throw error("expected a value, found \(found)") }
        do {
            return try TOMLScalar.read(bytes[start..<pos])
        } catch {
            throw self.error(error.message, at: Mark(pos: start + error.offset, line: line, lineStart: lineStart))
        }
    }

    /// `[ value, value, ]`, across lines, with comments.
    private mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        pos += 1
        var items: [TOMLValue] = []
        while true {
            try skipArraySpace()
            guard let c = current else { throw error("unterminated array: expected ]") }
            if c == UInt8(ascii: "]") { pos += 1; return items }
            items.append(try parseValue())
            try skipArraySpace()
            if current == UInt8(ascii: ",") { pos += 1; continue }
            guard current == UInt8(ascii: "]") else { throw error("expected , or ] in the array, found \(found)") }
        }
    }

    /// `{ key = value, ... }`: on one line, no trailing comma, and closed for good once written.
    private mutating func parseInlineTable() throws(TOMLError) -> TOMLTable {
        var builder = TOMLTableBuilder(line: line)
        pos += 1
        skipSpaces()
        if current == UInt8(ascii: "}") { pos += 1; return builder.root }
        while true {
            skipSpaces()
            if current == 0x0A { throw error("an inline table must be written on one line (TOML 1.0)") }
            if current == UInt8(ascii: "}") { throw error("an inline table takes no trailing comma") }
            let start = mark
            let (keyPath, value) = try parseKeyValue()
            do { try builder.add(value, at: keyPath, line: start.line) } catch { throw self.error(error.message, at: start) }
            skipSpaces()
            switch current {
            case UInt8(ascii: ",")?: pos += 1
            case UInt8(ascii: "}")?: pos += 1; return builder.root
            case 0x0A?: throw error("an inline table must be written on one line (TOML 1.0)")
            default: throw error("expected , or } in the inline table, found \(found)")
            }
        }
    }
}
