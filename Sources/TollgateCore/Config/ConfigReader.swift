/// A problem in a configuration, tokens or theme file: the file, the line, the key and what is wrong.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String?
    public var message: String

    public init(file: String, line: Int, key: String? = nil, message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    /// `file:line: key: message`, the form editors and `grep -n` users expect; one inert line,
    /// since it quotes what the file says and files are outside input.
    public var description: String {
        TextSanitizer.safeString("\(file):\(line): " + (key.map { "\($0): " } ?? "") + message)
    }
}

/// Typed, line-aware access to one TOML table of a named file.
///
/// Every getter names the file, line and key in its error, and `finish()` rejects keys the
/// reader never asked for, so a misspelt option is an error instead of being silently ignored.
public struct ConfigReader {
    public let file: String
    public let table: TOMLTable
    /// The dotted path of this table, prefixed to keys in messages (`principals[2].id`).
    public let path: String
    private var consumed: Set<String> = []

    public init(file: String, table: TOMLTable, path: String = "") {
        self.file = file; self.table = table; self.path = path
    }

    /// Parses `text` as TOML, turning syntax errors into `ConfigError`s naming `file`.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigReader {
        do {
            return ConfigReader(file: file, table: try TOMLDocument(parsing: text).root)
        } catch {
            throw ConfigError(file: file, line: error.line, message: "\(error.message) (column \(error.column))")
        }
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: table[key]?.line ?? table.line, key: name(key), message: message)
    }

    private mutating func value(_ key: String) -> TOMLValue? {
        consumed.insert(key)
        return table[key]
    }

    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v.kind else { throw error(key, "expected a string, found \(v.typeName)") }
        return s
    }

    public mutating func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key) else {
            throw ConfigError(file: file, line: table.line, key: name(key), message: "missing (required)")
        }
        return s
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int64>? = nil) throws(ConfigError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v.kind else { throw error(key, "expected an integer, found \(v.typeName)") }
        if let range, !range.contains(i) { throw error(key, "expected \(range.lowerBound) to \(range.upperBound), found \(i)") }
        return i
    }

    /// A number of seconds: an integer or a float, at least `minimum`.
    public mutating func seconds(_ key: String, minimum: Double = 0.001) throws(ConfigError) -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double
        switch v.kind {
        case .integer(let i): d = Double(i)
        case .float(let f): d = f
        default: throw error(key, "expected a number of seconds, found \(v.typeName)")
        }
        // TOML has inf and nan; neither is a duration a timer can take.
        guard d.isFinite else { throw error(key, "expected a finite number of seconds, found \(d)") }
        guard d >= minimum else { throw error(key, "expected at least \(minimum) seconds") }
        return d
    }

    public mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v.kind else { throw error(key, "expected true or false, found \(v.typeName)") }
        return b
    }

    public mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v.kind else { throw error(key, "expected an array of strings, found \(v.typeName)") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item.kind else { throw error(key, "expected an array of strings, found \(item.typeName) in it") }
            out.append(s)
        }
        return out
    }

    /// The sub-table `key` (a `[key]` header or an inline table).
    public mutating func table(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v.kind else { throw error(key, "expected a table, found \(v.typeName)") }
        return ConfigReader(file: file, table: t, path: name(key))
    }

    /// The tables of `[[key]]` headers, in order.
    public mutating func tableArray(_ key: String) throws(ConfigError) -> [ConfigReader] {
        guard let v = value(key) else { return [] }
        guard case .tableArray(let ts) = v.kind else { throw error(key, "expected [[\(key)]] tables, found \(v.typeName)") }
        return ts.enumerated().map { ConfigReader(file: file, table: $1, path: "\(name(key))[\($0 + 1)]") }
    }

    /// Throws for the first key that no getter asked for.
    public func finish() throws(ConfigError) {
        for key in table.keys where !consumed.contains(key) {
            throw error(key, "unknown key")
        }
    }
}
