import Foundation
import XCTest

/// `tollgate serve` honours the database URL's `sslmode` against the test cluster, which speaks
/// TLS (a certificate for 127.0.0.1 and localhost from a throwaway CA) as well as plain TCP:
/// `verify-full` connects over TLS (by address or by name) and refuses a certificate from
/// another CA, and `disable` stays plain.
///
/// No test here shows `verify-full` refusing a name the certificate lacks: NIOSSL accepts a
/// certificate whose IP address entry is the peer's address whatever name was asked for, and
/// the cluster's certificate has 127.0.0.1, where every name for this server leads.
final class PostgresTLSTests: XCTestCase {
    func testVerifyFullWithTheClusterCAServesOverTLS() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        let sandbox = try Self.sandbox(
            self, database, url: try Self.url(database, ["sslmode": "verify-full", "sslrootcert": try cluster.certificateAuthorityPath()]))
        let server = try sandbox.startServer()
        try Self.assertServes(sandbox, server)
        XCTAssertEqual(try Self.serverConnectionsUseTLS(database), [true], "every connection of the server is TLS")
    }

    func testVerifyFullWithAnotherCAIsOneLineNamingTheDatabaseAndExit1() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        let other = try TestCertificateAuthority(self, name: "Another test CA")
        let sandbox = try Self.sandbox(self, database, url: try Self.url(database, ["sslmode": "verify-full", "sslrootcert": other.certificatePath]))
        let run = try TollgateBinary.run(ReplicaStartupTests.serve(sandbox), in: sandbox.directory)
        let line = try ReplicaStartupTests.assertOneLineFailure(run, naming: database.url, without: try ReplicaStartupTests.password(database))
        XCTAssertTrue(line.lowercased().contains("certificate"), "says the certificate is the problem: \(line)")
    }

    func testVerifyFullByTheNameLocalhostServesOverTLS() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        let sandbox = try Self.sandbox(
            self, database, url: try Self.url(database, host: "localhost", ["sslmode": "verify-full", "sslrootcert": try cluster.certificateAuthorityPath()]))
        try Self.assertServes(sandbox, try sandbox.startServer())
        XCTAssertEqual(try Self.serverConnectionsUseTLS(database), [true], "every connection of the server is TLS")
    }

    func testDisableStaysPlainTCP() throws {
        let cluster = try PostgresCluster.running()
        let database = try cluster.makeDatabase(self)
        let sandbox = try Self.sandbox(self, database, url: try Self.url(database, ["sslmode": "disable"]))
        let server = try sandbox.startServer()
        try Self.assertServes(sandbox, server)
        XCTAssertEqual(try Self.serverConnectionsUseTLS(database), [false], "no connection of the server is TLS")
    }

    // MARK: - Helpers

    /// A sandbox whose servers reach `database` through `url` (the cluster's password file)
    /// instead of its plain URL.
    private static func sandbox(_ test: XCTestCase, _ database: PostgresDatabase, url: String) throws -> Sandbox {
        let sandbox = try Sandbox(test, database: database)
        let config = Sandbox.quietConfig + "\n\n[database]\nurl = \"\(url)\"\npassword_file = \"\(database.passwordFile)\"\n"
        try config.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        return sandbox
    }

    /// `database`'s URL on `host` with the query `parameters`, each value percent-encoded.
    private static func url(_ database: PostgresDatabase, host: String = "127.0.0.1", _ parameters: [String: String]) throws -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
        let query = try parameters.sorted { $0.key < $1.key }.map { key, value in
            guard let encoded = value.addingPercentEncoding(withAllowedCharacters: unreserved) else {
                throw HTTPClientError("cannot percent-encode \(value.debugDescription)")
            }
            return "\(key)=\(encoded)"
        }
        return "postgres://\(database.cluster.user)@\(host):\(database.cluster.port)/\(database.name)?" + query.joined(separator: "&")
    }

    /// A submission through `server` and reading it back: the server reaches its database.
    private static func assertServes(_ sandbox: Sandbox, _ server: ServerProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        let submitted = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(submitted.id).id, submitted.id, file: file, line: line)
    }

    /// Whether the sessions in `database` other than the asking psql's are TLS, each distinct
    /// answer once: `[true]` when all are and there is at least one.
    private static func serverConnectionsUseTLS(_ database: PostgresDatabase) throws -> [Bool] {
        let rows = try database.psql(
            """
            SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            """)
        return rows.split(separator: "\n").map { $0 == "t" }
    }
}
