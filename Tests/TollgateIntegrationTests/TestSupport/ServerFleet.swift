import Foundation
import TollgateCore
import XCTest

/// Two real servers, `prod` and `staging`, each in a sandbox of its own (its own ledger and
/// tokens), and an approver's home whose config.toml names both as `[[servers]]`, each with
/// `principal`'s token there: what tests of the commands and the console across servers start from.
final class ServerFleet {
    let prod: ServerProcess
    let staging: ServerProcess
    let prodSandbox: Sandbox
    let stagingSandbox: Sandbox
    /// HOME of the approver's shell; the config file is config/tollgate/config.toml under it.
    let home: URL
    /// The action both servers hold under one id, when asked for.
    let twin: Action?
    /// Whose token config.toml gives for each server.
    let principal: String

    var prodURL: String { "http://127.0.0.1:\(prod.port)" }
    /// Spelt with a trailing slash, as a person might write it: the cache keys actions by this spelling.
    var stagingURL: String { "http://127.0.0.1:\(staging.port)/" }

    /// Starts both servers. With `twin`, both ledgers start from one copy holding one pending
    /// action, so its id exists on both: a decision sent to the wrong server would land.
    init(_ test: XCTestCase, principal: String, twin: Bool = false) throws {
        self.principal = principal
        prodSandbox = try Sandbox(test)
        stagingSandbox = try Sandbox(test)
        var prod = try prodSandbox.startServer()
        var action: Action?
        if twin {
            action = try prodSandbox.client(prod, as: "agent-1").submit(Fixtures.request(summary: "Rotate keys"))
            XCTAssertEqual(try prod.stop(), 0)
            let from = URL(fileURLWithPath: prodSandbox.databasePath).deletingLastPathComponent()
            let to = URL(fileURLWithPath: stagingSandbox.databasePath).deletingLastPathComponent()
            try FileManager.default.copyItem(at: from, to: to)
            prod = try prodSandbox.startServer()
        }
        self.prod = prod
        staging = try stagingSandbox.startServer()
        self.twin = action
        if let action {
            XCTAssertEqual(try stagingSandbox.client(staging, as: "alice").action(action.id).status, .pending, "the id is on both servers")
        }

        home = prodSandbox.directory.appendingPathComponent("home")
        let folder = home.appendingPathComponent("config/tollgate")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = """
            [[servers]]
            name = "prod"
            url = "\(prodURL)"
            token_file = "\(try prodSandbox.tokenFile(principal))"

            [[servers]]
            name = "staging"
            url = "\(stagingURL)"
            token_file = "\(try stagingSandbox.tokenFile(principal))"
            """
        try config.write(to: folder.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
    }

    /// What points the approver's commands at this home: its config file, its state folder.
    var homeVariables: [String: String] {
        [
            "HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            "XDG_STATE_HOME": home.appendingPathComponent("state").path,
        ]
    }

    /// The environment of an approver's shell: this home, no TOLLGATE_* of the test runner's.
    var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TOLLGATE_") }.merging(homeVariables) { $1 }
    }

    /// The approver's history cache, for the console's `--db` and `history --db`.
    var historyPath: String { prodSandbox.historyPath(principal) }

    /// The console in tmux as the approver, with no `--server`: it follows config.toml's
    /// `[[servers]]`; `arguments` come after its history cache's path.
    func console(_ test: XCTestCase, _ arguments: [String] = []) throws -> TmuxSession {
        let words = [try TollgateBinary.url().path, "--db", historyPath] + arguments
        // The runner's own TOLLGATE_* would choose a server over config.toml.
        let unset = "env -u TOLLGATE_SERVER -u TOLLGATE_TOKEN -u TOLLGATE_TOKEN_FILE"
        return try TmuxSession(test, command: unset + " " + words.map(TmuxSession.quote).joined(separator: " "), environment: homeVariables)
    }

    /// Runs `tollgate arguments` in this home to its end.
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try Spawned(arguments, in: home, environment: environment)
        let status = try child.wait(timeout: 60)
        return (status, child.stdout, child.stderr)
    }
}
