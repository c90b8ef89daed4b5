import Foundation

/// Runs the approved command with the terminal and environment of this process.
enum CommandRunner {
    /// The command's exit status, or 128 + the signal that ended it, as a shell reports it.
    static func run(_ argv: [String]) throws(CommandFailure) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        do { try process.run() } catch {
            throw CommandFailure("cannot run \(argv.first ?? ""): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
