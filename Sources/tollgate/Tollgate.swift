import ArgumentParser
import Foundation

/// The `tollgate` binary: the approver console by default, and every other role as a subcommand.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An approval gate for automated work: agents ask, humans decide, every decision is recorded.",
        discussion: "Run with no command for the approver console. See tollgate(1) for keys, files and exit codes.",
        version: "0.1.0",
        subcommands: [ConsoleCommand.self, ServeCommand.self, TokenCommand.self, RequestCommand.self, WatchCommand.self, ApproveCommand.self, DenyCommand.self, HistoryCommand.self, AuditCommand.self, ThemesCommand.self, PolicyCommand.self, DemoCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Parses and runs the command; the one place a command's end becomes the exit status.
    ///
    /// A `CommandFailure` is said on stderr with its own code; command-line mistakes exit 2 as
    /// the man page says (argument-parser's own code for them is 64); an `ExitCode` is the status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            Diagnostics.warn(failure.message)
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Exit.error.rawValue)
            }
            exit(withError: error)
        }
    }
}
