import Foundation

/// Drives a server through its public API: fills it with pending actions as agents would, and
/// approves them as approvers do.
enum Seeding {
    /// An action a seeding created: what a decision on it needs.
    struct Created: Sendable {
        var id: String
        var digest: String
    }

    /// Submits `count` corpus actions (from `offset`) on four connections; returns how many got a 201.
    @discardableResult
    static func submit(_ server: ServerProcess, count: Int, offset: Int = 0) -> Int {
        created(server, count: count, offset: offset).count
    }

    /// Submits `count` corpus actions (from `offset`) on four connections; returns the id and
    /// digest of each that got a 201.
    static func created(_ server: ServerProcess, count: Int, offset: Int = 0) -> [Created] {
        let bodies = FeedLatency.requestBodies(count, offset: offset)
        let port = server.port
        let agents = server.principals.agents
        let senders = 4
        let accepted = onThreads(senders) { sender -> [Created] in
            guard let connection = try? HTTPConnection(port: port) else { return [] }
            var created: [Created] = []
            for k in stride(from: sender, to: count, by: senders) {
                guard let response = try? connection.request("POST", "/v1/actions", token: agents[sender], body: bodies[k]), response.status == 201,
                    let fields = response.body.withUnsafeBytes({ bytes in
                        JSONScan.topLevelString("id", in: bytes).flatMap { id in JSONScan.topLevelString("digest", in: bytes).map { (id, $0) } }
                    })
                else { continue }
                created.append(Created(id: fields.0, digest: fields.1))
            }
            return created
        }
        return accepted.flatMap { $0 }
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

extension HTTPConnection {
    /// Approves `action` as the holder of `token`, naming the digest it was submitted with.
    func approve(_ action: Seeding.Created, token: String) throws -> Response {
        let body = Array("{\"verdict\":\"approve\",\"reason\":\"checked the plan with the requester\",\"digest\":\"\(action.digest)\"}".utf8)
        return try request("POST", "/v1/actions/\(action.id)/decisions", token: token, body: body)
    }
}
