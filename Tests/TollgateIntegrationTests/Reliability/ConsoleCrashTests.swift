import Foundation
import Glibc
import TollgateCore
import XCTest

/// The console killed (SIGKILL) after an approval was confirmed and before the server answered:
/// the decision survives in the outbox of the history cache, the next start sends it, and the
/// idempotency key makes the server record it exactly once however often it arrives.
final class ConsoleCrashTests: XCTestCase {
    static let rounds = 50

    /// One console run in tmux whose process id is known, so it can be killed like a crash.
    private struct Console {
        let tmux: TmuxSession
        let pidPath: String

        func pid() throws -> pid_t {
            var pid: pid_t?
            try eventually(timeout: 20, "the console wrote its pid") {
                pid = (try? String(contentsOfFile: pidPath, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                return pid != nil
            }
            return pid ?? 0
        }

        /// SIGKILL, then wait until the process is gone (it is not our child, so poll).
        func crash() throws {
            let pid = try pid()
            kill(pid, SIGKILL)
            try eventually(timeout: 20, "the killed console exited") { kill(pid, 0) != 0 && errno == ESRCH }
            tmux.close()
        }
    }

    private func startConsole(_ sandbox: Sandbox, _ server: ServerProcess, history: String, round: Int) throws -> Console {
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", history]
        let pidPath = sandbox.directory.appendingPathComponent("console-\(round).pid").path
        // `exec` keeps the shell's pid, so the pid written is the console's.
        let script = "echo $$ > \(TmuxSession.quote(pidPath)); exec \(([binary] + args).map(TmuxSession.quote).joined(separator: " "))"
        let tmux = try TmuxSession(
            self, command: "sh -c \(TmuxSession.quote(script))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
        return Console(tmux: tmux, pidPath: pidPath)
    }

    /// The outbox as the cache on disk holds it: one `action_id|state` line per decision.
    private func outbox(_ history: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: history) else { return [] }
        return try Shell.sqlite(history, "SELECT action_id || '|' || state FROM outbox ORDER BY rowid;")
    }

    func testDecisionsConfirmedBeforeACrashAreRecordedExactlyOnceAfterRestarts() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let history = sandbox.historyPath("alice-crashes")
        var ids: [String] = []

        for round in 0..<Self.rounds {
            let tag = String(format: "crash target %02d", round)
            let action = try agent.submit(Fixtures.request(summary: "Rotate keys, \(tag)"))
            ids.append(action.id)
            let console = try startConsole(sandbox, server, history: history, round: round)
            // Only this round's action matches the filter, so `a` is about it and no other.
            try console.tmux.waitFor(tag, every: 0.02)
            try console.tmux.send("/")
            try console.tmux.waitFor("Filter:", every: 0.02)
            try console.tmux.send(tag, literal: true)
            try console.tmux.send("Enter")
            // The hint appears once the console knows who it is and may decide the selected row.
            try console.tmux.waitFor("a approve", every: 0.02)

            server.suspend()
            try console.tmux.send("a")
            try console.tmux.waitFor("[y/N]", every: 0.02)
            try console.tmux.send("y")
            // The decision is on disk in the outbox; the server has not answered (it is stopped).
            try eventually(timeout: 20, "round \(round): the decision reached the outbox") {
                try outbox(history).contains("\(action.id)|pending")
            }
            // Half the rounds kill the console before the server can answer; the other half let
            // the server take the request first, so the answer races the kill.
            if round % 2 == 0 {
                try console.crash()
                server.resume()
            } else {
                server.resume()
                try console.crash()
            }
        }

        // One more start delivers what the last crash left behind.
        let last = try startConsole(sandbox, server, history: history, round: Self.rounds)
        try eventually(timeout: 60, "every outbox entry was answered") {
            try !outbox(history).contains { $0.hasSuffix("|pending") }
        }
        try last.crash()

        let entries = try outbox(history)
        XCTAssertEqual(entries.count, Self.rounds, "one outbox entry per confirmed approval:\n\(entries.joined(separator: "\n"))")
        XCTAssertEqual(
            Set(entries), Set(ids.map { "\($0)|sent" }),
            "every decision accepted once, none refused as already decided or resolved:\n\(entries.joined(separator: "\n"))")
        let approver = try sandbox.client(server, as: "bob")
        for id in ids {
            let action = try approver.action(id)
            XCTAssertEqual(action.status, .approved, "\(id) was approved")
            XCTAssertEqual(action.decisions.map(\.approver), ["alice"], "\(id) has exactly one decision")
        }
    }
}
