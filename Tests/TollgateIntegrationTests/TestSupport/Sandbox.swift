import Foundation
import TollgateCore
import XCTest

/// One test's private world for the real binary: a temporary directory with a tokens file, a
/// configuration file and a database, the principals' tokens, and the servers it started.
///
/// Teardown kills every server still running and deletes the directory.
final class Sandbox {
    let directory: URL
    var tokensPath: String { directory.appendingPathComponent("tokens.toml").path }
    var configPath: String { directory.appendingPathComponent("server.toml").path }
    var databasePath: String { directory.appendingPathComponent("db/server.sqlite").path }
    /// Bearer tokens by principal id.
    private(set) var tokens: [String: String] = [:]
    /// The PostgreSQL database every server of this sandbox shares (replicas), or nil for the
    /// SQLite file at `databasePath`.
    let database: PostgresDatabase?
    private var servers: [ServerProcess] = []
    private var serverCount = 0

    /// A sandbox with the standard principals and `config` as the server configuration; its
    /// servers share `database` (default: a new one when `test` runs on PostgreSQL, else SQLite).
    init(
        _ test: XCTestCase, config: String = Sandbox.quietConfig, principals: [TestPrincipal] = TestPrincipal.standard,
        database: PostgresDatabase? = nil
    ) throws {
        self.database = try database ?? (test as? LedgerBackendTestCase)?.postgresDatabase()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        test.addTeardownBlock { [self] in
            for server in servers { server.kill() }
            try? FileManager.default.removeItem(at: directory)
        }
        var text = config
        if let database = self.database {
            text += "\n\n[database]\nurl = \"\(database.url)\"\npassword_file = \"\(database.passwordFile)\"\n"
        }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        for p in principals { tokens[p.id] = try addToken(p) }
    }

    /// A configuration without the rate limit, so bursts in tests are not throttled.
    static let quietConfig = """
        [limits]
        rate_per_second = 0
        """

    /// `quietConfig`, and pending actions expire within a tenth of a second of their time.
    static let quickExpiryConfig =
        quietConfig + """

            [actions]
            expiry_check_seconds = 0.1
            """

    /// Runs `tollgate token add` for `principal` and returns the token it printed.
    func addToken(_ principal: TestPrincipal) throws -> String {
        var arguments = ["token", "add", "--file", tokensPath, "--id", principal.id]
        for role in principal.roles { arguments += ["--role", role.rawValue] }
        for group in principal.groups { arguments += ["--group", group] }
        let run = try TollgateBinary.run(arguments, in: directory)
        guard run.status == 0 else { throw HTTPClientError("token add failed (\(run.status)): \(run.stderr)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The token of `principal`; a test naming a principal it did not create fails here.
    func token(_ principal: String) throws -> String {
        guard let token = tokens[principal] else { throw HTTPClientError("no token for \(principal)") }
        return token
    }

    /// The ledger's tables, to read or rewrite behind the servers' back (SQLite or PostgreSQL).
    var ledgerTables: LedgerTables { LedgerTables(sqlitePath: databasePath, database: database) }

    /// Starts `tollgate serve` on this sandbox's files; killed at teardown if still running.
    /// `listen` defaults to a free port; a restart test passes the previous server's port. With
    /// a PostgreSQL database, each call starts another replica of it.
    func startServer(listen: String = "127.0.0.1:0") throws -> ServerProcess {
        serverCount += 1
        let ledger = database == nil ? ["--db", databasePath] : []
        let server = try ServerProcess(
            arguments: ["--listen", listen] + ledger + ["--tokens", tokensPath, "--config", configPath],
            stderrPath: directory.appendingPathComponent("server-\(serverCount).log").path)
        servers.append(server)
        return server
    }

    /// A REST client for `server` as `principal`.
    func client(_ server: ServerProcess, as principal: String) throws -> APIClient {
        APIClient(port: server.port, token: try token(principal))
    }

    /// Every log the servers of this sandbox wrote.
    var allServerLogs: String {
        servers.map(\.stderrText).joined(separator: "\n")
    }
}

/// A principal the tests create a token for.
struct TestPrincipal: Sendable {
    var id: String
    var roles: [Role]
    var groups: [String] = []

    /// Two agents, three approvers, an auditor, and one principal that is both agent and approver.
    static let standard: [TestPrincipal] = [
        TestPrincipal(id: "agent-1", roles: [.agent]),
        TestPrincipal(id: "agent-2", roles: [.agent]),
        TestPrincipal(id: "alice", roles: [.approver]),
        TestPrincipal(id: "bob", roles: [.approver]),
        TestPrincipal(id: "carol", roles: [.approver]),
        TestPrincipal(id: "audrey", roles: [.auditor]),
        TestPrincipal(id: "dual", roles: [.agent, .approver]),
    ]
}
