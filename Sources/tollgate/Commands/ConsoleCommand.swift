import ArgumentParser
import Foundation
import TollgateClient
import TollgateConsole
import TollgateCore

/// `tollgate` (or `tollgate console`): the approver console.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The approver console (the default command): the live queue, details, diffs, history.",
        discussion: "Keys: j/k move, Enter open, a approve, d deny, H history, / filter, ? help, q quit. See tollgate(1)."
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var history: HistoryOptions
    @OptionGroup var timing: FeedTimingOptions

    @Flag(help: "Browse the local history cache with no server at all.")
    var offline = false

    @Option(help: ArgumentHelp("Theme name or file (else TOLLGATE_THEME, else config.toml, else default).", valueName: "name"))
    var theme: String?

    @Flag(help: "Enable the mouse (wheel scrolls, click selects).")
    var mouse = false

    @Flag(help: "Set the terminal title when a new high or critical action arrives.")
    var title = false

    @Flag(help: "No bell (and no title) on new high or critical actions.")
    var quiet = false

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let endpoint = offline ? nil : try connection.endpoint()
        let themeName = try theme ?? Self.configuredTheme(env)
        let danger: DangerMatcher
        do { danger = try ClientConfiguration.danger(environment: env) } catch { throw CommandFailure(error.description) }
        let options = ConsoleOptions(
            endpoint: endpoint,
            offline: offline, historyPath: history.path, themeName: themeName, mouse: mouse, title: title, quiet: quiet,
            environment: env, feed: timing.feedOptions, danger: danger)
        let status = ConsoleApp.run(options)
        if status != 0 { throw ExitCode(status) }
    }

    /// The `theme` key of config.toml, unless TOLLGATE_THEME (which wins over the file) is set.
    static func configuredTheme(_ env: [String: String]) throws -> String? {
        if let t = env["TOLLGATE_THEME"], !t.isEmpty { return nil }
        guard let path = ClientConfiguration.defaultFile(environment: env),
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        do {
            var reader = try ConfigReader.parse(text, file: path)
            return try reader.string("theme")
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
