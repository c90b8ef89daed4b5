import Foundation
import Glibc
import TollgateCore
import TollgateServer
import XCTest

/// `tollgate serve` reloads its tokens and policy while it runs (issue #13, part 4): on SIGHUP,
/// and by itself when the tokens file or the configuration file changes. A revoked token is
/// refused and its open feed closed while other feeds go on; a broken file is kept out with one
/// log line and the running configuration stays; SIGHUP no longer stops the server.
///
/// Every wait is for a condition with a deadline; the server polls its files twice a second.
final class ReloadTests: XCTestCase {
    private static let deadline = 20.0

    /// The sandbox's configuration plus one rule that approves `kind` at once.
    private static func autoApproving(_ kind: String, id: String = "auto") -> String {
        Sandbox.quietConfig + "\n\n[[policy]]\nid = \"\(id)\"\nreason = \"harmless by construction\"\nkinds = [\"\(kind)\"]\noutcome = \"approve\"\n"
    }

    // MARK: - SIGHUP

    func testSIGHUPPutsANewPolicyInForceAndDoesNotStopTheServer() throws {
        let sandbox = try Sandbox(self)
        let serve = try SignalledServe(sandbox, masked: false)
        let agent = APIClient(port: serve.port, token: try sandbox.token("agent-1"))
        XCTAssertEqual(try agent.submit(Fixtures.request(kind: "db.query")).status, .pending, "no rule yet: it waits for a person")

        try Self.autoApproving("db.query").write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        serve.signal(SIGHUP)
        try eventually(timeout: Self.deadline, "the SIGHUP reload is logged with the new rule") {
            serve.log.contains("reloaded (SIGHUP): 7 principals, 1 policy rule")
        }
        XCTAssertEqual(try agent.get("/v1/whoami").status, 200, "SIGHUP reloads; it no longer stops the server")
        let approved = try agent.submit(Fixtures.request(kind: "db.query", summary: "after the reload"))
        XCTAssertEqual(approved.status, .approved, "the new rule decides the next submission")
        XCTAssertEqual(try serve.stop(SIGTERM), 0)
    }

    func testStartedWithTheSignalsBlockedSIGHUPReloadsAndSIGINTAndSIGTERMStillStopCleanly() throws {
        let sandbox = try Sandbox(self)
        for stop in [SIGINT, SIGTERM] {
            let serve = try SignalledServe(sandbox, masked: true)
            for round in 1...2 {
                serve.signal(SIGHUP)
                try eventually(timeout: Self.deadline, "SIGHUP \(round) is a reload") {
                    serve.log.components(separatedBy: "reloaded (SIGHUP)").count == round + 1
                }
            }
            let alice = APIClient(port: serve.port, token: try sandbox.token("alice"))
            XCTAssertEqual(try alice.get("/v1/whoami").status, 200, "still serving after two SIGHUPs")
            XCTAssertEqual(try serve.stop(stop), 0, "signal \(stop) stops it cleanly; log: \(serve.log.suffix(800))")
        }
    }

    // MARK: - A changed tokens file, without a signal

    func testARevokedTokenIsRefusedAndItsFeedEndsWhileAnotherFeedMissesNothing() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let bob = try FeedStream(port: server.port, token: try sandbox.token("bob"))
        defer { bob.close() }
        let position = try XCTUnwrap(try bob.readUntilSync().sync?.seq)
        let alice = try RawFeed(port: server.port, token: try sandbox.token("alice"))
        XCTAssertEqual(alice.status, 200)

        let revoke = try TollgateBinary.run(["token", "revoke", "--file", sandbox.tokensPath, "--id", "Alice"], in: sandbox.directory)
        XCTAssertEqual(revoke.status, 0, revoke.stderr)
        let aliceREST = try sandbox.client(server, as: "alice")
        try eventually(timeout: Self.deadline, "alice's token is refused") { try aliceREST.get("/v1/whoami").status == 401 }
        try alice.waitForEnd(timeout: Self.deadline)
        XCTAssertEqual(try FeedStream(port: server.port, token: try sandbox.token("alice")).head.status, 401, "and cannot open a new feed")

        let agent = try sandbox.client(server, as: "agent-1")
        let submitted = try agent.submit(Fixtures.request(summary: "after the revocation"))
        guard case .action(let action, let seq) = try bob.nextFeedEvent(timeout: Self.deadline) else { return XCTFail("expected an action event") }
        XCTAssertEqual(action.id, submitted.id, "bob's feed stayed open through the reload")
        XCTAssertEqual(seq, position + 1, "with no gap")
        XCTAssertEqual(try sandbox.client(server, as: "bob").get("/v1/whoami").status, 200)
        XCTAssertEqual(server.stderrText.components(separatedBy: "closed 1 feed of revoked tokens").count, 2, server.stderrText)
    }

    // MARK: - Broken files

    func testABrokenTokensFileIsKeptOutWithOneLineAndMendingItReloads() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let original = try String(contentsOfFile: sandbox.tokensPath, encoding: .utf8)
        let broken = original.replacingOccurrences(of: "roles = [\"auditor\"]", with: "roles = [\"auditr\"]")
        XCTAssertNotEqual(broken, original)
        let line = 1 + broken.components(separatedBy: "\n").firstIndex { $0.contains("auditr") }!
        // Without carol, so that putting the mended file in force shows.
        let mended = try TokenFile.removing(id: "carol", from: original, file: sandbox.tokensPath).text
        try writeOwnerOnly(broken, to: sandbox.tokensPath)

        let expected = "reload: \(sandbox.tokensPath):\(line): principals[6].roles: unknown role \"auditr\""
        try eventually(timeout: Self.deadline, "the broken file is reported") { server.stderrText.contains(expected) }
        XCTAssertTrue(server.stderrText.contains("the running tokens stay in force"), server.stderrText)
        for who in ["alice", "carol", "audrey"] {
            XCTAssertEqual(try sandbox.client(server, as: who).get("/v1/whoami").status, 200, "\(who): the running tokens stay")
        }
        // A later change read from the configuration file means the (still broken) tokens file
        // was polled again in the meantime: it must not be reported again.
        try (Sandbox.quietConfig + "\n[feed]\nreplay_window = 0\n").write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        try eventually(timeout: Self.deadline, "the later change is read") { server.stderrText.contains("feed.replay_window") }
        XCTAssertEqual(server.stderrText.components(separatedBy: expected).count, 2, "one line for the broken version, however many polls saw it")
        try Sandbox.quietConfig.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)

        try writeOwnerOnly(mended, to: sandbox.tokensPath)
        try eventually(timeout: Self.deadline, "the mended file is put in force") { try sandbox.client(server, as: "carol").get("/v1/whoami").status == 401 }
        XCTAssertEqual(try sandbox.client(server, as: "alice").get("/v1/whoami").status, 200)
        XCTAssertEqual(server.stderrText.components(separatedBy: expected).count, 2, "still one line")
        XCTAssertFalse(server.stderrText.contains(String(original.split(separator: "\"").first { $0.count == 64 } ?? "-")), "no hash is logged")
    }

    func testABrokenConfigurationKeepsTheRunningPolicyAndMendingItReloads() throws {
        let sandbox = try Sandbox(self, config: Self.autoApproving("db.query"))
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        XCTAssertEqual(try agent.submit(Fixtures.request(kind: "db.query")).status, .approved)

        let broken = Self.autoApproving("db.query").replacingOccurrences(of: "\"approve\"", with: "\"aprove\"")
        try broken.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        let line = 1 + broken.components(separatedBy: "\n").firstIndex { $0.contains("aprove") }!
        try eventually(timeout: Self.deadline, "the broken configuration is reported") {
            server.stderrText.contains("reload: \(sandbox.configPath):\(line): policy[1].outcome: ")
        }
        XCTAssertTrue(server.stderrText.contains("the running policy stays in force"), server.stderrText)
        XCTAssertEqual(try agent.submit(Fixtures.request(kind: "db.query")).status, .approved, "the running rule still decides")

        try Sandbox.quietConfig.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        try eventually(timeout: Self.deadline, "the mended configuration (no rule) is put in force") {
            try agent.submit(Fixtures.request(kind: "db.query")).status == .pending
        }
    }

    private func writeOwnerOnly(_ text: String, to path: String) throws {
        try TestFiles.create(path + ".new", Data(text.utf8), ownerOnly: true)
        XCTAssertEqual(rename(path + ".new", path), 0)
    }
}

/// `tollgate serve` on a sandbox's files as a child the test can signal: with the stop signals
/// blocked in its inherited mask (`MaskedChild`, as a supervisor may start it) or not (`Spawned`).
private final class SignalledServe {
    private let masked: MaskedChild?
    private let spawned: Spawned?
    let port: Int

    init(_ sandbox: Sandbox, masked: Bool) throws {
        let arguments = ["serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath, "--config", sandbox.configPath]
        self.masked = masked ? try MaskedChild(arguments, in: sandbox.directory) : nil
        spawned = masked ? nil : try Spawned(arguments, in: sandbox.directory)
        let stdout = { [masked = self.masked, spawned] in masked?.stdout ?? spawned?.stdout ?? "" }
        let prefix = "listening on http://127.0.0.1:"
        var port = 0
        try eventually(timeout: 60, "serve says where it listens") {
            let text = stdout()
            guard let range = text.range(of: prefix), let end = text[range.upperBound...].firstIndex(of: "\n") else { return false }
            port = Int(text[range.upperBound..<end]) ?? 0
            return port > 0
        }
        self.port = port
    }

    var pid: pid_t { masked?.pid ?? spawned?.process.processIdentifier ?? 0 }
    var log: String { masked?.stderr ?? spawned?.stderr ?? "" }

    func signal(_ signo: Int32) { kill(pid, signo) }

    /// Sends `signo` and returns the exit status.
    func stop(_ signo: Int32) throws -> Int32 {
        signal(signo)
        if let masked { return try masked.wait(timeout: 30) }
        return try spawned?.wait(timeout: 30) ?? -1
    }
}

/// A feed read as raw bytes on one connection, to see the server end the response (the
/// chunked body's last chunk) even though the connection itself stays open (keep-alive).
private final class RawFeed {
    let status: Int
    private let connection: HTTPConnection
    private var received: [UInt8] = []

    init(port: Int, token: String) throws {
        connection = try HTTPConnection(port: port)
        try connection.sendRequest("GET", "/v1/feed", headers: [("Authorization", "Bearer \(token)"), ("Accept", "text/event-stream")])
        status = try connection.readHead().status
    }

    deinit { connection.close() }

    /// Waits for the last chunk (or the connection's end); throws when `timeout` passes first.
    func waitForEnd(timeout: Double) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        let last = Array("\r\n0\r\n\r\n".utf8)
        while !received.ends(with: last) {
            guard let bytes = try connection.receive(deadline: deadline) else { return }
            received += bytes
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
