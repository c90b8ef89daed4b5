import Foundation
import Glibc
import TollgateCore
import XCTest

/// A decision's reason is masked before it reaches the approver's history cache, and a settled
/// decision keeps no reason at all: the secret's bytes are nowhere in the file or its WAL,
/// through the CLI and the console, before and after sending, and in caches older versions left.
final class DecisionReasonCacheTests: XCTestCase {
    private static let secret = "Hunter2Zebra9Quokka"
    private static let reason = "password=\(secret) was pasted into the command"

    /// Fails when the secret is in the cache file or its companions, byte for byte.
    private func assertNoSecret(in history: String, _ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let needle = Data(Self.secret.utf8)
        var checked = 0
        for path in [history, history + "-wal", history + "-shm"] where FileManager.default.fileExists(atPath: path) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            checked += bytes.count
            XCTAssertNil(bytes.range(of: needle), "\(moment): the raw reason is in \(path)", file: file, line: line)
        }
        XCTAssertGreaterThan(checked, 0, "\(moment): there is a cache to look in", file: file, line: line)
    }

    private func outbox(_ history: String) throws -> [String] {
        try Shell.sqlite(history, "SELECT state || '|' || reason FROM outbox ORDER BY rowid;")
    }

    func testDenyFromTheCommandLineKeepsNoRawReason() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "deny me from the CLI"))
        let history = sandbox.historyPath("bob")
        let deny = try TollgateBinary.run(
            ["deny", action.id, "--reason", Self.reason, "--db", history]
                + sandbox.connection(server, as: "bob"), in: sandbox.directory)
        XCTAssertEqual(deny.status, 0, deny.stderr)
        try assertNoSecret(in: history, "after sending")
        XCTAssertEqual(try outbox(history), ["sent|"], "a sent decision keeps no reason")
        let recorded = try sandbox.client(server, as: "alice").action(action.id).decisions.first?.reason ?? ""
        XCTAssertFalse(recorded.contains(Self.secret), "the server got the masked reason: \(recorded)")
        XCTAssertTrue(recorded.contains("was pasted into the command"), "and the rest of it: \(recorded)")
    }

    func testAnUndeliveredDenyFromTheCommandLineWaitsMasked() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "deny me, unanswered"))
        let json = try sandbox.client(server, as: "bob").get("/v1/actions/\(action.id)").text
        // The action can be read, but the decision gets no answer: it stays in the outbox.
        let unanswering = try FakeFeedServer(self) { peer, _ in
            let (status, body) = peer.head.hasPrefix("GET ") ? ("200 OK", json) : ("503 Service Unavailable", "")
            peer.write("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        }
        let history = sandbox.historyPath("bob")
        let deny = try TollgateBinary.run(
            [
                "deny", action.id, "--reason", Self.reason, "--db", history, "--server",
                "http://127.0.0.1:\(unanswering.port)", "--token-file", try sandbox.tokenFile("bob"),
            ], in: sandbox.directory)
        XCTAssertEqual(deny.status, 2, deny.stderr)
        XCTAssertTrue(deny.stderr.contains("stays in the outbox"), deny.stderr)
        let pending = try outbox(history)
        XCTAssertEqual(pending.count, 1)
        XCTAssertTrue(pending.first?.hasPrefix("pending|") ?? false, "\(pending)")
        try assertNoSecret(in: history, "before sending")
    }

    func testDenyFromTheConsoleKeepsNoRawReasonBeforeOrAfterSending() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let history = sandbox.historyPath("alice")
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", history]
        let tmux = try TmuxSession(
            self, command: ([binary] + args).map(TmuxSession.quote).joined(separator: " "),
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "deny me from the console"))
        try tmux.waitFor("deny me from the console")
        try tmux.waitFor("d deny")
        try tmux.send("d")
        try tmux.waitFor("reason")
        try tmux.send(Self.reason, literal: true)
        // Stopped, the server cannot answer: the decision waits in the outbox, as after a cut.
        server.suspend()
        try tmux.send("Enter")
        try eventually("the decision is in the outbox, unsent") { try outbox(history).first?.hasPrefix("pending|") ?? false }
        let pending = try outbox(history)
        XCTAssertEqual(pending.count, 1)
        XCTAssertTrue(pending.first?.hasSuffix("was pasted into the command") ?? false, "kept masked until sent: \(pending)")
        try assertNoSecret(in: history, "before sending")
        server.resume()
        try eventually(timeout: 60, "the decision was sent") { try outbox(history) == ["sent|"] }
        try assertNoSecret(in: history, "after sending")
    }

    func testACacheFromAnOlderVersionLosesTheReasonsOfSettledDecisions() throws {
        let sandbox = try Sandbox(self)
        let history = sandbox.historyPath("old")
        let created = try TollgateBinary.run(["history", "--db", history], in: sandbox.directory)
        XCTAssertEqual(created.status, 0, created.stderr)
        // What an older version left: reasons as typed, sent or not, and no scrub migration yet.
        try Shell.run(
            [
                "sqlite3", history,
                """
                INSERT INTO server(url) VALUES ('http://127.0.0.1:1');
                INSERT INTO outbox(key, server_id, action_id, verdict, reason, digest, created_at, attempts, state)
                VALUES ('k-sent', 1, 'act_a', 'deny', '\(Self.reason)', 'sha256:x', 1, 1, 'sent'),
                       ('k-refused', 1, 'act_b', 'deny', '\(Self.reason)', 'sha256:x', 2, 1, 'rejected'),
                       ('k-pending', 1, 'act_c', 'deny', 'pending reason stays', 'sha256:x', 3, 0, 'pending');
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%';
                """,
            ], "writing an old-style outbox")
        let reopened = try TollgateBinary.run(["history", "--db", history], in: sandbox.directory)
        XCTAssertEqual(reopened.status, 0, reopened.stderr)
        try assertNoSecret(in: history, "after opening with this version")
        // A pending entry keeps its bytes: its retry must match what may already have arrived.
        XCTAssertEqual(try outbox(history), ["sent|", "rejected|", "pending|pending reason stays"])
    }
}
