import ArgumentParser
import Foundation
import TollgateClient
import TollgateCore
import TollgateStore

/// How a command reaches a server: flags, else environment, else config.toml.
struct ConnectionOptions: ParsableArguments {
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

    /// The endpoint, or a `CommandFailure` saying why there is none.
    func endpoint(requireToken: Bool = true) throws -> ServerEndpoint {
        let tls = TLSOptions(caFile: caFile, clientCert: clientCert, clientKey: clientKey, insecure: insecure)
        do {
            let endpoint = try ClientConfiguration.resolve(
                server: server, tokenFile: tokenFile, environment: ProcessInfo.processInfo.environment,
                tls: tls, requireToken: requireToken)
            if insecure { Diagnostics.warn(TLSOptions.insecureWarning) }
            if let warning = PlainHTTP.warning(endpoint.baseURL) { Diagnostics.warn(warning) }
            return endpoint
        } catch {
            throw CommandFailure(error.description)
        }
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
