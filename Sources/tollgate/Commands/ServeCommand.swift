import ArgumentParser
import Foundation
import Logging
import TollgateCore
import TollgateServer

/// `tollgate serve`: runs the reference approval server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the reference approval server.",
        discussion:
            "Settings come from --config (TOML; see docs/configuration.md), then these flags. Stops cleanly on SIGINT or SIGTERM. "
            + "SIGHUP, or a change of the tokens file or the configuration file, reloads the tokens and the [[policy]] rules without "
            + "dropping a connection: a revoked token is refused from its next request and its open feed is closed; a file that fails "
            + "to load is kept out (one log line says why) and the running one stays. Other settings take effect on a restart."
    )

    @Option(help: ArgumentHelp("Address to listen on; port 0 picks a free port.", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The server database (default $XDG_STATE_HOME/tollgate/server.sqlite).", valueName: "path"))
    var db: String?

    @Option(
        help: ArgumentHelp(
            "Keep the ledger in PostgreSQL (postgres://USER@HOST:PORT/DB?sslmode=...), shared by every replica given the same URL; "
                + "the password comes from [database] password_file, PGPASSWORD or ~/.pgpass, never from a flag.",
            valueName: "url"))
    var database: String?

    @Option(help: ArgumentHelp("The tokens file (default $XDG_CONFIG_HOME/tollgate/tokens.toml).", valueName: "file"))
    var tokens: String?

    @Option(help: ArgumentHelp("A server configuration file (TOML).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var settings = ServerConfiguration(environment: env)
        do {
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw ConfigError(file: config, line: 0, message: "cannot read the configuration file")
                }
                try settings.apply(fileText: text, file: config)
                settings.configPath = config
            }
            if let listen { try settings.setListen(listen) }
        } catch {
            throw CommandFailure("\(error)")
        }
        if let db { settings.databasePath = db }
        if let tokens { settings.tokensPath = tokens }
        if let database { settings.databaseURL = database }
        if db != nil, settings.databaseURL != nil {
            throw CommandFailure("--db names an SQLite file but a PostgreSQL database is configured too; give one or the other")
        }
        do {
            try settings.resolveDatabase(environment: env, source: database != nil ? "--database" : config ?? "--database") { path in
                try String(contentsOfFile: path, encoding: .utf8)
            }
            try settings.resolveNotifierFiles(source: config ?? "--config") { path throws(ConfigError) in
                try OwnerOnlyFile.text(at: path, what: "the webhook secret file")
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        // Not an ExpressibleByArgument: argument-parser lists six or more values over several lines.
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CommandFailure("--log-level: unknown level \(logLevel.debugDescription); expected trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tollgate.server")
        let server: ApprovalServer
        do {
            server = try ApprovalServer(configuration: settings, logger: logger)
        } catch {
            throw CommandFailure("\(error)")
        }
        do {
            try await server.run(
                onListening: { address in
                    FileHandle.standardOutput.write(Data("tollgate serve: listening on \(address)\n".utf8))
                },
                // On stderr with the log: stdout's one line is what scripts read for the API's address.
                onMetricsListening: { url in
                    FileHandle.standardError.write(Data("tollgate serve: metrics at \(url)\n".utf8))
                })
        } catch let error as ProtocolError where error.code == .unavailable {
            throw CommandFailure("serve: \(error.message)", code: Exit.databaseUnavailable)
        } catch {
            throw CommandFailure("serve: \(error)")
        }
    }
}
