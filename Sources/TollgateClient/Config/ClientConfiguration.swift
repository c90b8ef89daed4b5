import TollgateCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the client's settings could not be put together: one line naming the file or variable.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The client's settings from `config.toml` (`$XDG_CONFIG_HOME/tollgate/config.toml`, else
/// `~/.config/tollgate/config.toml`), and how they combine with flags and the environment.
///
/// ```toml
/// server = "https://tollgate.internal"
/// token_file = "token"          # relative paths are relative to this file
/// ca_file = "/etc/ssl/corp-ca.pem"
///
/// [[danger]]                     # more danger marks, beside the defaults
/// pattern = '(?i)prod-db'
/// label = 'production database'
/// ```
///
/// Or, instead of `server`, several servers by name (`ConfiguredServer`, `resolveFleet`).
///
/// Other keys are left alone: the console keeps its own settings in the same file.
public struct ClientConfiguration: Hashable, Sendable {
    public var server: String?
    /// Absolute, or made so against the config file's folder.
    public var tokenFile: String?
    public var caFile: String?
    public var clientCert: String?
    public var clientKey: String?
    /// The danger marks' patterns: the defaults and the file's `[[danger]]` tables.
    public var danger: DangerMatcher
    /// The `[[servers]]` tables, in the file's order; empty when `server` is set.
    public var servers: [ConfiguredServer]

    public init(
        server: String? = nil, tokenFile: String? = nil, caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil,
        danger: DangerMatcher = DangerMatcher(), servers: [ConfiguredServer] = []
    ) {
        self.server = server; self.tokenFile = tokenFile; self.caFile = caFile
        self.clientCert = clientCert; self.clientKey = clientKey; self.danger = danger; self.servers = servers
    }

    /// At most this many `[[danger]]` tables: each runs its regex on every added line.
    static let maxDangerPatterns = 50
    /// A label longer than this would crowd the diff line it is shown on.
    static let maxDangerLabel = 40

    /// Larger than any config file a person writes; a bigger one is refused, not read.
    static let maxFileSize = 1 << 20

    // MARK: - Finding the file

    /// Where the config file is looked for; nil when neither `XDG_CONFIG_HOME` nor `HOME` says.
    ///
    /// A relative `XDG_CONFIG_HOME` is ignored, as the XDG spec asks.
    public static func defaultFile(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return join(xdg, "tollgate/config.toml")
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return join(home, ".config/tollgate/config.toml")
        }
        return nil
    }

    // MARK: - Reading the file

    /// The client's keys of the config file at `path`, or nil when there is no such file.
    public static func load(file path: String, environment: [String: String]) throws(ConfigurationError) -> ClientConfiguration? {
        guard var reader = try reader(file: path) else { return nil }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        func absolutePath(_ value: String) -> String { absolute(value, relativeTo: folder, home: environment["HOME"]) }
        let configuration: ClientConfiguration
        do {
            configuration = ClientConfiguration(
                server: try reader.string("server"), tokenFile: try reader.string("token_file").map(absolutePath),
                caFile: try reader.string("ca_file").map(absolutePath), clientCert: try reader.string("client_cert").map(absolutePath),
                clientKey: try reader.string("client_key").map(absolutePath), danger: DangerMatcher(extra: try dangerPatterns(&reader)),
                servers: try ConfiguredServer.tables(&reader, path: absolutePath))
        } catch {
            throw ConfigurationError(error.description)
        }
        // Which of the two would `--context` or a console without `--server` follow?
        if configuration.server != nil && !configuration.servers.isEmpty {
            throw ConfigurationError("set either server or [[servers]] in \(path), not both")
        }
        return configuration
    }

    /// The config file `environment` points to, read; an empty configuration when there is none.
    public static func current(environment: [String: String]) throws(ConfigurationError) -> ClientConfiguration {
        guard let path = defaultFile(environment: environment) else { return ClientConfiguration() }
        return try load(file: path, environment: environment) ?? ClientConfiguration()
    }

    /// The danger patterns of the config file `environment` points to: the defaults alone when
    /// there is no file. For the console, which reads no other client key.
    public static func danger(environment: [String: String]) throws(ConfigurationError) -> DangerMatcher {
        try current(environment: environment).danger
    }

    /// The `[[danger]]` tables: `pattern` and `label`, both required, nothing else.
    static func dangerPatterns(_ reader: inout ConfigReader) throws(ConfigError) -> [DangerPattern] {
        let tables = try reader.tableArray("danger")
        if tables.count > maxDangerPatterns { throw reader.error("danger", "more than \(maxDangerPatterns) [[danger]] tables") }
        var patterns: [DangerPattern] = []
        for var table in tables {
            let pattern = try table.requiredString("pattern")
            let label = try table.requiredString("label")
            if label.trimmingWhitespace.isEmpty || label.count > maxDangerLabel
                || label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            {
                throw table.error("label", "expected 1 to \(maxDangerLabel) characters of text on one line")
            }
            try table.finish()
            do {
                patterns.append(try DangerPattern(label: label, pattern: pattern))
            } catch {
                throw table.error("pattern", error.message)
            }
        }
        return patterns
    }

    /// The config file at `path` parsed, for whoever reads its keys (the client's here, the
    /// console's its own); nil when there is no such file.
    public static func reader(file path: String) throws(ConfigurationError) -> ConfigReader? {
        guard let text = try readText(path) else { return nil }
        do {
            return try ConfigReader.parse(text, file: path)
        } catch {
            throw ConfigurationError(error.description)
        }
    }

    /// The file's text; nil when it does not exist.
    private static func readText(_ path: String) throws(ConfigurationError) -> String? {
        guard let file = try SmallFile.open(path, role: "config file", missingIsNil: true) else { return nil }
        let bytes = try file.readAll(limit: maxFileSize, limitText: "1 MiB")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError("config file \(path) is not UTF-8 text")
        }
        return text
    }

    // MARK: - Values

    /// `value` if it is a server URL (`isServerURL`); else the error naming where it came from.
    static func validated(server value: String, from source: String) throws(ConfigurationError) -> String {
        guard isServerURL(value) else {
            throw ConfigurationError("server \"\(ClientError.excerpt(value, limit: 80))\" (from \(source)) is not an http:// or https:// URL")
        }
        return value
    }

    /// Whether `value` is an http(s) URL with a host and nothing a header or log line could trip on.
    static func isServerURL(_ value: String) -> Bool {
        let lower = value.lowercased()
        let rest = lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
        guard let rest, let host = rest.first, host != "/" else { return false }
        return value.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// `path` with `~/` expanded and made absolute against `folder`.
    private static func absolute(_ path: String, relativeTo folder: String, home: String?) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home { return join(home, String(path.dropFirst(2))) }
        return join(folder, path)
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
