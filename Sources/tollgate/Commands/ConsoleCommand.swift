import ArgumentParser
import Foundation
import TollgateClient
import TollgateConsole
import TollgateCore

extension NotifyMode: ExpressibleByArgument {}

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

    @Option(help: ArgumentHelp("How a new urgent action or an escalation alerts (else config.toml's notify, else bell).", valueName: "mode"))
    var notify: NotifyMode?

    @Flag(help: "Same as --notify off.")
    var quiet = false

    @Flag(inversion: .prefixedNo, help: "Keep the pending count in the terminal title (else config.toml's title, else off).")
    var title: Bool?

    func validate() throws {
        if quiet, let notify, notify != .off { throw ValidationError("--quiet and --notify \(notify.rawValue) contradict each other") }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let (servers, followed) = offline ? ([], nil) : try connection.fleet()
        let settings: ConsoleSettings
        let danger: DangerMatcher
        do {
            settings = try ConsoleSettings.load(environment: env)
            danger = try ClientConfiguration.danger(environment: env)
        } catch {
            throw CommandFailure(error.description)
        }
        // TOLLGATE_THEME (read by the console when no theme is passed) wins over the file's.
        let themeVariable = env["TOLLGATE_THEME"].map { !$0.isEmpty } ?? false
        let fileTheme = themeVariable ? nil : settings.theme
        let alerts = AlertSettings(
            mode: quiet ? .off : notify ?? settings.notify ?? .bell, minRisk: settings.notifyMinRisk ?? .high)
        let options = ConsoleOptions(
            servers: servers, followed: followed, offline: offline, historyPath: history.path, themeName: theme ?? fileTheme, mouse: mouse,
            title: title ?? settings.title ?? false, alerts: alerts, environment: env, feed: timing.feedOptions, danger: danger)
        let status = ConsoleApp.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
