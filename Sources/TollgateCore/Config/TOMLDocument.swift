/// A TOML 1.0 document, every value remembering the line it was written on.
///
/// We read TOML ourselves rather than through TOMLKit because every error a user can make in
/// a tokens, config or theme file must name its line, and TOMLKit reports positions only for
/// syntax errors, not for the values later found wrong. The whole of TOML 1.0 is read, held to
/// the spec by a differential test against Python's `tomllib`; the one liberty is a leading
/// UTF-8 byte order mark, which some editors write and which is skipped. Integers are 64-bit
/// (a larger one is an error, as the spec asks) and floats that overflow binary64 are errors.
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
        /// An offset date-time, local date-time, local date or local time.
        case dateTime(TOMLDateTime)
        /// A value written as `[ ... ]`, whatever its elements.
        case array([TOMLValue])
        /// A `[header]` table, a table made by dotted keys, or an inline `{ ... }` table.
        case table(TOMLTable)
        /// The tables of `[[header]]`s.
        case tableArray([TOMLTable])
    }

    public var kind: Kind
    public var line: Int

    public init(kind: Kind, line: Int) { self.kind = kind; self.line = line }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .bool: "a boolean"
        case .dateTime(let d): d.typeName
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
