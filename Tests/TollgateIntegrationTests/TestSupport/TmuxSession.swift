import Foundation
import Glibc
import XCTest

/// A detached tmux session on a private server socket, to drive the real console as a user would.
///
/// `make test` installs tmux; a missing tmux fails the test loudly instead of skipping it.
final class TmuxSession {
    let socket = "tollgate-test-\(UUID().uuidString.prefix(8))"
    let name = "t"

    /// Starts `command` (run by sh) in a `width`x`height` window with `environment` added.
    init(_ test: XCTestCase, command: String, width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw HTTPClientError("tmux is not installed (make test installs it: apt-get install tmux)")
        }
        var env = ["LANG": "C.UTF-8", "TERM": "xterm-256color"]
        env.merge(environment) { $1 }
        let exports = env.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        // `swift test` runs with NO_COLOR set, which tmux would pass on: a test wants it only when it says so.
        let unset = environment["NO_COLOR"] == nil ? "-u NO_COLOR " : ""
        try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "env \(unset)\(exports) \(command); sleep 600"])
        test.addTeardownBlock { [self] in close() }
    }

    /// Ends the session and whatever still runs in it; safe to call again.
    func close() { _ = try? tmux(["kill-server"]) }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs one tmux client command; only `capture` reads its output.
    ///
    /// Spawned with posix_spawn and reaped with waitpid rather than through Foundation's Process:
    /// the first command forks the tmux server, which inherits every descriptor of the client,
    /// including the one Process watches to learn that its child exited, so Process would wait
    /// for the server's end. Output goes to a file, never to a pipe, for the same reason.
    @discardableResult
    private func tmux(_ arguments: [String], capture: Bool = false) throws -> String {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out").path
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["/usr/bin/tmux", "-L", socket, "-f", "/dev/null"] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, &cArgs, environ)
        guard spawned == 0 else { throw HTTPClientError("cannot run tmux: \(String(cString: strerror(spawned)))") }
        let deadline = ContinuousClock.now + .seconds(20)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw HTTPClientError("tmux \(arguments.first ?? "") did not finish within 20 s")
            }
            usleep(5_000)
        }
        return capture ? ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "") : ""
    }

    /// Types keys (tmux key names such as `Enter`, `Escape`, `C-c`, or literal text with `literal`).
    func send(_ keys: String..., literal: Bool = false) throws {
        try tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    /// The screen as text.
    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name], capture: true) }

    /// The screen with its SGR sequences (`capture-pane -e`): how each cell is drawn.
    func styledScreen() throws -> String { try tmux(["capture-pane", "-p", "-e", "-t", name], capture: true) }

    /// Waits until the screen contains `text`; fails with the screen when `timeout` passes.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30, every interval: Double = 0.1) throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var last = ""
        while ContinuousClock.now < deadline {
            last = try screen()
            if last.contains(text) { return last }
            usleep(useconds_t(interval * 1_000_000))
        }
        throw HTTPClientError("\(text.debugDescription) did not appear within \(timeout) s; the screen:\n\(last)")
    }
}
