import Foundation
import Glibc
import XCTest

/// `tollgate serve` on PostgreSQL at start: replicas starting together migrate the schema once,
/// and a database that cannot be used (unreachable, newer than the binary, a wrong password)
/// stops the server with one line that names it without a password, exit status 1.
final class ReplicaStartupTests: XCTestCase {
    func testReplicasStartedTogetherOnAFreshDatabaseAllComeUpAndMigrateOnce() throws {
        let cluster = try PostgresCluster.running()
        for round in 0..<3 {
            let sandbox = try Sandbox(self, database: try cluster.makeDatabase(self))
            // Three at once: started back to back, they reach the database within milliseconds.
            let replicas = try (0..<3).map { _ in try Spawned(Self.serve(sandbox), in: sandbox.directory) }
            defer { for replica in replicas { replica.kill(SIGKILL) } }
            var ports: [Int] = []
            for (n, replica) in replicas.enumerated() {
                var port: Int?
                try eventually(timeout: 60, "round \(round): replica \(n) listens") {
                    guard replica.process.isRunning else { throw HTTPClientError("replica \(n) exited: \(replica.stderr)") }
                    port = Self.listeningPort(replica.stdout)
                    return port != nil
                }
                guard let port else { throw HTTPClientError("round \(round): replica \(n) has no port") }
                ports.append(port)
            }
            let versions = try sandbox.ledgerTables.rows("SELECT version, count(*) FROM tollgate_schema GROUP BY version ORDER BY version")
            XCTAssertFalse(versions.isEmpty, "round \(round)")
            XCTAssertEqual(versions, versions.indices.map { "\($0 + 1)|1" }, "round \(round): each version once, none missing")
            let applied = replicas.filter { $0.stderr.contains("applied \(versions.count) migration(s)") }
            XCTAssertEqual(applied.count, 1, "round \(round): one replica migrated, the others found nothing to do: \(replicas.map(\.stderr))")
            // They share the ledger.
            let submitted = try APIClient(port: ports[0], token: try sandbox.token("agent-1")).submit(Fixtures.request())
            for port in ports.dropFirst() {
                XCTAssertEqual(try APIClient(port: port, token: try sandbox.token("alice")).action(submitted.id).id, submitted.id)
            }
        }
    }

    func testAnUnreachableDatabaseIsOneLineNamingItAndExit1() throws {
        let sandbox = try Sandbox(self)
        let password = "unreachable-\(UUID().uuidString)"
        let passwordFile = sandbox.directory.appendingPathComponent("password").path
        try TestFiles.create(passwordFile, Data("\(password)\n".utf8), ownerOnly: true)
        let closed = try ClosedPort()
        let url = "postgres://tollgate@127.0.0.1:\(closed.port)/ledger"
        try "[database]\nurl = \"\(url)\"\npassword_file = \"\(passwordFile)\"\n".write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        let run = try TollgateBinary.run(Self.serve(sandbox), in: sandbox.directory)
        try Self.assertOneLineFailure(run, naming: url, without: password)
        // A password in the URL itself is kept out of the line too.
        let inline = "postgres://tollgate:\(password)@127.0.0.1:\(closed.port)/ledger"
        let flagged = try TollgateBinary.run(Self.serve(sandbox) + ["--database", inline], in: sandbox.directory)
        try Self.assertOneLineFailure(flagged, naming: url, without: password)
    }

    func testADatabaseWithANewerSchemaIsRefusedInOneLine() throws {
        let database = try PostgresCluster.running().makeDatabase(self)
        let sandbox = try Sandbox(self, database: database)
        XCTAssertEqual(try sandbox.startServer().stop(), 0)
        try database.psql("INSERT INTO tollgate_schema (version) VALUES (999)")
        let run = try TollgateBinary.run(Self.serve(sandbox), in: sandbox.directory)
        let line = try Self.assertOneLineFailure(run, naming: database.url, without: try Self.password(database))
        XCTAssertTrue(line.contains("schema is version 999"), line)
        XCTAssertEqual(try database.psql("SELECT max(version) FROM tollgate_schema"), "999", "nothing was changed")
    }

    func testAWrongPasswordIsOneLineWithoutThePassword() throws {
        let database = try PostgresCluster.running().makeDatabase(self)
        let sandbox = try Sandbox(self)
        let wrong = "wrong-\(UUID().uuidString)"
        let wrongFile = sandbox.directory.appendingPathComponent("wrong").path
        try TestFiles.create(wrongFile, Data("\(wrong)\n".utf8), ownerOnly: true)
        try "[database]\nurl = \"\(database.url)\"\npassword_file = \"\(wrongFile)\"\n".write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        let run = try TollgateBinary.run(Self.serve(sandbox), in: sandbox.directory)
        let line = try Self.assertOneLineFailure(run, naming: database.url, without: wrong)
        XCTAssertFalse(line.contains(try Self.password(database)), line)
        XCTAssertTrue(line.contains("28P01"), "PostgreSQL's reason (invalid_password): \(line)")
    }

    // MARK: - Helpers

    /// `tollgate serve` on `sandbox`'s tokens and configuration, on PostgreSQL when it names a database.
    static func serve(_ sandbox: Sandbox) -> [String] {
        ["serve", "--listen", "127.0.0.1:0", "--tokens", sandbox.tokensPath, "--config", sandbox.configPath]
    }

    /// The port of the listening line in `stdout`, once it is there.
    private static func listeningPort(_ stdout: String) -> Int? {
        let prefix = "tollgate serve: listening on http://127.0.0.1:"
        return stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
    }

    /// The cluster's password, which no message may carry.
    static func password(_ database: PostgresDatabase) throws -> String {
        try String(contentsOfFile: database.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Checks that `run` exited 1 without listening and said one line naming `url` but not
    /// `secret`; returns the line.
    @discardableResult
    static func assertOneLineFailure(
        _ run: TollgateBinary.Run, naming url: String, without secret: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        XCTAssertEqual(run.status, 1, run.stderr, file: file, line: line)
        XCTAssertFalse(run.stdout.contains("listening"), "it never listened", file: file, line: line)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 1, "one line: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.hasSuffix("\n"), file: file, line: line)
        XCTAssertTrue(run.stderr.contains(url), "names the database: \(run.stderr)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains(secret), "no password: \(run.stderr)", file: file, line: line)
        return run.stderr
    }
}
