import TollgateCore

/// One `[[servers]]` table of config.toml: a server of the approver's fleet, by name.
///
/// ```toml
/// [[servers]]
/// name = "prod"
/// url = "https://tollgate.prod.example.com"
/// token_file = "prod.token"     # required: each server its own token
/// ca_file = "/etc/ssl/internal-ca.pem"
/// ```
public struct ConfiguredServer: Hashable, Sendable {
    /// 1 to 32 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit; unique ignoring case.
    public var name: String
    public var url: String
    /// Absolute, or made so against the config file's folder.
    public var tokenFile: String
    public var caFile: String?
    public var clientCert: String?
    public var clientKey: String?

    public init(name: String, url: String, tokenFile: String, caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil) {
        self.name = name; self.url = url; self.tokenFile = tokenFile
        self.caFile = caFile; self.clientCert = clientCert; self.clientKey = clientKey
    }

    /// At most this many tables: the console opens a feed to each.
    static let maxCount = 16
    static let maxNameLength = 32
    /// The console's `:ctx all` means every server, so no server may be called that.
    static let reservedName = "all"

    /// The `[[servers]]` tables of `reader`'s file, each checked alone and against the others.
    /// `path` makes a file path of the file absolute (relative to its folder, `~/` expanded).
    static func tables(_ reader: inout ConfigReader, path: (String) -> String) throws(ConfigError) -> [ConfiguredServer] {
        let tables = try reader.tableArray("servers")
        if tables.count > maxCount { throw reader.error("servers", "more than \(maxCount) [[servers]] tables") }
        var servers: [ConfiguredServer] = []
        for var table in tables {
            let name = try table.requiredString("name")
            if let problem = nameProblem(name) { throw table.error("name", problem) }
            let url = try table.requiredString("url")
            guard ClientConfiguration.isServerURL(url) else {
                throw table.error("url", "expected an http:// or https:// URL with a host, without spaces or control characters")
            }
            let server = ConfiguredServer(
                name: name, url: url, tokenFile: path(try table.requiredString("token_file")),
                caFile: try table.string("ca_file").map(path), clientCert: try table.string("client_cert").map(path),
                clientKey: try table.string("client_key").map(path))
            try table.finish()
            if let clash = server.clash(with: servers, table) { throw clash }
            servers.append(server)
        }
        return servers
    }

    /// Why `name` cannot name a server, or nil when it can. It is shown in the console's header
    /// and SERVER column and typed after `--context`: plain ASCII only, no spaces, no commas.
    static func nameProblem(_ name: String) -> String? {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, alphanumerics.contains(first), scalars.count <= maxNameLength,
            scalars.allSatisfy({ alphanumerics.contains($0) || $0 == "." || $0 == "_" || $0 == "-" })
        else {
            return "expected 1 to \(maxNameLength) of A-Z a-z 0-9 . _ -, starting with a letter or digit"
        }
        if name.lowercased() == reservedName { return "\"\(reservedName)\" is reserved: it means every server" }
        return nil
    }

    private static let alphanumerics = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)

    /// The error for this server against those read before it: a name taken, the same server
    /// under another name, or a token file another server already uses.
    private func clash(with earlier: [ConfiguredServer], _ table: ConfigReader) -> ConfigError? {
        for (index, other) in earlier.enumerated() {
            let which = "servers[\(index + 1)] (\(other.name))"
            if other.name.lowercased() == name.lowercased() {
                return table.error("name", "\(which) has this name already (names are compared ignoring case)")
            }
            // The history cache and the outbox key actions by server URL: two names for one
            // server would mix their actions.
            if ServerURL(other.url).key == ServerURL(url).key { return table.error("url", "\(which) is this server already") }
            if other.tokenFile == tokenFile {
                return table.error("token_file", "\(which) uses this file already: each server needs its own token")
            }
        }
        return nil
    }
}
