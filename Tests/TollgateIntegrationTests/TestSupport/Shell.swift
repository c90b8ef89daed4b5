import Foundation

/// Runs helper programs the tests need (`sqlite3`, `mount`), with a timeout.
enum Shell {
    /// Runs `arguments` (found on PATH) and returns its standard output and error together;
    /// throws with `what` and the output when it fails or hangs for 30 s.
    @discardableResult
    static func run(_ arguments: [String], _ what: String) throws -> String {
        let run = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), arguments,
            in: FileManager.default.temporaryDirectory, timeout: 30)
        let text = run.stdout + run.stderr
        guard run.status == 0 else { throw HTTPClientError("\(what) failed (\(run.status)): \(text)") }
        return text
    }

    /// One SQL statement through the `sqlite3` shell on a file another process may be writing
    /// (read-only, waiting out a writer's lock); the rows as `|`-separated lines.
    static func sqlite(_ path: String, _ sql: String) throws -> [String] {
        try run(["sqlite3", "-readonly", "-cmd", ".timeout 5000", path, sql], "sqlite3 \(sql)")
            .split(separator: "\n").map(String.init)
    }
}
