/// POSIX shell quoting, so `--command` shows exactly what will run.
enum ShellQuote {
    static func join(_ argv: [String]) -> String { argv.map(quote).joined(separator: " ") }

    static func quote(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !s.isEmpty && s.allSatisfy(safe.contains) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
