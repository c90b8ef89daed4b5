import ArgumentParser
import Foundation
import TollgateConsole
import TollgateCore

/// `tollgate themes`: lists the console themes it can find, and validates each.
struct ThemesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "List the console themes found, where, and whether each is valid.",
        discussion:
            "Searched in order: $XDG_CONFIG_HOME/tollgate/themes, $TOLLGATE_THEMES_DIR, <prefix>/share/tollgate/themes, the source tree's themes/. "
            + "Exit 1 when any theme is invalid, with file:line: key: what is wrong."
    )

    @Argument(help: ArgumentHelp("Theme files to validate instead of the search.", valueName: "file"))
    var files: [String] = []

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let sources =
            files.isEmpty
            ? ThemeCatalog.search(environment: env, executablePath: ThemeCatalog.runningExecutable(environment: env))
            : files.map { ThemeSource(name: (($0 as NSString).lastPathComponent as NSString).deletingPathExtension, path: $0, origin: "argument") }
        if sources.isEmpty { throw CommandFailure("no theme files found; the built-in default theme is used", code: Exit.checkFailed) }
        var bad = 0
        for source in sources {
            switch ThemeCatalog.validate(source) {
            case .success:
                print("\(source.name.padding(toLength: 16, withPad: " ", startingAt: 0)) ok       \(source.path) (\(source.origin))")
            case .failure(let error):
                bad += 1
                print("\(source.name.padding(toLength: 16, withPad: " ", startingAt: 0)) INVALID  \(source.path) (\(source.origin))")
                Diagnostics.warn(Printable.line(error.description))
            }
        }
        if bad > 0 { throw Exit.checkFailed }
    }
}
