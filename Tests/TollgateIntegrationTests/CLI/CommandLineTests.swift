import Foundation
import TollgateCore
import XCTest

/// The scriptable commands end to end: the real binary against a real server on 127.0.0.1.
final class CommandLineTests: XCTestCase {
    private func request(_ sandbox: Sandbox, _ server: ServerProcess, _ extra: [String]) throws -> Spawned {
        try Spawned(["request"] + sandbox.connection(server, as: "agent-1") + extra, in: sandbox.directory)
    }

    /// The id `request` prints first, once it has printed it.
    private func printedID(_ run: Spawned) throws -> String {
        var id = ""
        try eventually("request printed its id") {
            id = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
            return id.hasPrefix("act_")
        }
        return id
    }

    // MARK: - request --wait

    func testRequestWaitRunsTheCommandOnlyOnceApproved() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let marker = sandbox.directory.appendingPathComponent("ran").path
        let run = try request(
            sandbox, server,
            [
                "--kind", "infra.apply", "--summary", "apply the plan", "--wait", "--",
                "sh", "-c", "echo executed > \(marker); exit 7",
            ])
        let id = try printedID(run)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the command must not run before approval")
        let action = try sandbox.client(server, as: "alice").action(id)
        XCTAssertEqual(action.command, "sh -c 'echo executed > \(marker); exit 7'", "--command defaults to the shell-quoted CMD")
        let approve = try TollgateBinary.run(
            ["approve", id, "--db", sandbox.historyPath("alice")] + sandbox.connection(server, as: "alice"), in: sandbox.directory)
        XCTAssertEqual(approve.status, 0, approve.stderr)
        XCTAssertTrue(approve.stderr.contains(action.digest), "approve shows the digest it sends")
        XCTAssertEqual(try run.wait(), 7, "exits with the command's status")
        XCTAssertEqual(try String(contentsOfFile: marker, encoding: .utf8), "executed\n")
    }

    /// The token given in the environment asks for the approval and stays with tollgate: the
    /// approved command inherits everything else.
    func testTheApprovedCommandDoesNotInheritTheToken() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let seen = sandbox.directory.appendingPathComponent("env").path
        var environment = ProcessInfo.processInfo.environment
        environment["TOLLGATE_SERVER"] = "http://127.0.0.1:\(server.port)"
        let token = try sandbox.token("agent-1")
        environment["TOLLGATE_TOKEN"] = token
        environment["TOLLGATE_TOKEN_FILE"] = nil
        environment["GATED_MARKER"] = "inherited"
        let run = try Spawned(
            ["request", "--kind", "infra.apply", "--summary", "apply", "--wait", "--", "sh", "-c", "env > \(seen)"], in: sandbox.directory,
            environment: environment)
        let id = try printedID(run)
        let alice = try sandbox.client(server, as: "alice")
        XCTAssertEqual(try alice.decide(try alice.action(id), .approve).status, 200)
        XCTAssertEqual(try run.wait(), 0, run.stderr)
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.contains("GATED_MARKER=inherited"), "the rest of the environment is passed on")
        XCTAssertFalse(lines.contains { $0.hasPrefix("TOLLGATE_TOKEN=") }, "the token is withheld")
        XCTAssertFalse(lines.contains { $0.contains(token) }, "nowhere in the environment")
    }

    func testRequestWaitDeniedExits3WithTheReason() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let run = try request(sandbox, server, ["--kind", "data.export", "--summary", "export", "--risk", "high", "--wait", "--", "true"])
        let id = try printedID(run)
        let deny = try TollgateBinary.run(
            ["deny", id, "--reason", "not during the freeze", "--db", sandbox.historyPath("bob")]
                + sandbox.connection(server, as: "bob"), in: sandbox.directory)
        XCTAssertEqual(deny.status, 0, deny.stderr)
        XCTAssertEqual(try run.wait(), 3)
        XCTAssertTrue(run.stderr.contains("not during the freeze"), run.stderr)
    }

    func testRequestWaitExpiredExits4() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let run = try request(sandbox, server, ["--kind", "db.query", "--summary", "quick query", "--ttl", "1", "--wait"])
        XCTAssertEqual(try run.wait(timeout: 30), 4)
        XCTAssertTrue(run.stderr.contains("expired"), run.stderr)
    }

    func testCtrlCWhileWaitingCancelsOnTheServer() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let run = try request(sandbox, server, ["--kind", "db.query", "--summary", "to be cancelled", "--wait"])
        // No pause: the stop signals are routed to the cancel before the id is printed.
        let id = try printedID(run)
        run.kill(SIGINT)
        XCTAssertEqual(try run.wait(), 4)
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).status, .cancelled)
    }

    func testRequestWaitSurvivesAServerRestart() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let first = try sandbox.startServer()
        let port = first.port
        let run = try request(sandbox, first, ["--kind", "db.query", "--summary", "survive a restart", "--wait"])
        let id = try printedID(run)
        try first.stop()
        sleep(2)
        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        XCTAssertEqual(second.port, port)
        let approve = try TollgateBinary.run(
            ["approve", id, "--db", sandbox.historyPath("alice")] + sandbox.connection(second, as: "alice"), in: sandbox.directory)
        XCTAssertEqual(approve.status, 0, approve.stderr)
        XCTAssertEqual(try run.wait(), 0, run.stderr)
    }

    func testUsageAndAuthErrorsExit2() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let badRisk = try TollgateBinary.run(
            ["request", "--kind", "a.b", "--summary", "s", "--risk", "extreme"] + sandbox.connection(server, as: "agent-1"), in: sandbox.directory)
        XCTAssertNotEqual(badRisk.status, 0)
        let tokenPath = sandbox.directory.appendingPathComponent("wrong.token").path
        try TestFiles.create(tokenPath, Data("tg_not-a-real-token-at-all-000000000000".utf8), ownerOnly: true)
        let unauthorised = try TollgateBinary.run(
            ["request", "--kind", "a.b", "--summary", "s", "--server", "http://127.0.0.1:\(server.port)", "--token-file", tokenPath], in: sandbox.directory)
        XCTAssertEqual(unauthorised.status, 2)
        XCTAssertTrue(unauthorised.stderr.contains("unauthenticated"), unauthorised.stderr)
        chmod(tokenPath, 0o644)
        let readable = try TollgateBinary.run(
            ["request", "--kind", "a.b", "--summary", "s", "--server", "http://127.0.0.1:\(server.port)", "--token-file", tokenPath], in: sandbox.directory)
        XCTAssertEqual(readable.status, 2)
        XCTAssertTrue(readable.stderr.contains("chmod 600"), "a group/other-readable token file is refused with the fix: \(readable.stderr)")
    }

    // MARK: - watch

    func testWatchThroughAServerRestartLosesAndRepeatsNothing() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let first = try sandbox.startServer()
        let port = first.port
        let agent = try sandbox.client(first, as: "agent-1")
        let before = try (0..<3).map { try agent.submit(Fixtures.request(summary: "before restart \($0)")) }
        let watch = try Spawned(["watch", "--heartbeat-timeout", "5"] + sandbox.connection(first, as: "alice"), in: sandbox.directory)
        try eventually("watch printed the snapshot") { watch.stdout.split(separator: "\n").count == 3 }
        try first.stop()
        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        let agent2 = try sandbox.client(second, as: "agent-1")
        let after = try (0..<3).map { try agent2.submit(Fixtures.request(summary: "after restart \($0)")) }
        let alice = try sandbox.client(second, as: "alice")
        XCTAssertEqual(try alice.decide(before[0], .approve).status, 200)
        XCTAssertEqual(try alice.decide(after[0], .deny, reason: "no").status, 200)
        // 3 snapshot + 3 new + 2 resolutions, each exactly once.
        try eventually("watch printed every event") { watch.stdout.split(separator: "\n").count >= 8 }
        usleep(500_000)
        let lines = watch.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 8, "no event lost or repeated:\n\(watch.stdout)")
        let states = try lines.map { line -> String in
            let a = try JSONDecoder().decode(Action.self, from: Data(line.utf8))
            return "\(a.id) \(a.status.rawValue)"
        }
        XCTAssertEqual(Set(states).count, 8, "each (action, state) once")
        XCTAssertTrue(states.contains("\(before[0].id) approved"))
        XCTAssertTrue(states.contains("\(after[0].id) denied"))
        watch.kill(SIGTERM)
        try watch.wait(timeout: 10)
    }

    func testWatchOnceExitsAfterSync() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        let run = try TollgateBinary.run(["watch", "--once"] + sandbox.connection(server, as: "audrey"), in: sandbox.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 1)
    }

    // MARK: - The outbox

    func testAnUndeliveredDecisionIsSentOnceByTheNextCommand() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let first = try sandbox.startServer()
        let port = first.port
        let agent = try sandbox.client(first, as: "agent-1")
        let a = try agent.submit(Fixtures.request(summary: "decided while the server is down"))
        let b = try agent.submit(Fixtures.request(summary: "decided later"))
        let history = sandbox.historyPath("alice")
        // Read the action while the server is up, so approve has something to show.
        try first.stop()
        let connection = ["--server", "http://127.0.0.1:\(port)", "--token-file", try sandbox.tokenFile("alice"), "--db", history]
        let offline = try TollgateBinary.run(["approve", a.id] + connection, in: sandbox.directory, timeout: 60)
        XCTAssertEqual(offline.status, 2, "the action cannot even be fetched: \(offline.stderr)")
        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        let ok = try TollgateBinary.run(["approve", a.id] + connection, in: sandbox.directory)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        // Simulate a crash after the POST but before the outbox was told: the entry is pending again.
        try sqlite(history, "UPDATE outbox SET state = 'pending'")
        let next = try TollgateBinary.run(["approve", b.id] + connection, in: sandbox.directory)
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(next.stderr.contains("earlier approve of \(a.id)"), "the pending entry was resent: \(next.stderr)")
        let resolved = try sandbox.client(second, as: "carol").action(a.id)
        XCTAssertEqual(resolved.status, .approved)
        XCTAssertEqual(resolved.decisions.count, 1, "resent with the same idempotency key: recorded once")
        XCTAssertEqual(try sqlite(history, "SELECT count(*) FROM outbox WHERE state = 'pending'"), "0")
    }

    // MARK: - history

    func testHistorySearchAndExportWorkWithTheServerStopped() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let export = try agent.submit(Fixtures.request(kind: "data.export", summary: "Export invoices to the auditors"))
        let grant = try agent.submit(Fixtures.request(kind: "iam.grant", summary: "Grant read on billing"))
        let history = sandbox.historyPath("alice")
        let conn = try sandbox.connection(server, as: "alice") + ["--db", history]
        XCTAssertEqual(try TollgateBinary.run(["approve", export.id] + conn, in: sandbox.directory).status, 0)
        XCTAssertEqual(try TollgateBinary.run(["deny", grant.id, "--reason", "use a group, not a grant"] + conn, in: sandbox.directory).status, 0)
        try server.stop()

        let search = try TollgateBinary.run(["history", "--db", history, "--search", "invoices"], in: sandbox.directory)
        XCTAssertEqual(search.status, 0, search.stderr)
        XCTAssertTrue(search.stdout.contains(export.id))
        XCTAssertFalse(search.stdout.contains(grant.id))
        let byReason = try TollgateBinary.run(["history", "--db", history, "--search", "group", "--format", "jsonl"], in: sandbox.directory)
        let rows = try byReason.stdout.split(separator: "\n").map { try JSONDecoder().decode(Action.self, from: Data($0.utf8)) }
        XCTAssertEqual(rows.map(\.id), [grant.id], "reasons are searchable")
        XCTAssertEqual(rows.first?.decisions.first?.reason, "use a group, not a grant", "jsonl rows carry decisions")
        let denied = try TollgateBinary.run(["history", "--db", history, "--status", "denied", "--format", "csv"], in: sandbox.directory)
        let csv = denied.stdout.split(separator: "\r\n")
        XCTAssertEqual(csv.count, 2, denied.stdout)
        XCTAssertTrue(csv[0].hasPrefix("server,id,"))
        XCTAssertTrue(csv[1].contains(grant.id))
    }

    // MARK: - audit verify

    func testAuditVerifyCatchesATamperedRecord() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let first = try sandbox.startServer()
        let port = first.port
        let agent = try sandbox.client(first, as: "agent-1")
        let alice = try sandbox.client(first, as: "alice")
        for i in 0..<3 {
            let a = try agent.submit(Fixtures.request(summary: "audited \(i)"))
            XCTAssertEqual(try alice.decide(a, .deny, reason: "reason \(i)").status, 200)
        }
        let verify = try TollgateBinary.run(
            ["audit", "verify", "--db", sandbox.historyPath("auditor")] + sandbox.connection(first, as: "audrey"), in: sandbox.directory)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("intact: 3 records"), verify.stdout)

        try first.stop()
        try sqlite(sandbox.databasePath, "UPDATE audit SET json = replace(json, 'reason 1', 'reason X') WHERE seq = 2")
        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        let fresh = try TollgateBinary.run(
            ["audit", "verify", "--db", sandbox.historyPath("fresh")] + sandbox.connection(second, as: "audrey"), in: sandbox.directory)
        XCTAssertEqual(fresh.status, 1, fresh.stdout + fresh.stderr)
        XCTAssertTrue(fresh.stdout.contains("BROKEN at record 2"), fresh.stdout)
    }

    /// Runs one statement with the sqlite3 shell and returns what it printed.
    @discardableResult
    private func sqlite(_ path: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HTTPClientError("sqlite3 \(sql) failed") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
