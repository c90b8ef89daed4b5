import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore
import TollgateStore

/// How a command reaches a server: flags, else environment, else config.toml; or `--context`,
/// a server config.toml names.
struct ConnectionOptions: ParsableArguments {
    @OptionGroup var flags: EndpointOptions

    @Option(
        help: ArgumentHelp(
            "A server named by a [[servers]] table of config.toml, with its own token (the console: names separated by commas).",
            valueName: "name"))
    var context: String?

    /// The endpoint, or a `CommandFailure` saying why there is none.
    func endpoint(requireToken: Bool = true) throws -> ServerEndpoint {
        try flags.endpoint(context: context, requireToken: requireToken)
    }

    /// The servers the console may follow, and the names of those it follows from the start
    /// (nil: all of them), or a `CommandFailure` saying why there are none.
    ///
    /// Without `--context`: every `[[servers]]` table (or the one server `--server` and the rest
    /// choose), all followed. With it: the tables named are followed, and every table of
    /// config.toml is there for `:ctx` to turn to — chosen by name, so neither `--server` nor
    /// `TOLLGATE_SERVER` can stand in for one, and each keeps its own token. When some table's
    /// files cannot be read, `:ctx` has the named ones only.
    func fleet() throws -> (servers: [ServerContext], followed: Set<String>?) {
        let environment = ProcessInfo.processInfo.environment
        let chosen: [ServerContext]
        do {
            chosen = try ClientConfiguration.resolveFleet(
                contexts: context.map(ServerContext.names(in:)), server: flags.server, tokenFile: flags.tokenFile,
                environment: environment, tls: flags.tls)
        } catch {
            throw CommandFailure(error.description)
        }
        guard context != nil else {
            flags.warn(about: chosen)
            return (chosen, nil)
        }
        let tables = (try? ClientConfiguration.current(environment: environment).servers.map(\.name)) ?? []
        let all =
            (try? ClientConfiguration.resolveFleet(contexts: tables, server: nil, tokenFile: nil, environment: environment, tls: flags.tls))
            ?? chosen
        flags.warn(about: all)
        return (all, Set(chosen.map(\.name)))
    }
}

/// The connection flags but `--context`: `request` takes them alone, since its `--context`
/// also takes the action's key=value pairs.
struct EndpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Server URL (else TOLLGATE_SERVER, else config.toml).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("File holding the token; must be 0600 (else TOLLGATE_TOKEN_FILE or TOLLGATE_TOKEN).", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("CA bundle to verify the server with.", valueName: "path"))
    var caFile: String?

    @Option(help: ArgumentHelp("Client certificate for mutual TLS.", valueName: "path"))
    var clientCert: String?

    @Option(help: ArgumentHelp("Client key for mutual TLS.", valueName: "path"))
    var clientKey: String?

    @Flag(help: "Do not verify the server's TLS certificate (said on stderr every time).")
    var insecure = false

    /// The endpoint of the server `context` names, else the one the flags, environment and
    /// config.toml choose; or a `CommandFailure` saying why there is none.
    func endpoint(context: String?, requireToken: Bool = true) throws -> ServerEndpoint {
        let chosen: ServerContext
        do {
            chosen = try ClientConfiguration.resolve(
                context: context, server: server, tokenFile: tokenFile, environment: ProcessInfo.processInfo.environment, tls: tls,
                requireToken: requireToken)
        } catch {
            throw CommandFailure(error.description)
        }
        warn(about: [chosen])
        return chosen.endpoint
    }

    var tls: TLSOptions { TLSOptions(caFile: caFile, clientCert: clientCert, clientKey: clientKey, insecure: insecure) }

    /// Says on stderr what is unsafe about reaching `chosen`.
    func warn(about chosen: [ServerContext]) {
        if insecure { Diagnostics.warn(TLSOptions.insecureWarning) }
        for context in chosen { if let warning = PlainHTTP.warning(context.endpoint.baseURL) { Diagnostics.warn(warning) } }
    }
}

/// Where the local history cache lives.
struct HistoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The history cache (default $XDG_STATE_HOME/tollgate/history.sqlite).", valueName: "path"))
    var db: String?

    var path: String { db ?? HistoryStore.defaultPath(environment: ProcessInfo.processInfo.environment) }

    /// Opens the cache, or a `CommandFailure` saying why it cannot be opened.
    func open() throws -> HistoryStore {
        do { return try HistoryStore(path: path) } catch {
            throw CommandFailure("history cache \(path): \(error)")
        }
    }
}

/// How a live feed notices a dead connection: shared by `watch` and the console.
struct FeedTimingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds of silence before the feed connection is taken for dead and reopened.", valueName: "seconds"))
    var heartbeatTimeout: Double = 45

    func validate() throws {
        // The server sends a keepalive every 15 s; less than a second would reconnect on every pause.
        guard heartbeatTimeout.isFinite, heartbeatTimeout >= 1, heartbeatTimeout <= 3_600 else {
            throw ValidationError("--heartbeat-timeout must be between 1 and 3600 seconds")
        }
    }

    var feedOptions: FeedOptions { FeedOptions(heartbeatTimeout: heartbeatTimeout) }
}

/// Tokens sent over plain HTTP to another host can be read on the way: say so.
enum PlainHTTP {
    static func warning(_ url: String) -> String? {
        guard url.lowercased().hasPrefix("http://"), let host = URLComponents(string: url)?.host?.lowercased() else { return nil }
        return LoopbackHost.contains(host) ? nil : "warning: \(host) is reached over plain http; the token crosses the network unencrypted (use https)"
    }
}
