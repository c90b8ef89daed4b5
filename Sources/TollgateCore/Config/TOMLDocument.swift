import Foundation

/// A reader for the TOML subset Tollgate's files use, remembering the line of every value.
///
/// We read TOML ourselves rather than through TOMLKit because every error a user can make in
/// a tokens, config or theme file must name its line, and TOMLKit reports positions only for
/// syntax errors, not for the values later found wrong. Supported: comments, bare and quoted
/// keys, dotted keys, `[table]` and `[[array.of.tables]]` headers, basic and literal strings
/// (single line), integers, floats, booleans, arrays (across lines) and inline tables.
/// Not supported (rejected with a clear message): multi-line strings and dates.
public struct TOMLDocument: Sendable {
    /// The top-level table.
    public var root: TOMLTable

    /// Parses `text`; throws `TOMLError` with the line and column of the first problem.
    public init(parsing text: String) throws(TOMLError) {
        var parser = TOMLParser(text)
        root = try parser.parseDocument()
    }
}

/// A syntax or structure error, with a 1-based line and column.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }

    /// An error whose message is made one inert line: messages quote keys and text of the file,
    /// which may hold escapes, newlines (`\n` in a quoted key) or megabytes.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        let inert = TextSanitizer.safeString(message)
        self.message = inert.count > Self.messageLimit ? String(inert.prefix(Self.messageLimit - 1)) + "…" : inert
    }

    static let messageLimit = 300
}

/// A TOML value and the line it was written on.
public struct TOMLValue: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
        case tableArray([TOMLTable])
    }

    public var kind: Kind
    public var line: Int

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .tableArray: "an array of tables"
        }
    }
}

/// A TOML table that keeps its keys in the order they were written.
public struct TOMLTable: Hashable, Sendable {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: TOMLValue] = [:]
    /// Where the table was opened (its header line, or 1 for the root).
    public var line: Int

    public init(line: Int) { self.line = line }

    public subscript(key: String) -> TOMLValue? { values[key] }

    mutating func set(_ key: String, _ value: TOMLValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
}

// MARK: - Parser

private struct TOMLParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// How many arrays and inline tables enclose the value being parsed.
    private var depth = 0
    static let maximumDepth = 64

    init(_ text: String) { bytes = Array(text.utf8) }

    private func error(_ message: String) -> TOMLError {
        TOMLError(line: line, column: pos - lineStart + 1, message: message)
    }

    private var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    // MARK: Document structure

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable(line: 1)
        var path: [String] = []
        var explicitTables: Set<[String]> = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3; lineStart = 3 }
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard let c = current else { break }
            if c == UInt8(ascii: "[") {
                let headerLine = line
                let isArray = pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "[")
                pos += isArray ? 2 : 1
                skipSpaces()
                let keyPath = try parseKeyPath()
                skipSpaces()
                guard current == UInt8(ascii: "]") else { throw error("expected ] to close the table header") }
                pos += 1
                if isArray {
                    guard current == UInt8(ascii: "]") else { throw error("expected ]] to close the array-of-tables header") }
                    pos += 1
                    try Self.appendTable(to: &root, at: keyPath, line: headerLine, errorAt: error)
                } else {
                    guard explicitTables.insert(keyPath).inserted else { throw error("table [\(keyPath.joined(separator: "."))] is defined twice") }
                    try Self.ensureTable(in: &root, at: keyPath, line: headerLine, errorAt: error)
                }
                path = keyPath
                try expectEndOfLine()
                continue
            }
            let valueLine = line
            let keyPath = try parseKeyPath()
            skipSpaces()
            guard current == UInt8(ascii: "=") else { throw error("expected = after the key \(keyPath.joined(separator: "."))") }
            pos += 1
            skipSpaces()
            let value = try parseValue()
            try Self.insert(value, at: path + keyPath, into: &root, line: valueLine, errorAt: error)
            try expectEndOfLine()
        }
        return root
    }

    /// Walks `path` from `table`, applying `body` to the innermost table (the last element of an array of tables).
    private static func modify(_ table: inout TOMLTable, path: ArraySlice<String>, line: Int, errorAt: (String) -> TOMLError, _ body: (inout TOMLTable) throws(TOMLError) -> Void) throws(TOMLError) {
        guard let first = path.first else { return try body(&table) }
        let rest = path.dropFirst()
        switch table[first]?.kind {
        case nil:
            var sub = TOMLTable(line: line)
            try modify(&sub, path: rest, line: line, errorAt: errorAt, body)
            table.set(first, TOMLValue(kind: .table(sub), line: line))
        case .table(var sub)?:
            try modify(&sub, path: rest, line: line, errorAt: errorAt, body)
            table.set(first, TOMLValue(kind: .table(sub), line: table[first]?.line ?? line))
        case .tableArray(var subs)? where !subs.isEmpty:
            try modify(&subs[subs.count - 1], path: rest, line: line, errorAt: errorAt, body)
            table.set(first, TOMLValue(kind: .tableArray(subs), line: table[first]?.line ?? line))
        default:
            throw errorAt("\(first) is already a value, not a table")
        }
    }

    private static func ensureTable(in root: inout TOMLTable, at path: [String], line: Int, errorAt: (String) -> TOMLError) throws(TOMLError) {
        try modify(&root, path: path[...], line: line, errorAt: errorAt) { _ throws(TOMLError) in }
    }

    private static func appendTable(to root: inout TOMLTable, at path: [String], line: Int, errorAt: (String) -> TOMLError) throws(TOMLError) {
        guard let last = path.last else { throw errorAt("empty table name") }
        try modify(&root, path: path.dropLast(), line: line, errorAt: errorAt) { (t: inout TOMLTable) throws(TOMLError) in
            switch t[last]?.kind {
            case nil: t.set(last, TOMLValue(kind: .tableArray([TOMLTable(line: line)]), line: line))
            case .tableArray(var subs)?:
                subs.append(TOMLTable(line: line))
                t.set(last, TOMLValue(kind: .tableArray(subs), line: t[last]?.line ?? line))
            default: throw errorAt("\(last) is already defined and is not an array of tables")
            }
        }
    }

    private static func insert(_ value: TOMLValue, at path: [String], into root: inout TOMLTable, line: Int, errorAt: (String) -> TOMLError) throws(TOMLError) {
        guard let last = path.last else { throw errorAt("empty key") }
        try modify(&root, path: path.dropLast(), line: line, errorAt: errorAt) { (t: inout TOMLTable) throws(TOMLError) in
            if t[last] != nil { throw errorAt("key \(last) is defined twice") }
            t.set(last, value)
        }
    }

    // MARK: Lexical pieces

    private mutating func skipSpaces() {
        while let c = current, c == 0x20 || c == 0x09 { pos += 1 }
    }

    private mutating func newline() {
        pos += 1
        line += 1
        lineStart = pos
    }

    private mutating func skipWhitespaceAndComments(newlines: Bool) {
        while let c = current {
            if c == 0x20 || c == 0x09 { pos += 1 }
            else if c == UInt8(ascii: "#") { while let d = current, d != 0x0A { pos += 1 } }
            else if newlines && c == 0x0D && pos + 1 < bytes.count && bytes[pos + 1] == 0x0A { pos += 1; newline() }
            else if newlines && c == 0x0A { newline() }
            else { break }
        }
    }

    private mutating func expectEndOfLine() throws(TOMLError) {
        skipWhitespaceAndComments(newlines: false)
        guard let c = current else { return }
        if c == 0x0A { newline(); return }
        if c == 0x0D, pos + 1 < bytes.count, bytes[pos + 1] == 0x0A { pos += 1; newline(); return }
        throw error("unexpected text after the value; one key = value per line")
    }

    private static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    private mutating func parseKeyPath() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw error("expected a key") }
            if c == UInt8(ascii: "\"") { parts.append(try parseBasicString()) }
            else if c == UInt8(ascii: "'") { parts.append(try parseLiteralString()) }
            else {
                let start = pos
                while let d = current, Self.isBareKeyByte(d) { pos += 1 }
                guard pos > start else { throw error("expected a key (letters, digits, _ or -), found \(Self.describe(c))") }
                parts.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            pos += 1
        }
    }

    private static func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "byte 0x%02X", c)
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue {
        // Arrays and inline tables recurse: a file of a million `[` must not exhaust the stack.
        guard depth < Self.maximumDepth else { throw error("values nest deeper than \(Self.maximumDepth) levels") }
        depth += 1
        defer { depth -= 1 }
        let valueLine = line
        guard let c = current else { throw error("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            if bytes[pos...].starts(with: Array("\"\"\"".utf8)) { throw error("multi-line strings are not supported here") }
            return TOMLValue(kind: .string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if bytes[pos...].starts(with: Array("'''".utf8)) { throw error("multi-line strings are not supported here") }
            return TOMLValue(kind: .string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "["):
            return TOMLValue(kind: .array(try parseArray()), line: valueLine)
        case UInt8(ascii: "{"):
            return TOMLValue(kind: .table(try parseInlineTable()), line: valueLine)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if bytes[pos...].starts(with: Array("true".utf8)) { pos += 4; return TOMLValue(kind: .bool(true), line: valueLine) }
            if bytes[pos...].starts(with: Array("false".utf8)) { pos += 5; return TOMLValue(kind: .bool(false), line: valueLine) }
            throw error("expected a value (a string needs quotes)")
        default:
            return TOMLValue(kind: try parseNumber(), line: valueLine)
        }
    }

    private mutating func parseNumber() throws(TOMLError) -> TOMLValue.Kind {
        let start = pos
        while let c = current, Self.isBareKeyByte(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") { pos += 1 }
        let raw = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard !raw.isEmpty else { throw error("expected a value, found \(current.map(Self.describe) ?? "end of file")") }
        let digits = raw.replacingOccurrences(of: "_", with: "")
        if let i = Int64(digits) { return .integer(i) }
        if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let d = Double(digits), d.isFinite { return .float(d) }
        if raw.contains("-") && raw.contains(":") || raw.count >= 10 && raw.dropFirst(4).first == "-" {
            throw error("dates are not supported here; write the value as a string")
        }
        throw error("expected a value, found \(raw.prefix(40).debugDescription) (strings need quotes)")
    }

    private mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        pos += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard let c = current else { throw error("unterminated array: expected ]") }
            if c == UInt8(ascii: "]") { pos += 1; return items }
            items.append(try parseValue())
            skipWhitespaceAndComments(newlines: true)
            if current == UInt8(ascii: ",") { pos += 1; continue }
            guard current == UInt8(ascii: "]") else { throw error("expected , or ] in the array") }
        }
    }

    private mutating func parseInlineTable() throws(TOMLError) -> TOMLTable {
        var table = TOMLTable(line: line)
        pos += 1
        skipSpaces()
        if current == UInt8(ascii: "}") { pos += 1; return table }
        while true {
            let keyPath = try parseKeyPath()
            skipSpaces()
            guard current == UInt8(ascii: "=") else { throw error("expected = in the inline table") }
            pos += 1
            skipSpaces()
            let value = try parseValue()
            try Self.insert(value, at: keyPath, into: &table, line: value.line, errorAt: error)
            skipSpaces()
            if current == UInt8(ascii: ",") { pos += 1; skipSpaces(); continue }
            guard current == UInt8(ascii: "}") else { throw error("expected , or } in the inline table") }
            pos += 1
            return table
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        pos += 1
        let start = pos
        while let c = current, c != UInt8(ascii: "'") {
            if c == 0x0A || c == 0x0D { throw error("unterminated string") }
            pos += 1
        }
        guard current != nil else { throw error("unterminated string") }
        let s = String(decoding: bytes[start..<pos], as: UTF8.self)
        pos += 1
        return s
    }

    private mutating func parseBasicString() throws(TOMLError) -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated string") }
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case 0x0A, 0x0D:
                throw error("unterminated string")
            case UInt8(ascii: "\\"):
                pos += 1
                guard let e = current else { throw error("unterminated string") }
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    guard pos + n <= bytes.count,
                          let v = UInt32(String(decoding: bytes[pos..<pos + n], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(v) else { throw error("invalid \\u escape") }
                    out += Array(String(scalar).utf8)
                    pos += n
                default:
                    throw error("invalid escape \\ followed by \(Self.describe(e))")
                }
            default:
                out.append(c)
                pos += 1
            }
        }
    }
}
