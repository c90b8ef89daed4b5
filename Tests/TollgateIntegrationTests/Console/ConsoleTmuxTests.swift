import Foundation
import TollgateCore
import XCTest

/// The real console in tmux against the real server: what an approver sees and does.
final class ConsoleTmuxTests: XCTestCase {
    /// Opens the console as `principal` in tmux, with a private config and history.
    private func console(_ sandbox: Sandbox, _ server: ServerProcess, as principal: String = "alice", extra: String = "") throws -> TmuxSession {
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: principal) + ["--db", sandbox.historyPath(principal)]
        return try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " ")) \(extra)",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
    }

    func testANewActionAppearsLive() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let tmux = try console(sandbox, server)
        try tmux.waitFor("live")
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(kind: "iam.grant", summary: "Grant the reporting role write access"))
        let screen = try tmux.waitFor("Grant the reporting role write access")
        XCTAssertTrue(screen.contains("iam.grant"))
        XCTAssertTrue(screen.contains("HIGH"), "risk shown as a word, not colour alone")
    }

    func testApprovingWithAThenYReleasesTheWaitingAgent() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let tmux = try console(sandbox, server)
        try tmux.waitFor("live")
        let agent = try Spawned(
            ["request"] + sandbox.connection(server, as: "agent-1")
                + ["--kind", "k8s.deploy", "--summary", "Roll out payments 2.14", "--environment", "production", "--wait"],
            in: sandbox.directory)
        try tmux.waitFor("Roll out payments 2.14")
        // The key works once the console knows who you are (whoami): its hint says so.
        try tmux.waitFor("a approve")
        try tmux.send("a")
        let confirm = try tmux.waitFor("[y/N]")
        XCTAssertTrue(confirm.contains("production"), "the confirmation names the environment:\n\(confirm)")
        try tmux.send("y")
        XCTAssertEqual(try agent.wait(timeout: 30), 0, agent.stderr)
    }

    func testAnythingButYCancelsTheApproval() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let tmux = try console(sandbox, server)
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "Keep me pending"))
        try tmux.waitFor("Keep me pending")
        // The key works once the console knows who you are (whoami): its hint says so.
        try tmux.waitFor("a approve")
        try tmux.send("a")
        try tmux.waitFor("[y/N]")
        try tmux.send("n")
        usleep(500_000)
        XCTAssertEqual(try sandbox.client(server, as: "bob").action(action.id).status, .pending, "default No: nothing was sent")
    }

    func testDenyingWithAReasonStopsTheWaitingAgent() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let tmux = try console(sandbox, server)
        try tmux.waitFor("live")
        let agent = try Spawned(
            ["request"] + sandbox.connection(server, as: "agent-1")
                + ["--kind", "data.export", "--summary", "Export all customer emails", "--wait"], in: sandbox.directory)
        try tmux.waitFor("Export all customer emails")
        // The key works once the console knows who you are (whoami): its hint says so.
        try tmux.waitFor("d deny")
        try tmux.send("d")
        try tmux.waitFor("reason")
        try tmux.send("not without a DPA", literal: true)
        try tmux.send("Enter")
        XCTAssertEqual(try agent.wait(timeout: 30), 3, agent.stderr)
        XCTAssertTrue(agent.stderr.contains("not without a DPA"), agent.stderr)
    }

    /// The queue keeps rows; the detail reads the full record from the cache, and from the
    /// server when the cache does not have it.
    func testAFullRecordMissingFromTheCacheIsFetchedFromTheServer() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let tmux = try console(sandbox, server)
        try tmux.waitFor("live")
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "Only the server remembers this one"))
        try tmux.waitFor("Only the server remembers this one")
        let history = sandbox.historyPath("alice")
        let row = "SELECT count(*) FROM action WHERE action_id = '\(action.id)';"
        try eventually("the action reached the cache") { try Shell.sqlite(history, row) == ["1"] }
        // Removed as the store itself would: out of the full-text index first, then the row and its body.
        let forget = """
            PRAGMA foreign_keys = ON;
            INSERT INTO action_fts(action_fts, rowid, summary, command, resource, justification, context, reasons)
              SELECT 'delete', b.id, b.summary, b.command, b.resource, b.justification, b.context, b.reasons
              FROM action_body b JOIN action a ON a.id = b.id WHERE a.action_id = '\(action.id)';
            DELETE FROM action WHERE action_id = '\(action.id)';
            """
        try Shell.run(["sqlite3", "-cmd", ".timeout 5000", history, forget], "sqlite3 removing the action from the cache")
        XCTAssertEqual(try Shell.sqlite(history, row), ["0"])
        try tmux.send("Enter")
        // The justification is only in the full record, never in the list.
        try tmux.waitFor("quarterly report")
        try eventually("the fetched record is cached again") { try Shell.sqlite(history, row) == ["1"] }
    }

    func testHistoryIsBrowsableOfflineWithTheServerStopped() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let first = try agent.submit(Fixtures.request(summary: "Rotate the billing database password"))
        _ = try agent.submit(Fixtures.request(summary: "Resize the search cluster"))
        let live = try console(sandbox, server)
        try live.waitFor("Resize the search cluster")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(first, .approve).status, 200)
        try live.waitFor("1 pending")
        try live.send("q")
        try server.stop()

        let binary = try TollgateBinary.url().path
        let offline = try TmuxSession(
            self, command: "\(binary) --offline --db \(TmuxSession.quote(sandbox.historyPath("alice")))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        let screen = try offline.waitFor("Rotate the billing database password")
        XCTAssertTrue(screen.contains("Resize the search cluster"))
        try offline.send("/")
        try offline.send("billing", literal: true)
        try offline.send("Enter")
        try eventually("the search narrows the list") {
            let s = try offline.screen()
            return s.contains("Rotate the billing") && !s.contains("Resize the search cluster")
        }
    }
}
