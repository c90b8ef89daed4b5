import ArgumentParser
import Foundation

/// The `tollgate` binary: the approver console by default, and every other role as a subcommand.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An approval gate for automated work: agents ask, humans decide, every decision is recorded.",
        discussion: "Run with no command for the approver console. See tollgate(1) for keys, files and exit codes.",
        version: "0.1.0 (commit \(BuildCommit.id))",
        subcommands: [
            ConsoleCommand.self, ServeCommand.self, TokenCommand.self, RequestCommand.self, WatchCommand.self, ApproveCommand.self, DenyCommand.self,
            HistoryCommand.self, AuditCommand.self, ThemesCommand.self, PolicyCommand.self, HookCommand.self, McpCommand.self, DemoCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Parses and runs the command; the one place a command's end becomes the exit status.
    ///
    /// A `CommandFailure` is said on stderr with its own code; command-line mistakes exit 2 as
    /// the man page says (argument-parser's own code for them is 64); an `ExitCode` is the status.
    static func main() async {
        let status: Int32
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = 0
        } catch let failure as CommandFailure {
            Diagnostics.warn(failure.message)
            status = failure.code.rawValue
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((message + "\n").utf8))
                status = Exit.error.rawValue
            } else {
                // What argument-parser's `exit(withError:)` says: help and version on stdout.
                if !message.isEmpty {
                    if code.isSuccess { print(message) } else { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                }
                status = code.rawValue
            }
        }
        end(status)
    }

    /// Ends the process without running `atexit` handlers.
    ///
    /// A feed thread winding down or a long-poll cut short by a signal can still be inside
    /// libcurl and OpenSSL when a command is done; `exit` would run OpenSSL's clean-up under
    /// them and corrupt the heap (seen: `watch --once` over TLS aborting in
    /// `malloc_consolidate`). Everything a command keeps is already committed (SQLite) or
    /// written; only C stdio's buffers need flushing.
    private static func end(_ status: Int32) -> Never {
        fflush(nil)  // every C stream
        _exit(status)
    }
}
