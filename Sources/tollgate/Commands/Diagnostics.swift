import ArgumentParser
import Foundation

/// One-line errors on standard error, and the exit that follows them.
enum Diagnostics {
    /// Prints `tollgate: message` on stderr.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("tollgate: \(message)\n".utf8))
    }

    /// Prints the message and exits with `code` (usage, auth and connection errors by default).
    static func fail(_ message: String, code: ExitCode = Exit.error) -> Never {
        warn(message)
        Foundation.exit(code.rawValue)
    }
}
