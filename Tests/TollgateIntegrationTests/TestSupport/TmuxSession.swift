import Foundation
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
        try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "env \(exports) \(command); sleep 600"])
        test.addTeardownBlock { [self] in _ = try? tmux(["kill-server"]) }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", socket, "-f", "/dev/null"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Types keys (tmux key names such as `Enter`, `Escape`, `C-c`, or literal text with `literal`).
    func send(_ keys: String..., literal: Bool = false) throws {
        try tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    /// The screen as text.
    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    /// Waits until the screen contains `text`; fails with the screen when `timeout` passes.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30) throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var last = ""
        while ContinuousClock.now < deadline {
            last = try screen()
            if last.contains(text) { return last }
            usleep(100_000)
        }
        throw HTTPClientError("\(text.debugDescription) did not appear within \(timeout) s; the screen:\n\(last)")
    }
}
