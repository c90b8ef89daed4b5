import Foundation
import XCTest

/// The throwaway PostgreSQL cluster `scripts/with-postgres.sh` runs the tests in: a fresh
/// database per test, and stopping and starting the server.
///
/// Read from what the wrapper exports. Without it every PostgreSQL test fails with the reason
/// (it never skips): `make test` always runs the suite inside a cluster.
struct PostgresCluster: Sendable {
    /// The `tollgate` role's port on 127.0.0.1 (LOGIN CREATEDB, password asked with scram-sha-256).
    let port: Int
    let user: String
    /// The password on the file's first line, as `[database] password_file` reads it.
    let passwordFile: String
    /// The same password as a libpq passfile, so psql finds it without a command line or environment.
    private let passfile: String
    private let psqlPath: String
    /// pg_ctl on this cluster as its owner, run with `stop`, `start` or `status`.
    private let controlPath: String
    /// The CA's PEM when the server speaks TLS, else why it does not.
    private let certificateAuthority: Result<String, HTTPClientError>

    /// Why there is no cluster when the tests run outside the wrapper and it left no reason.
    static let notRunning =
        "PostgreSQL test cluster not running: TOLLGATE_TEST_POSTGRES_URL is unset (run the tests through `make test`, which starts one with scripts/with-postgres.sh)"

    /// The cluster the wrapper started; throws the wrapper's reason when it could not start one.
    static func running(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresCluster {
        guard let url = environment["TOLLGATE_TEST_POSTGRES_URL"] else {
            throw HTTPClientError(environment["TOLLGATE_TEST_POSTGRES_ERROR"].flatMap { $0.isEmpty ? nil : $0 } ?? notRunning)
        }
        guard let parts = URLComponents(string: url), parts.scheme == "postgres", parts.host == "127.0.0.1",
            let port = parts.port, let user = parts.user, !user.isEmpty
        else { throw HTTPClientError("TOLLGATE_TEST_POSTGRES_URL is not postgres://USER@127.0.0.1:PORT/DB: \(url)") }
        func path(_ name: String) throws -> String {
            guard let value = environment[name], value.hasPrefix("/") else {
                throw HTTPClientError("\(name) is not an absolute path (\(environment[name] ?? "unset")); scripts/with-postgres.sh sets it")
            }
            return value
        }
        let certificateAuthority = Result { try path("TOLLGATE_TEST_POSTGRES_CA") }.mapError { error in
            HTTPClientError(environment["TOLLGATE_TEST_POSTGRES_TLS_ERROR"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(error)")
        }
        return PostgresCluster(
            port: port, user: user, passwordFile: try path("TOLLGATE_TEST_POSTGRES_PASSWORD_FILE"),
            passfile: try path("TOLLGATE_TEST_POSTGRES_PASSFILE"), psqlPath: try path("TOLLGATE_TEST_POSTGRES_PSQL"),
            controlPath: try path("TOLLGATE_TEST_POSTGRES_CTL"), certificateAuthority: certificateAuthority)
    }

    /// The PEM of the throwaway CA that signed the server's certificate (IP 127.0.0.1, DNS
    /// localhost), for `sslrootcert`; throws the wrapper's reason when the server has no TLS.
    func certificateAuthorityPath() throws -> String { try certificateAuthority.get() }

    /// The URL of `database` for `tollgate serve --database`, without the password.
    func url(_ database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// A new empty database owned by the `tollgate` role, dropped (its connections closed) at `test`'s teardown.
    func makeDatabase(_ test: XCTestCase) throws -> PostgresDatabase {
        let name = "tollgate_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql("CREATE DATABASE \(name)", in: "postgres")
        test.addTeardownBlock { try self.psql("DROP DATABASE \(name) WITH (FORCE)", in: "postgres") }
        return PostgresDatabase(cluster: self, name: name)
    }

    /// Runs `sql` in `database` through psql over TCP as the `tollgate` role; the rows unaligned
    /// (`|` between columns, one line each) without headers. Throws with psql's error output.
    @discardableResult
    func psql(_ sql: String, in database: String) throws -> String {
        let command = psqlCommand(sql, in: database)
        let run = try ChildProcess.run(command.executable, command.arguments, in: FileManager.default.temporaryDirectory, timeout: 60)
        guard run.status == 0 else { throw HTTPClientError("psql in \(database) failed (\(run.status)) on \(sql): \(run.stderr)") }
        return run.stdout.hasSuffix("\n") ? String(run.stdout.dropLast()) : run.stdout
    }

    /// The psql that runs `sql` in `database` over TCP as the `tollgate` role, for a test that
    /// keeps a session open (with `Spawned`) instead of waiting for its rows.
    func psqlCommand(_ sql: String, in database: String) -> (executable: URL, arguments: [String]) {
        let connection = [
            "host=127.0.0.1", "port=\(port)", "user=\(Self.quoted(user))", "dbname=\(Self.quoted(database))",
            "passfile=\(Self.quoted(passfile))",
        ]
        return (
            URL(fileURLWithPath: psqlPath),
            ["-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-d", connection.joined(separator: " "), "-c", sql]
        )
    }

    /// Stops the server (pg_ctl's fast mode: sessions are ended, nothing is lost) and waits until
    /// it is down. If `test` ends with it still stopped, its teardown starts it again so the
    /// tests after it find it running.
    func stop(_ test: XCTestCase) throws {
        test.addTeardownBlock { if try !self.isRunning() { try self.start() } }
        try control("stop")
    }

    /// Starts the server again and returns once it accepts connections.
    func start() throws { try control("start") }

    /// Whether the server is up (pg_ctl status).
    func isRunning() throws -> Bool {
        let run = try ChildProcess.run(URL(fileURLWithPath: controlPath), ["status"], in: FileManager.default.temporaryDirectory, timeout: 30)
        switch run.status {
        case 0: return true
        case 3: return false  // pg_ctl's "no server running"
        default: throw HTTPClientError("pg_ctl status failed (\(run.status)): \(run.stdout)\(run.stderr)")
        }
    }

    /// pg_ctl `command` with -w; the time allowed outlasts pg_ctl's own 60 s wait, so pg_ctl says why.
    private func control(_ command: String) throws {
        let run = try ChildProcess.run(URL(fileURLWithPath: controlPath), [command], in: FileManager.default.temporaryDirectory, timeout: 90)
        guard run.status == 0 else { throw HTTPClientError("pg_ctl \(command) failed (\(run.status)): \(run.stdout)\(run.stderr)") }
    }

    /// A libpq connection-string value: single-quoted, backslashes and quotes escaped.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

/// One test's database on the throwaway cluster.
struct PostgresDatabase: Sendable {
    let cluster: PostgresCluster
    let name: String

    /// `postgres://tollgate@127.0.0.1:PORT/NAME`, for `tollgate serve --database`.
    var url: String { cluster.url(name) }
    /// The password for `url` on the file's first line.
    var passwordFile: String { cluster.passwordFile }

    /// Runs `sql` in this database; the rows unaligned, without headers. Throws with psql's error output.
    @discardableResult
    func psql(_ sql: String) throws -> String { try cluster.psql(sql, in: name) }
}
