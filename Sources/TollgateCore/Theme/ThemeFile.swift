/// Reads a theme from TOML text: pure, so it can be fuzzed and tested without files.
///
/// Format (see `themes/default.toml`, which documents every role):
/// ```toml
/// name = "default"
/// description = "Dark background"
/// [roles]
/// risk_high = { fg = "bright_red", bg = "default", attrs = ["bold"], mono = ["bold"] }
/// ```
/// Colours are `default`, a name (`red`, `bright_red`, …), a number 0–255, or `"#rrggbb"`
/// (the nearest of the 256 colours). A role left out looks as in the built-in theme; within a
/// role, `fg` and `bg` default to `default`, `attrs` to none and `mono` to `attrs`.
/// Anything unknown (role, key, colour, attribute) is an error naming file, line and key.
public enum ThemeFile {
    /// The keys a role's inline table may hold.
    public static let roleKeys = ["fg", "bg", "attrs", "mono"]

    public static func parse(text: String, file: String) throws(ConfigError) -> Theme {
        var root = try ConfigReader.parse(text, file: file)
        let name = try root.requiredString("name")
        if name.trimmingWhitespace.isEmpty { throw root.error("name", "must not be empty") }
        let description = try root.string("description") ?? ""
        guard var roles = try root.table("roles") else {
            throw ConfigError(file: file, line: 1, key: "roles", message: "missing (required): a [roles] table")
        }
        try root.finish()
        var styles: [ThemeRole: RoleStyle] = [:]
        for key in roles.table.keys {
            guard let role = ThemeRole(rawValue: key) else {
                throw roles.error(key, "unknown role; roles are " + ThemeRole.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard let entry = try roles.table(key) else { continue }
            styles[role] = try roleStyle(entry)
        }
        return Theme(name: name, description: description, styles: styles, fallback: .builtIn)
    }

    // MARK: - Pieces

    private static func roleStyle(_ reader: ConfigReader) throws(ConfigError) -> RoleStyle {
        for key in reader.table.keys where !roleKeys.contains(key) {
            throw reader.error(key, "unknown key; a role has fg, bg, attrs and mono")
        }
        var reader = reader
        let attrs = try attributes(&reader, "attrs") ?? []
        return RoleStyle(
            foreground: try color(reader, "fg"),
            background: try color(reader, "bg"),
            attributes: attrs,
            monochrome: try attributes(&reader, "mono") ?? attrs
        )
    }

    private static func color(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> ThemeColor {
        guard let value = reader.table[key] else { return .terminalDefault }
        switch value.kind {
        case .integer(let i):
            guard (0...255).contains(i) else { throw reader.error(key, "colour number \(i) is outside 0-255") }
            return .indexed(UInt8(i))
        case .string(let s):
            guard let c = ThemeColor(name: s) else {
                throw reader.error(
                    key, "unknown colour \"\(printable(s))\"; expected default, black … white, bright_black … bright_white, 0-255 or \"#rrggbb\"")
            }
            return c
        default:
            throw reader.error(key, "expected a colour name, number or \"#rrggbb\", found \(value.typeName)")
        }
    }

    private static func attributes(_ reader: inout ConfigReader, _ key: String) throws(ConfigError) -> ThemeAttributes? {
        guard let names = try reader.strings(key) else { return nil }
        var out: ThemeAttributes = []
        for name in names {
            guard let a = ThemeAttributes.named.first(where: { $0.0 == name }) else {
                throw reader.error(key, "unknown attribute \"\(printable(name))\"; expected " + ThemeAttributes.named.map(\.0).joined(separator: ", "))
            }
            out.insert(a.1)
        }
        return out
    }

    /// A user's value quoted back in a one-line message: no control characters, bounded length.
    private static func printable(_ s: String) -> String {
        let clean = String(
            String.UnicodeScalarView(
                s.unicodeScalars.prefix(40).map {
                    $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : $0
                }))
        return s.unicodeScalars.count > 40 ? clean + "…" : clean
    }
}
