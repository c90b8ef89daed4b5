import Foundation

/// Runs the approved command with the terminal and environment of this process, less the token.
enum CommandRunner {
    /// Variables the approved command does not inherit: the token is Tollgate's to ask with,
    /// not the gated command's (a `terraform apply` and its providers never need it).
    static let withheld: Set<String> = ["TOLLGATE_TOKEN"]

    /// The command's exit status, or 128 + the signal that ended it, as a shell reports it.
    static func run(_ argv: [String]) throws(CommandFailure) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.environment = ProcessInfo.processInfo.environment.filter { !withheld.contains($0.key) }
        do { try process.run() } catch {
            throw CommandFailure("cannot run \(argv.first ?? ""): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
