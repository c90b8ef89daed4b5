import TollgateCore

/// One server of the approver's fleet, by the name the configuration gives it.
public struct ServerContext: Hashable, Sendable {
    public var name: String
    public var endpoint: ServerEndpoint

    public init(name: String, endpoint: ServerEndpoint) {
        self.name = name
        self.endpoint = endpoint
    }

    /// What to call a server known only by its URL (one the history cache holds that no
    /// `[[servers]]` table names): its host, with the port when not the scheme's default.
    public static func name(forURL url: String) -> String { ServerURL(url).displayName }

    /// The names of a `--context a,b` value, split at commas; `resolveFleet` trims and checks them.
    public static func names(in list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}

extension ClientConfiguration {
    /// The servers the console follows. `contexts`: the names asked for (`--context a,b`),
    /// nil for all. With `--server`/TOLLGATE_SERVER (or a top-level `server`), that one server,
    /// named after its [[servers]] entry if one has its URL, else after its host[:port].
    public static func resolveFleet(
        contexts: [String]?, server: String?, tokenFile: String?, environment: [String: String], tls: TLSOptions
    ) throws(ConfigurationError) -> [ServerContext] {
        try chosen(contexts: contexts, server: server, tokenFile: tokenFile, environment: environment, tls: tls, requireToken: true)
    }

    /// The one server a one-shot command talks to: `context` names a [[servers]] entry; without
    /// it the rules of `resolve` today, and when the file has only [[servers]], its only
    /// entry, or an error listing the names when there are several.
    public static func resolve(
        context: String?, server: String?, tokenFile: String?, environment: [String: String], tls: TLSOptions, requireToken: Bool = true
    ) throws(ConfigurationError) -> ServerContext {
        if let context, case let names = ServerContext.names(in: context), names.count > 1 {
            throw ConfigurationError("--context: this command talks to one server, and \(names.count) names were given")
        }
        let servers = try chosen(
            contexts: context.map { [$0] }, server: server, tokenFile: tokenFile, environment: environment, tls: tls,
            requireToken: requireToken)
        guard servers.count == 1, let only = servers.first else {
            throw ConfigurationError(
                "\(fileName(environment)) names \(servers.count) servers (\(servers.map(\.name).joined(separator: ", "))): "
                    + "pass --context NAME to choose one")
        }
        return only
    }

    /// The endpoint to use, from (first found wins) the flags, the environment, the config file.
    ///
    /// - server: `--server`, `TOLLGATE_SERVER`, `server` (or the only `[[servers]]` table).
    /// - token: `--token-file`, `TOLLGATE_TOKEN_FILE`, `TOLLGATE_TOKEN` (the token itself),
    ///   the `token_file` of the `[[servers]]` table with that URL, `token_file`. A token file
    ///   readable by group or others is refused.
    /// - TLS: each field of `tls` (the flags), else that table's, else `ca_file`, `client_cert`,
    ///   `client_key`.
    ///
    /// Empty variables count as unset. Without `requireToken`, a missing token is an empty one
    /// (enough for `GET /v1/health`).
    public static func resolve(
        server: String?, tokenFile: String?, environment: [String: String], tls: TLSOptions, requireToken: Bool = true
    ) throws(ConfigurationError) -> ServerEndpoint {
        try resolve(context: nil, server: server, tokenFile: tokenFile, environment: environment, tls: tls, requireToken: requireToken).endpoint
    }

    /// The `[[servers]]` table named `name`, ignoring case as names are compared.
    public func server(named name: String) -> ConfiguredServer? {
        servers.first { $0.name.lowercased() == name.lowercased() }
    }

    /// What to call the server at `url`: the name of the `[[servers]]` table with that URL
    /// (spelt in any way), else its host, with the port when it is not the scheme's default.
    public func serverName(url: String) -> String {
        let key = ServerURL(url).key
        return servers.first { ServerURL($0.url).key == key }?.name ?? ServerURL(url).displayName
    }

    // MARK: - Choosing

    /// The servers that `contexts`, `server` and the environment choose, each with its token.
    private static func chosen(
        contexts: [String]?, server: String?, tokenFile: String?, environment: [String: String], tls: TLSOptions, requireToken: Bool
    ) throws(ConfigurationError) -> [ServerContext] {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let file = try current(environment: environment)
        let fileName = fileName(environment)

        if let contexts {
            // A flag beats the environment: --context wins over TOLLGATE_SERVER, but not over --server.
            if server != nil {
                throw ConfigurationError("--context and --server contradict each other: pass one (--context names a [[servers]] table of \(fileName))")
            }
            return try file.fleet(file.named(contexts, in: fileName), tokenFile: tokenFile, tls: tls, fileName: fileName)
        }

        let source: (url: String, from: String)? =
            server.map { ($0, "--server") } ?? variable("TOLLGATE_SERVER").map { ($0, "TOLLGATE_SERVER") } ?? file.server.map { ($0, fileName) }
        guard let source else {
            guard !file.servers.isEmpty else {
                throw ConfigurationError("no server: pass --server, set TOLLGATE_SERVER, or set server or [[servers]] in \(fileName)")
            }
            return try file.fleet(file.servers, tokenFile: tokenFile, tls: tls, fileName: fileName)
        }
        let url = try validated(server: source.url, from: source.from)
        // The server may be one of the fleet's: then its table's files, name and spelling of the
        // URL (the history cache keys actions by it), unless the flags or environment say otherwise.
        let key = ServerURL(url).key
        let entry = file.servers.first { ServerURL($0.url).key == key }

        let token: String
        if let path = tokenFile ?? variable("TOLLGATE_TOKEN_FILE") {
            token = try TokenFile.token(at: path)
        } else if let value = variable("TOLLGATE_TOKEN") {
            token = String(value.trimmingWhitespace)
            if let problem = ServerEndpoint.tokenProblem(token) { throw ConfigurationError("TOLLGATE_TOKEN: \(problem)") }
        } else if let path = entry?.tokenFile ?? file.tokenFile {
            token = try TokenFile.token(at: path)
        } else if requireToken {
            throw ConfigurationError("no token: pass --token-file, set TOLLGATE_TOKEN_FILE or TOLLGATE_TOKEN, or set token_file in \(fileName)")
        } else {
            token = ""
        }

        let entryTLS = entry.map { tls.filled(caFile: $0.caFile, clientCert: $0.clientCert, clientKey: $0.clientKey) } ?? tls
        let merged = entryTLS.filled(caFile: file.caFile, clientCert: file.clientCert, clientKey: file.clientKey)
        let endpoint = ServerEndpoint(baseURL: entry?.url ?? url, token: token, tls: merged)
        return [ServerContext(name: entry?.name ?? ServerURL(url).displayName, endpoint: endpoint)]
    }

    /// The tables `names` asks for, in its order: each name trimmed, known, and asked for once.
    private func named(_ names: [String], in fileName: String) throws(ConfigurationError) -> [ConfiguredServer] {
        guard !servers.isEmpty else { throw ConfigurationError("--context names [[servers]] tables, and \(fileName) has none") }
        let known = servers.map(\.name).joined(separator: ", ")
        guard !names.isEmpty else { throw ConfigurationError("--context: no name; the servers of \(fileName) are \(known)") }
        var chosen: [ConfiguredServer] = []
        for raw in names {
            let name = String(raw.trimmingWhitespace)
            guard !name.isEmpty else { throw ConfigurationError("--context: an empty name; the servers of \(fileName) are \(known)") }
            guard let entry = server(named: name) else {
                throw ConfigurationError(
                    "--context: no server is named \"\(ClientError.excerpt(name, limit: 40))\" in \(fileName); its servers are \(known)")
            }
            if chosen.contains(entry) { throw ConfigurationError("--context: \(entry.name) is named twice") }
            chosen.append(entry)
        }
        return chosen
    }

    /// `entries` as contexts, each with its own token file and TLS files, the flags winning over the latter.
    private func fleet(
        _ entries: [ConfiguredServer], tokenFile: String?, tls: TLSOptions, fileName: String
    ) throws(ConfigurationError) -> [ServerContext] {
        // One token sent to several servers would let each of them act as the holder on the others.
        if tokenFile != nil {
            throw ConfigurationError("--token-file goes with --server only: each [[servers]] table of \(fileName) has its own token_file")
        }
        var contexts: [ServerContext] = []
        for entry in entries {
            let token: String
            do { token = try TokenFile.token(at: entry.tokenFile) } catch {
                throw ConfigurationError("server \(entry.name): \(error.message)")
            }
            // The same token under two paths (a copy, a link) is still one token for two servers.
            if let other = contexts.first(where: { $0.endpoint.token == token }) {
                throw ConfigurationError("servers \(other.name) and \(entry.name) of \(fileName) have the same token: each server needs its own")
            }
            let merged = tls.filled(caFile: entry.caFile, clientCert: entry.clientCert, clientKey: entry.clientKey)
            contexts.append(ServerContext(name: entry.name, endpoint: ServerEndpoint(baseURL: entry.url, token: token, tls: merged)))
        }
        return contexts
    }

    /// How messages name the config file.
    private static func fileName(_ environment: [String: String]) -> String {
        defaultFile(environment: environment) ?? "the config file"
    }
}

extension TLSOptions {
    /// These options, with each file they do not set taken from the arguments.
    fileprivate func filled(caFile: String?, clientCert: String?, clientKey: String?) -> TLSOptions {
        TLSOptions(
            caFile: self.caFile ?? caFile, clientCert: self.clientCert ?? clientCert, clientKey: self.clientKey ?? clientKey, insecure: insecure)
    }
}
