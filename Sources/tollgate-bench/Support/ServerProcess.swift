import Foundation
import TollgateCore

/// The principals a benchmark server knows, with their bearer tokens.
struct BenchPrincipals {
    /// Agents submit; several, as in production, and so submissions are never self-throttled.
    let agents: [String]
    /// Approvers decide; distinct from every agent, so no decision is a self-approval.
    let approvers: [String]
    /// The feed subscribers' token (an approver that never decides).
    let watcher: String

    /// `prefix` starts every token: servers that one client follows together need tokens of their own.
    init(agents: Int = 16, approvers: Int = 16, prefix: String = "bench") {
        self.agents = (0..<agents).map { "\(prefix)-agent-\($0)-token" }
        self.approvers = (0..<approvers).map { "\(prefix)-approver-\($0)-token" }
        watcher = "\(prefix)-watcher-token"
    }

    /// A tokens file for `tollgate serve`: only SHA-256 hashes, as the server wants.
    var tokensFile: String {
        var out = ""
        func add(_ id: String, _ role: String, _ token: String) {
            out += "[[principals]]\nid = \"\(id)\"\nroles = [\"\(role)\"]\ntoken_sha256 = \"\(SHA256Hex.hex(Array(token.utf8)))\"\n\n"
        }
        for (i, token) in agents.enumerated() { add("agent-\(i)@bench.example.com", "agent", token) }
        for (i, token) in approvers.enumerated() { add("approver-\(i)@bench.example.com", "approver", token) }
        add("watcher@bench.example.com", "approver", watcher)
        return out
    }
}

/// A server under test, started as its own process on 127.0.0.1 with a free port, and stopped
/// when the benchmark is done with it.
final class ServerProcess {
    let process: Subprocess
    let port: Int
    let principals: BenchPrincipals
    let directory: String

    var url: String { "http://127.0.0.1:\(port)" }

    private init(process: Subprocess, port: Int, principals: BenchPrincipals, directory: String) {
        self.process = process
        self.port = port
        self.principals = principals
        self.directory = directory
    }

    /// `tollgate serve` on a fresh SQLite database in `directory`, or on the PostgreSQL
    /// `database` (a replica: any number may share it); the per-principal rate limit is off
    /// (it exists to stop a runaway agent, and here the load is the point). `configuration`
    /// opens the server's configuration file, so it may set top-level keys (`metrics_listen`)
    /// as well as add tables (the policy rows put their rules there).
    static func tollgate(
        binary: String, directory: String, principals: BenchPrincipals = BenchPrincipals(), configuration: String = "",
        database: PostgresDatabase? = nil
    ) throws -> ServerProcess {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokens = directory + "/tokens.toml"
        let config = directory + "/server.toml"
        try principals.tokensFile.write(toFile: tokens, atomically: true, encoding: .utf8)
        chmod(tokens, 0o600)
        var settings = "[limits]\nrate_per_second = 0\n\n"
        var ledger = ["--db", directory + "/server.sqlite"]
        if let database {
            // The password by file, as an operator would give it: never on a command line.
            settings += "[database]\npassword_file = \(JSONValue.string(database.passwordFile).canonicalString)\n\n"
            ledger = ["--database", database.url]
        }
        try (configuration + "\n" + settings).write(toFile: config, atomically: true, encoding: .utf8)
        let process = try Subprocess(
            binary,
            ["serve", "--listen", "127.0.0.1:0"] + ledger + ["--tokens", tokens, "--config", config],
            environment: BenchEnvironment.base, streams: .files(stdout: directory + "/serve.out", stderr: directory + "/serve.log"))
        let port = try awaitListening(process, stdout: directory + "/serve.out", log: directory + "/serve.log")
        return ServerProcess(process: process, port: port, principals: principals, directory: directory)
    }

    /// The Python peer (sse-starlette on uvicorn), bench/peer_feed_server.py.
    static func pythonPeer(python: String, script: String, directory: String) throws -> ServerProcess {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = try Subprocess(
            python, [script], environment: BenchEnvironment.base,
            streams: .files(stdout: directory + "/peer.out", stderr: directory + "/peer.log"))
        let port = try awaitListening(process, stdout: directory + "/peer.out", log: directory + "/peer.log")
        return ServerProcess(process: process, port: port, principals: BenchPrincipals(), directory: directory)
    }

    /// Reads the child's stdout until it says `listening on http://127.0.0.1:PORT`.
    private static func awaitListening(_ process: Subprocess, stdout: String, log: String) throws -> Int {
        let deadline = BenchClock.now() + 60_000_000_000
        while BenchClock.now() < deadline {
            if let text = try? String(contentsOfFile: stdout, encoding: .utf8),
                let range = text.range(of: "listening on http://127.0.0.1:")
            {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard process.isRunning else {
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(400)
                throw BenchError("\(process.executable) exited before listening: \(tail)")
            }
            BenchClock.sleep(nanoseconds: 20_000_000)
        }
        process.terminate()
        throw BenchError("\(process.executable) did not say it was listening within 60 s (see \(log))")
    }

    var residentBytes: Int? { process.residentBytes }

    func stop() { process.terminate() }
}

/// The environment children run with: just enough, and the same for every run.
enum BenchEnvironment {
    static var base: [String: String] {
        let env = ProcessInfo.processInfo.environment
        var out = ["PATH": env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": env["HOME"] ?? "/root", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        out["PYTHONUNBUFFERED"] = "1"
        return out
    }
}
