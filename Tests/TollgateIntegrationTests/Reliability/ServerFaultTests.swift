import Foundation
import TollgateCore
import XCTest

/// The real server dying or vanishing under load: what was acknowledged survives, and the
/// clients that were connected carry on without losing or repeating anything.
final class ServerFaultTests: XCTestCase {
    /// Ten agents, the three standard approvers and the auditor.
    static let principals = TestPrincipal.standard + (3...10).map { TestPrincipal(id: "agent-\($0)", roles: [.agent]) }

    // MARK: - kill -9 under concurrent submissions and decisions

    func testKillNineWhileTenAgentsSubmitAndThreeApproversDecideLosesAndRepeatsNothing() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig, principals: Self.principals)
        let first = try sandbox.startServer()
        let port = first.port
        let watch = try Spawned(["watch", "--heartbeat-timeout", "5"] + sandbox.connection(first, as: "audrey"), in: sandbox.directory)
        try eventually("watch is live") { watch.stderr.contains("live at seq") }
        let consoleArguments = try sandbox.connection(first, as: "audrey") + ["--db", sandbox.historyPath("audrey"), "--heartbeat-timeout", "5"]
        let console = try TmuxSession(
            self, command: ([try TollgateBinary.url().path] + consoleArguments).map(TmuxSession.quote).joined(separator: " "),
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        try console.waitFor("live")

        let crew = ClientCrew(self)
        for n in 1...10 { crew.addAgent("agent-\(n)", token: try sandbox.token("agent-\(n)"), servers: [port]) }
        for approver in ["alice", "bob", "carol"] { crew.addApprover(approver, token: try sandbox.token(approver), servers: [port]) }
        let ledger = crew.writes
        try eventually(timeout: 60, "100 submissions and 30 decisions acknowledged") {
            ledger.submissions.count >= 100 && ledger.decisions.count >= 30
        }
        first.kill()
        usleep(300_000)
        XCTAssertTrue(crew.stop(timeout: 60), "every client noticed the crash")

        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        let auditor = try sandbox.client(second, as: "audrey")
        let submissions = ledger.submissions
        let decisions = ledger.decisions
        try ledger.assertAllStored(on: auditor)

        // The last event after the restart: its number continues the log, and watch shows it.
        let after = try sandbox.client(second, as: "agent-1").submit(Fixtures.request(summary: "after the crash"))
        try eventually(timeout: 60, "watch resumed and printed the action submitted after the restart") { watch.stdout.contains(after.id) }

        // The server's event log from the start, compared with what watch printed.
        let log = try FeedStream(port: second.port, token: try sandbox.token("audrey"), lastEventID: "0")
        defer { log.close() }
        let replay = try log.readUntilSync(timeout: 60)
        XCTAssertFalse(replay.types.contains("reset"), "the whole log is within the replay window")
        let numbers = replay.sequenceNumbers.compactMap { $0 }
        XCTAssertEqual(numbers, Array(1...Int64(numbers.count)), "sequence numbers have no gap and no repeat across the crash")
        XCTAssertEqual(replay.actions.last?.action.id, after.id)
        let printed = try watch.stdout.split(separator: "\n").map { try JSONDecoder().decode(Action.self, from: Data($0.utf8)) }
        let key = { (a: Action) in "\(a.id) \(a.status.rawValue) \(a.decisions.count)" }
        XCTAssertEqual(
            printed.map(key), replay.actions.map { key($0.action) },
            "watch printed each event of the log once, in order (\(printed.count) printed, \(replay.actions.count) in the log)")
        // The console resumed too: it counts exactly the actions the log leaves pending.
        var latest: [String: Action] = [:]
        for event in replay.actions { latest[event.action.id] = event.action }
        let pending = latest.values.filter { $0.status == .pending }.count
        try console.waitFor(" \(pending) pending ", timeout: 30)
        print(
            "kill -9 under load: \(submissions.count) submissions and \(decisions.count) decisions acknowledged, \(numbers.count) events replayed, \(pending) pending in the console"
        )
    }

    // MARK: - Restarted beyond the replay window

    func testAfterARestartBeyondTheReplayWindowTheConsoleDropsWhatWasResolvedMeanwhile() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig + "\n[feed]\nreplay_window = 5\n")
        let first = try sandbox.startServer()
        let port = first.port
        let agent = try sandbox.client(first, as: "agent-1")
        let stale = try agent.submit(Fixtures.request(summary: "Resolved while the console was away"))
        _ = try agent.submit(Fixtures.request(summary: "Still pending after the reset"))
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(first, as: "alice") + ["--db", sandbox.historyPath("alice")]
        let console = try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        try console.waitFor("Resolved while the console was away")
        try console.waitFor("2 pending")
        let watch = try Spawned(["watch", "--heartbeat-timeout", "5"] + sandbox.connection(first, as: "audrey"), in: sandbox.directory)
        try eventually("watch is live") { watch.stderr.contains("live at seq") }
        try first.stop()

        // Elsewhere, on the same database: the action is resolved and more than 5 events pass.
        let elsewhere = try sandbox.startServer()
        XCTAssertEqual(try sandbox.client(elsewhere, as: "bob").decide(stale, .approve).status, 200)
        let busy = try sandbox.client(elsewhere, as: "agent-2")
        for i in 0..<6 {
            let extra = try busy.submit(Fixtures.request(summary: "extra \(i)"))
            _ = try busy.send("POST", "/v1/actions/\(extra.id)/cancel")
        }
        try elsewhere.stop()

        _ = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        try eventually(timeout: 90, "the console dropped the action resolved while it was away") {
            let screen = try console.screen()
            return !screen.contains("Resolved while the console was away") && screen.contains("Still pending after the reset") && screen.contains("1 pending")
        }
        try eventually(timeout: 90, "watch was reset") { watch.stderr.contains("reset by the server") }
    }

    // MARK: - A network cut during request --wait

    func testRequestWaitOutlastsTenSecondsWithoutTheServer() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let first = try sandbox.startServer()
        let port = first.port
        let run = try Spawned(
            ["request"] + sandbox.connection(first, as: "agent-1") + ["--kind", "db.query", "--summary", "through a cut", "--wait"],
            in: sandbox.directory)
        var id = ""
        try eventually("request printed its id") {
            id = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
            return id.hasPrefix("act_")
        }
        usleep(300_000)
        try first.stop()
        sleep(10)
        XCTAssertTrue(run.process.isRunning, "the wait survives ten seconds without a server")
        let second = try sandbox.startServer(listen: "127.0.0.1:\(port)")
        let approve = try sandbox.client(second, as: "alice").decide(try sandbox.client(second, as: "alice").action(id), .approve, reason: "back")
        XCTAssertEqual(approve.status, 200, approve.text)
        XCTAssertEqual(try run.wait(timeout: 60), 0, run.stderr)
    }
}
