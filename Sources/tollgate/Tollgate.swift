import ArgumentParser

/// The `tollgate` binary: the approver console by default, and every other role as a subcommand.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An approval gate for automated work: agents ask, humans decide, every decision is recorded.",
        discussion: "Run with no command for the approver console. See tollgate(1) for keys, files and exit codes.",
        version: "0.1.0",
        subcommands: [ConsoleCommand.self, ServeCommand.self, TokenCommand.self, RequestCommand.self, WatchCommand.self, ApproveCommand.self, DenyCommand.self, HistoryCommand.self, AuditCommand.self, ThemesCommand.self, DemoCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )
}
