import Foundation
import TollgateCore
import XCTest

/// The real console in tmux following two real servers named in config.toml, started with no
/// `--server`: one list for both, each decision to the server its action came from, one server
/// down while the other keeps working, `--context`, `:ctx` and `:filter server=`.
final class FleetConsoleTmuxTests: XCTestCase {
    // MARK: - Starting and reading the console

    /// The header: the screen's first line.
    private static func header(_ screen: String) -> Substring { screen.split(separator: "\n").first ?? "" }

    /// Whether the header says each of `states` (`prod live`), the fleet's way of naming servers.
    private static func header(_ screen: String, says states: String...) -> Bool {
        let line = header(screen)
        return states.allSatisfy { line.contains($0) }
    }

    /// A queue line's cells from RISK on (the gutter, with the selection marker, left out):
    /// `["HIGH", "prod", "data.export", ...]`.
    private static func cells(_ line: Substring) -> [Substring] { line.dropFirst(2).split(separator: " ") }

    /// Whether `line` is the queue row of `summary` from `server`.
    private static func isRow(_ line: Substring, _ summary: String, of server: String) -> Bool {
        line.contains(summary) && cells(line).dropFirst().first == Substring(server)
    }

    /// The queue's lines showing `summary`, each as its cells.
    private static func rows(_ summary: String, in screen: String) -> [[Substring]] {
        screen.split(separator: "\n").dropFirst(2).filter { $0.contains(summary) }.map(cells)
    }

    /// The queue line showing `summary` for `server`, as its cells; nil when there is none.
    private static func row(_ summary: String, of server: String, in screen: String) -> [Substring]? {
        screen.split(separator: "\n").dropFirst(2).first { isRow($0, summary, of: server) }.map(cells)
    }

    /// Moves the selection with j or k onto the row of `summary` from `server`, then waits
    /// until the marker is there.
    private func select(_ tmux: TmuxSession, _ summary: String, of server: String) throws {
        let lines = try tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
        guard let target = lines.firstIndex(where: { Self.isRow($0, summary, of: server) }), let cursor = lines.firstIndex(where: { $0.hasPrefix("▶") })
        else {
            throw HTTPClientError("no row of \(summary.debugDescription) from \(server), or no selection, on:\n\(lines.joined(separator: "\n"))")
        }
        for _ in 0..<abs(target - cursor) { try tmux.send(target > cursor ? "j" : "k") }
        try tmux.waitForScreen("the selection is on \(summary.debugDescription) of \(server)") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix("▶") && Self.isRow($0, summary, of: server) }
        }
    }

    /// Approves the selected action: `a`, once whoami has made the key work, then `y`.
    private func approveSelected(_ tmux: TmuxSession) throws {
        try tmux.waitFor("a approve")
        try tmux.send("a")
        try tmux.waitFor("[y/N]")
        try tmux.send("y")
    }

    /// Types `:command` and Enter.
    private func command(_ tmux: TmuxSession, _ text: String) throws {
        try tmux.send(":")
        try tmux.send(text, literal: true)
        try tmux.send("Enter")
    }

    /// The actions a server holds pending.
    private func pending(_ client: APIClient) throws -> [Action] {
        struct Page: Decodable { var actions: [Action] }
        return try client.get("/v1/actions?status=pending").decode(Page.self).actions
    }

    // MARK: - One list

    func testActionsOfBothServersShareOneListEachNamedByItsServer() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        _ = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(kind: "k8s.deploy", summary: "Roll out payments on prod"))
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("the header names both servers live") { Self.header($0, says: "prod live", "staging live") }
        // Live: this one comes by staging's feed, the other by prod's snapshot.
        _ = try fleet.stagingSandbox.client(fleet.staging, as: "agent-2").submit(
            Fixtures.request(kind: "infra.apply", summary: "Resize search on staging", risk: .critical))
        let screen = try tmux.waitForScreen("both actions are listed") {
            $0.contains("Roll out payments on prod") && $0.contains("Resize search on staging")
        }
        XCTAssertTrue(screen.split(separator: "\n").dropFirst().first?.contains("RISK SERVER     KIND") == true, "a SERVER column:\n\(screen)")
        XCTAssertEqual(Self.rows("Roll out payments on prod", in: screen).map { $0.prefix(3) }, [["HIGH", "prod", "k8s.deploy"]], screen)
        XCTAssertEqual(
            Self.rows("Resize search on staging", in: screen).map { $0.prefix(3) }, [["CRIT", "staging", "infra.apply"]], screen)
        XCTAssertTrue(Self.header(screen).contains("2 pending"), "the counts are both servers': \(Self.header(screen))")
    }

    // MARK: - Decisions go where the action came from

    /// Both servers hold an action under one id: approving staging's must approve it there and
    /// leave prod's twin, and every other action of prod, as they were.
    func testApprovingAnActionOfTheSecondServerReachesThatServerOnly() throws {
        let fleet = try ServerFleet(self, principal: "alice", twin: true)
        let twin = try XCTUnwrap(fleet.twin)
        let prodAgent = try fleet.prodSandbox.client(fleet.prod, as: "agent-1")
        _ = try prodAgent.submit(Fixtures.request(summary: "Purge the old audit exports"))
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("the twin from both servers and prod's other action") { screen in
            Self.row(twin.summary, of: "prod", in: screen) != nil && Self.row(twin.summary, of: "staging", in: screen) != nil
                && screen.contains("Purge the old audit exports")
        }
        try select(tmux, twin.summary, of: "staging")
        try approveSelected(tmux)
        let screen = try tmux.waitForScreen("staging's row says it is approved") {
            Self.row(twin.summary, of: "staging", in: $0)?.contains("approved") == true
        }
        XCTAssertEqual(Self.row(twin.summary, of: "prod", in: screen)?.contains("approved"), false, "prod's row is still pending:\n\(screen)")

        let stagingView = try fleet.stagingSandbox.client(fleet.staging, as: "bob")
        try eventually("staging's copy is approved") { try stagingView.action(twin.id).status == .approved }
        XCTAssertEqual(try stagingView.action(twin.id).decisions.map(\.approver), ["alice"])
        let untouched = try pending(fleet.prodSandbox.client(fleet.prod, as: "bob"))
        XCTAssertEqual(Set(untouched.map(\.id)).count, 2, "prod still has both its actions pending: \(untouched.map(\.summary))")
        XCTAssertTrue(untouched.contains { $0.id == twin.id }, "prod's twin is still pending")
        XCTAssertEqual(untouched.flatMap(\.decisions).count, 0, "prod heard no decision")
    }

    // MARK: - One server down

    func testAKilledServerLeavesItsRowsStaleAndTheOtherKeepsWorking() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        _ = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "Rotate billing password"))
        let stagingAgent = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1")
        _ = try stagingAgent.submit(Fixtures.request(summary: "Resize the search cluster"))
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("both servers live with their actions") {
            Self.header($0, says: "prod live", "staging live") && $0.contains("Rotate billing password") && $0.contains("Resize the search")
        }

        fleet.prod.kill()
        let down = try tmux.waitForScreen("the header says prod is down, staging live") { screen in
            let line = Self.header(screen)
            return line.contains(#/prod (reconnecting in \d+s|offline)/#) && line.contains("staging live")
        }
        let prodRow = try tmux.waitForScreen("prod's row is marked stale") {
            Self.row("Rotate billing password", of: "prod", in: $0)?.contains("[stale]") == true
        }
        XCTAssertEqual(Self.row("Resize the search cluster", of: "staging", in: prodRow)?.contains("[stale]"), false, "staging's row is current:\n\(prodRow)")
        XCTAssertFalse(Self.header(down).contains("staging reconnecting"), String(Self.header(down)))

        // Staging goes on as if nothing happened: a new action arrives, and approving it works.
        let fresh = try stagingAgent.submit(Fixtures.request(kind: "tls.renew", summary: "Renew the API certificate"))
        let screen = try tmux.waitForScreen("staging's new action arrives") { Self.row(fresh.summary, of: "staging", in: $0) != nil }
        XCTAssertEqual(Self.row(fresh.summary, of: "staging", in: screen)?.contains("[stale]"), false, screen)
        XCTAssertTrue(screen.contains("Rotate billing password"), "prod's row stays visible:\n\(screen)")
        try select(tmux, fresh.summary, of: "staging")
        try approveSelected(tmux)
        let stagingView = try fleet.stagingSandbox.client(fleet.staging, as: "bob")
        try eventually("the new action is approved on staging") { try stagingView.action(fresh.id).status == .approved }
        XCTAssertEqual(try stagingView.action(fresh.id).decisions.map(\.approver), ["alice"])
    }

    // MARK: - Choosing servers

    func testContextFollowsOneServerCtxAllTheOtherAndFilterServerNarrows() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        _ = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "Roll out payments on prod"))
        _ = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "Resize search on staging"))
        let tmux = try fleet.console(self, ["--context", "staging"])
        let alone = try tmux.waitForScreen("staging's action, live") {
            Self.header($0).contains("live") && $0.contains("Resize search on staging")
        }
        // One server followed: its header, with its URL, and no SERVER column; prod is not asked.
        XCTAssertTrue(Self.header(alone).contains("@ \(fleet.stagingURL)"), String(Self.header(alone)))
        XCTAssertFalse(Self.header(alone).contains("prod"), String(Self.header(alone)))
        XCTAssertFalse(alone.contains("SERVER"), alone)
        XCTAssertFalse(alone.contains("Roll out payments on prod"), alone)

        try command(tmux, "ctx all")
        let both = try tmux.waitForScreen("prod's action joins once :ctx all follows it") {
            Self.header($0, says: "prod live", "staging live") && Self.row("Roll out payments on prod", of: "prod", in: $0) != nil
        }
        XCTAssertNotNil(Self.row("Resize search on staging", of: "staging", in: both), both)

        for (server, shown, hidden) in [
            ("prod", "Roll out payments on prod", "Resize search on staging"),
            ("staging", "Resize search on staging", "Roll out payments on prod"),
        ] {
            try command(tmux, "filter server=\(server)")
            try tmux.waitForScreen(":filter server=\(server) shows only \(server)'s rows") {
                Self.row(shown, of: server, in: $0) != nil && !$0.contains(hidden)
            }
        }
    }

    /// `--context` names tables, and a server in the environment changes nothing of them: the
    /// named one is followed with its own token, and `:ctx all` turns to the other table's
    /// server with its own token, never to `TOLLGATE_SERVER` with `TOLLGATE_TOKEN`.
    func testContextIgnoresAServerAndTokenInTheEnvironment() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        _ = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "Roll out payments on prod"))
        _ = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "Resize search on staging"))
        let words = [try TollgateBinary.url().path, "--db", fleet.historyPath, "--context", "prod"]
        var environment = fleet.homeVariables
        environment["TOLLGATE_SERVER"] = fleet.stagingURL
        environment["TOLLGATE_TOKEN"] = String(repeating: "7f", count: 24)
        let tmux = try TmuxSession(self, command: words.map(TmuxSession.quote).joined(separator: " "), environment: environment)
        let alone = try tmux.waitForScreen("prod's action, live, with prod's own token") {
            Self.header($0).contains("live") && $0.contains("Roll out payments on prod")
        }
        XCTAssertTrue(Self.header(alone).contains("@ \(fleet.prodURL)"), String(Self.header(alone)))
        try command(tmux, "ctx all")
        let both = try tmux.waitForScreen("staging joins, live with its table's token") {
            Self.header($0, says: "prod live", "staging live") && Self.row("Resize search on staging", of: "staging", in: $0) != nil
        }
        XCTAssertFalse(both.contains("UNAUTHORISED"), both)
    }

    // MARK: - History

    /// After the console approved staging's copy of an action both servers hold, `history
    /// --server` finds it approved under staging, and prod's copy pending under prod.
    func testHistoryServerListsTheConsolesDecisionWithItsServer() throws {
        let fleet = try ServerFleet(self, principal: "alice", twin: true)
        let twin = try XCTUnwrap(fleet.twin)
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("the twin from both servers") {
            Self.row(twin.summary, of: "prod", in: $0) != nil && Self.row(twin.summary, of: "staging", in: $0) != nil
        }
        try select(tmux, twin.summary, of: "staging")
        try approveSelected(tmux)

        let history = ["history", "--db", fleet.historyPath, "--format", "jsonl", "--server"]
        var rows: [HistoryRow] = []
        try eventually("the cache has staging's copy approved", { "history: \(rows)" }) {
            rows = try jsonl(fleet.run(history + ["staging"]))
            return rows.map(\.status) == [.approved]
        }
        XCTAssertEqual(rows, [HistoryRow(server: fleet.stagingURL, id: twin.id, status: .approved)])
        XCTAssertEqual(try jsonl(fleet.run(history + ["prod"])), [HistoryRow(server: fleet.prodURL, id: twin.id, status: .pending)])

        let table = try fleet.run(["history", "--db", fleet.historyPath, "--server", "staging"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let line = table.stdout.split(separator: "\n").last { $0.contains(twin.id) }
        XCTAssertEqual(line?.split(separator: " ").dropFirst(2).prefix(2), ["staging", "approved"], table.stdout)
    }

    /// A jsonl row of `history`, as far as these tests read it.
    private struct HistoryRow: Equatable {
        var server: String
        var id: String
        var status: ActionStatus
    }

    /// The rows `history --format jsonl` printed; its failure, if it failed.
    private func jsonl(_ run: (status: Int32, stdout: String, stderr: String)) throws -> [HistoryRow] {
        guard run.status == 0 else { throw HTTPClientError("history failed (\(run.status)): \(run.stderr)") }
        struct Server: Decodable { var server: String }
        return try run.stdout.split(separator: "\n").map { line in
            let data = Data(line.utf8)
            let action = try JSONDecoder().decode(Action.self, from: data)
            return HistoryRow(server: try JSONDecoder().decode(Server.self, from: data).server, id: action.id, status: action.status)
        }
    }

    // MARK: - A server that hangs

    /// Staging frozen (SIGSTOP: its sockets accept, nothing answers) while a decision to it is
    /// in flight: prod's decisions still go through at once, `q` quits without waiting out the
    /// 30 s request timeout, and the decision is recorded once when staging wakes.
    func testAHungServerHoldsUpNeitherTheOtherServerNorQuitting() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        // Short summaries: a row's outcome ("sending approve...") comes before them.
        let stuck = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "Resize"))
        let fine = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "Rollout"))
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("both servers live with their actions") {
            Self.header($0, says: "prod live", "staging live") && $0.contains(stuck.summary) && $0.contains(fine.summary)
        }
        fleet.staging.suspend()
        addTeardownBlock { fleet.staging.resume() }
        try select(tmux, stuck.summary, of: "staging")
        try approveSelected(tmux)
        try tmux.waitForScreen("staging's approval is on its way") { Self.row(stuck.summary, of: "staging", in: $0)?.contains("sending") == true }

        try select(tmux, fine.summary, of: "prod")
        try approveSelected(tmux)
        let prodView = try fleet.prodSandbox.client(fleet.prod, as: "bob")
        try eventually("prod's action is approved while staging hangs") { try prodView.action(fine.id).status == .approved }

        try tmux.send("q")
        // Well inside the 30 s the staging request would take to time out.
        try eventually(timeout: 15, "the console quits with a request to staging hanging") { try !tmux.screen().contains("Tollgate") }

        // Woken, staging finds the request in its socket, and the next start sends the outbox's
        // copy under the same idempotency key: approved once either way.
        fleet.staging.resume()
        let stagingView = try fleet.stagingSandbox.client(fleet.staging, as: "bob")
        let again = try fleet.console(self)
        try again.waitForScreen("the next start is live on both") { Self.header($0, says: "prod live", "staging live") }
        try eventually("staging's action is approved") { try stagingView.action(stuck.id).status == .approved }
        XCTAssertEqual(try stagingView.action(stuck.id).decisions.map(\.approver), ["alice"])
    }

    /// `:ctx` away from a frozen server with a decision in flight answers at once (the request
    /// is cut short, the cache saved in the background), and following it again sends the
    /// decision from the outbox, once.
    func testCtxAwayFromAHungServerAnswersAtOnceAndFollowingItAgainSendsTheDecision() throws {
        let fleet = try ServerFleet(self, principal: "alice")
        let stuck = try fleet.prodSandbox.client(fleet.prod, as: "agent-1").submit(Fixtures.request(summary: "Rotate"))
        _ = try fleet.stagingSandbox.client(fleet.staging, as: "agent-1").submit(Fixtures.request(summary: "Resize"))
        let tmux = try fleet.console(self)
        try tmux.waitForScreen("both servers live with their actions") {
            Self.header($0, says: "prod live", "staging live") && $0.contains("Rotate") && $0.contains("Resize")
        }
        fleet.prod.suspend()
        addTeardownBlock { fleet.prod.resume() }
        try select(tmux, stuck.summary, of: "prod")
        try approveSelected(tmux)
        try tmux.waitForScreen("prod's approval is on its way") { Self.row(stuck.summary, of: "prod", in: $0)?.contains("sending") == true }

        try command(tmux, "ctx staging")
        // Well inside the 30 s the request to prod would take to time out.
        try tmux.waitFor("Following staging", timeout: 10)
        let alone = try tmux.waitForScreen("only staging's row") { !$0.contains("Rotate") && $0.contains("Resize") }
        XCTAssertFalse(alone.contains("SERVER"), alone)

        fleet.prod.resume()
        try command(tmux, "ctx all")
        let prodView = try fleet.prodSandbox.client(fleet.prod, as: "bob")
        try eventually("prod's approval goes out once prod is followed again") { try prodView.action(stuck.id).status == .approved }
        XCTAssertEqual(try prodView.action(stuck.id).decisions.map(\.approver), ["alice"])
    }
}
