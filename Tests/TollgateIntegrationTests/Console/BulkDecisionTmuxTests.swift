import Foundation
import TollgateCore
import XCTest

/// The real console in tmux following two real servers: marking rows with space and V, then a
/// bulk deny through the preview, one reason and `y`, reaches exactly the marked actions, each
/// on its own server, and the history names each one's server.
final class BulkDecisionTmuxTests: XCTestCase {
    /// The console as alice on both servers of `fleet`, following config.toml's `[[servers]]`.
    private func console(_ fleet: ServerFleet) throws -> TmuxSession {
        let binary = try TollgateBinary.url().path
        // The runner's own TOLLGATE_* would choose a server over config.toml.
        let unset = "env -u TOLLGATE_SERVER -u TOLLGATE_TOKEN -u TOLLGATE_TOKEN_FILE"
        let words = [binary, "--db", historyPath(fleet)]
        return try TmuxSession(self, command: unset + " " + words.map(TmuxSession.quote).joined(separator: " "), environment: fleet.homeVariables)
    }

    private func historyPath(_ fleet: ServerFleet) -> String { fleet.prodSandbox.historyPath("alice") }

    func testMarkingThreeOfFiveAndDenyingThemDeniesExactlyThoseWithTheOneReason() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        let prodAgent = try fleet.prodSandbox.client(fleet.prod, as: "agent-1")
        let stagingAgent = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1")
        // Alternating servers, one after another: the queue lists them in this order (same risk,
        // the same time to live, so the soonest to expire first).
        var submitted: [(server: String, action: Action)] = []
        for (i, server) in ["prod", "staging", "prod", "staging", "prod"].enumerated() {
            let agent = server == "prod" ? prodAgent : stagingAgent
            submitted.append((server, try agent.submit(Fixtures.request(summary: "Bulk sweep \(i + 1) on \(server)"))))
        }
        let tmux = try console(fleet)
        let before = try tmux.waitForScreen("all five listed, both servers live, and d offered (whoami known)") { screen in
            submitted.allSatisfy { screen.contains($0.action.summary) } && screen.contains("prod live") && screen.contains("staging live")
                && screen.contains("d deny")
        }
        let order = before.split(separator: "\n").compactMap { line in submitted.first { line.contains($0.action.summary) } }
        XCTAssertEqual(order.map(\.action.id), submitted.map(\.action.id), "listed in submission order:\n\(before)")
        XCTAssertTrue(before.split(separator: "\n").contains { $0.hasPrefix("▶") && $0.contains("Bulk sweep 1 ") }, before)

        // Space on the first (moving down), then a range over the third and fourth.
        try tmux.send("Space")
        try tmux.send("j")
        try tmux.send("V")
        try tmux.send("j")
        try tmux.send("V")
        let marked = try tmux.waitForScreen("the range ended with three marked") { $0.contains("Range ended: 3 marked") }
        let chosen = [order[0], order[2], order[3]]
        let left = [order[1], order[4]]
        XCTAssertEqual(Set(chosen.map(\.server)), ["prod", "staging"], "the marks span both servers")
        for (server, action) in chosen {
            let line = marked.split(separator: "\n").first { $0.contains(action.summary) } ?? ""
            XCTAssertEqual(Array(line).dropFirst(2).first, "●", "\(server)'s \(action.summary) is marked in the gutter: \(line)")
        }
        for (_, action) in left {
            let line = marked.split(separator: "\n").first { $0.contains(action.summary) } ?? ""
            XCTAssertEqual(Array(line).dropFirst(2).first, " ", "not marked: \(line)")
        }

        try tmux.send("d")
        let preview = try tmux.waitForScreen("the preview of three, with the reason prompt") {
            $0.contains("Deny 3 marked actions") && $0.contains("Reason to deny all 3")
        }
        for (_, action) in left { XCTAssertFalse(preview.contains(action.summary), "only the marked ones are listed:\n\(preview)") }
        let reason = "Runaway agent: sweeping its requests"
        try tmux.send(reason, literal: true)
        try tmux.send("Enter")
        try tmux.waitFor("Deny 3 marked actions with reason")
        try tmux.send("y")
        let results = try tmux.waitForScreen("all three answers in the results") { $0.contains("3 accepted · 0 refused or too late · 0 waiting") }
        XCTAssertTrue(results.contains("Bulk deny: 3 sent"), results)

        // On the servers: exactly the three denied, each once, by alice, with the one reason.
        let views = [
            "prod": try fleet.prodSandbox.client(fleet.prod, as: "bob"), "staging": try fleet.stagingSandbox.client(fleet.staging, as: "bob"),
        ]
        for (server, action) in chosen {
            let now = try XCTUnwrap(views[server]).action(action.id)
            XCTAssertEqual(now.status, .denied, "\(action.summary) on \(server)")
            XCTAssertEqual(now.decisions.map(\.approver), ["alice"], action.summary)
            XCTAssertEqual(now.decisions.map(\.reason), [reason], action.summary)
        }
        for (server, action) in left {
            let now = try XCTUnwrap(views[server]).action(action.id)
            XCTAssertEqual(now.status, .pending, "\(action.summary) on \(server) was not marked")
            XCTAssertEqual(now.decisions.count, 0, action.summary)
        }

        // The history: the three denied, each with its server.
        struct Row: Decodable { var server: String }
        var rows: [(server: String, action: Action)] = []
        try eventually("the history holds the three denials") {
            let run = try fleet.run(["history", "--db", historyPath(fleet), "--format", "jsonl", "--status", "denied"])
            guard run.status == 0 else { throw HTTPClientError("history failed: \(run.stderr)") }
            rows = try run.stdout.split(separator: "\n").map { line in
                (try JSONDecoder().decode(Row.self, from: Data(line.utf8)).server, try JSONDecoder().decode(Action.self, from: Data(line.utf8)))
            }
            return rows.count == 3
        }
        let urls = ["prod": fleet.prodURL, "staging": fleet.stagingURL]
        XCTAssertEqual(
            Set(rows.map { "\($0.server) \($0.action.id)" }), Set(chosen.map { "\(urls[$0.server] ?? "?") \($0.action.id)" }),
            "each denial under its own server's URL")
        XCTAssertEqual(Set(rows.flatMap { $0.action.decisions.map(\.reason) }), [reason])
        let table = try fleet.run(["history", "--db", historyPath(fleet), "--status", "denied"])
        XCTAssertEqual(table.status, 0, table.stderr)
        for (server, action) in chosen {
            let line = table.stdout.split(separator: "\n").first { $0.contains(action.summary) } ?? ""
            XCTAssertTrue(line.split(separator: " ").contains(Substring(server)), "the table names \(server): \(line)\n\(table.stdout)")
        }
    }
}
