import Foundation
import Glibc
import TollgateCore
import XCTest

/// Every long-running command ends promptly on SIGINT, SIGTERM and SIGHUP (but `serve`, for
/// which SIGHUP is a reload: `ReloadTests`), with the exit status the man page gives, even when it was started with those signals blocked (a stop signal then
/// used to stay pending for ever, and `watch` ran until SIGKILL).
///
/// The deadline is generous for a busy machine: the failure this guards against is "never".
final class StopSignalTests: XCTestCase {
    private static let signals: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]
    private static let deadline = 10.0

    func testWatchStopsOnEveryStopSignalWhileLive() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        for (signo, name) in Self.signals {
            let watch = try MaskedChild(["watch"] + sandbox.connection(server, as: "audrey"), in: sandbox.directory)
            try eventually("\(name): watch is live") { watch.stderr.contains("live at seq") }
            kill(watch.pid, signo)
            XCTAssertEqual(try watch.wait(timeout: Self.deadline), 0, "\(name): watch exits 0; stderr: \(watch.stderr)")
        }
    }

    func testServeStopsGracefullyOnEveryStopSignal() throws {
        let sandbox = try Sandbox(self)
        for (signo, name) in Self.signals where signo != SIGHUP {
            let serve = try MaskedChild(
                ["serve", "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath, "--config", sandbox.configPath],
                in: sandbox.directory)
            try eventually("\(name): serve is listening") { serve.stdout.contains("listening on") }
            kill(serve.pid, signo)
            XCTAssertEqual(try serve.wait(timeout: Self.deadline), 0, "\(name): serve stops cleanly, exit 0; stderr: \(serve.stderr)")
        }
    }

    func testWatchStopsOnEveryStopSignalWhileReconnecting() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let connection = try sandbox.connection(server, as: "audrey")
        XCTAssertEqual(try server.stop(), 0)
        for (signo, name) in Self.signals {
            let watch = try MaskedChild(["watch"] + connection, in: sandbox.directory)
            try eventually("\(name): watch is waiting to reconnect") { watch.stderr.contains("reconnecting in") }
            kill(watch.pid, signo)
            XCTAssertEqual(try watch.wait(timeout: Self.deadline), 0, "\(name): watch exits 0; stderr: \(watch.stderr)")
        }
    }

    func testRequestWaitCancelsAndExitsOnEveryStopSignal() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let alice = try sandbox.client(server, as: "alice")
        for (signo, name) in Self.signals {
            let run = try MaskedChild(
                ["request"] + sandbox.connection(server, as: "agent-1")
                    + ["--kind", "db.query", "--summary", "stopped by \(name)", "--wait"], in: sandbox.directory)
            var id = ""
            try eventually("\(name): request printed its id") {
                id = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
                return id.hasPrefix("act_")
            }
            kill(run.pid, signo)
            XCTAssertEqual(try run.wait(timeout: Self.deadline), 4, "\(name): cancelled, exit 4; stderr: \(run.stderr)")
            XCTAssertEqual(try alice.action(id).status, .cancelled, "\(name): nobody is left to run it, so it is cancelled")
        }
    }

    func testTheConsoleEndsOnEveryStopSignalWithTheTerminalRestored() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let binary = try TollgateBinary.url().path
        for (signo, name) in Self.signals {
            _ = try agent.submit(Fixtures.request(summary: "console up for \(name)"))
            let pidPath = sandbox.directory.appendingPathComponent("console-\(name).pid").path
            let scriptPath = sandbox.directory.appendingPathComponent("console-\(name).sh").path
            let console = [binary] + (try sandbox.connection(server, as: "alice")) + ["--db", sandbox.historyPath("alice-\(name)")]
            // The console runs as the shell's child (exec keeps the pid written); the shell then
            // says how it ended and whether the terminal is back in cooked mode with echo.
            let script = """
                sh -c 'echo $$ > "$0"; exec "$@"' \(([pidPath] + console).map(TmuxSession.quote).joined(separator: " "))
                echo "console-status=$?"
                echo "modes: $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')end"
                """
            try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            let tmux = try TmuxSession(
                self, command: "sh \(TmuxSession.quote(scriptPath))",
                environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
            try tmux.waitFor("console up for \(name)")
            var pid: pid_t = 0
            try eventually("\(name): the console wrote its pid") {
                pid = (try? String(contentsOfFile: pidPath, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
                return pid > 0
            }
            kill(pid, signo)
            let screen = try tmux.waitFor("modes:", timeout: Self.deadline)
            XCTAssertTrue(screen.contains("console-status=\(128 + signo)"), "\(name): exit 128+\(signo):\n\(screen)")
            XCTAssertTrue(screen.contains("modes: icanon echo end"), "\(name): the terminal is restored:\n\(screen)")
            tmux.close()
        }
    }
}
