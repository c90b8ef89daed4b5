import Foundation

/// One-line messages on standard error.
enum Diagnostics {
    /// Prints `tollgate: message` on stderr.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("tollgate: \(message)\n".utf8))
    }
}
