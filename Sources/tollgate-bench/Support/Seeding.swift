import Foundation

/// Fills a server with pending actions through its public API, as agents would.
enum Seeding {
    /// Submits `count` corpus actions (from `offset`) on four connections; returns how many got a 201.
    @discardableResult
    static func submit(_ server: ServerProcess, count: Int, offset: Int = 0) -> Int {
        let bodies = FeedLatency.requestBodies(count, offset: offset)
        let port = server.port
        let agents = server.principals.agents
        let senders = 4
        let accepted = onThreads(senders) { sender -> Int in
            guard let connection = try? HTTPConnection(port: port) else { return 0 }
            var ok = 0
            for k in stride(from: sender, to: count, by: senders) {
                if let response = try? connection.request("POST", "/v1/actions", token: agents[sender], body: bodies[k]), response.status == 201 {
                    ok += 1
                }
            }
            return ok
        }
        return accepted.reduce(0, +)
    }

    /// A 0600 file holding `token`, as `--token-file` requires.
    static func tokenFile(_ token: String, in directory: String) throws -> String {
        let path = directory + "/token"
        try (token + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// The environment of a console run: a terminal that speaks UTF-8 and 256 colours, and a
    /// home of its own, so no user configuration or theme changes what is measured.
    static func consoleEnvironment(home: String) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: home + "/.config", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/.state", withIntermediateDirectories: true)
        var env = BenchEnvironment.base
        env["TERM"] = "xterm-256color"
        env["HOME"] = home
        env["XDG_CONFIG_HOME"] = home + "/.config"
        env["XDG_STATE_HOME"] = home + "/.state"
        return env
    }
}
