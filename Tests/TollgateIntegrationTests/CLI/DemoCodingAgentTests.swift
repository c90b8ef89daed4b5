import Foundation
import Glibc
import TollgateCore
import XCTest

/// The demo's simulated coding-agent session (issue #14): its Claude Code tool uses reach the
/// server through the hook's mapping, a Bash command as the command and an edit with its diff.
final class DemoCodingAgentTests: XCTestCase {
    func testTheCodingAgentsToolUsesArriveAsTheHookMapsThem() throws {
        let sandbox = try Sandbox(self)
        let demo = try MaskedChild(["demo", "--no-console", "--interval", "0.5"], in: sandbox.directory)
        var stopped = false
        defer { if !stopped { kill(demo.pid, SIGINT) } }
        var bashID = "", editID = ""
        try eventually(timeout: 60, "both tool uses are submitted; stdout: \(demo.stdout.suffix(2_000))") {
            for line in demo.stdout.split(separator: "\n") where line.contains("claude-code@demo asks: ") {
                guard let open = line.lastIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { continue }
                let id = String(line[line.index(after: open)..<close])
                if line.contains("asks: git push --force-with-lease") { bashID = id }
                if line.contains("asks: Edit /srv/payments-api/config/retry.yaml") { editID = id }
            }
            return !bashID.isEmpty && !editID.isEmpty
        }
        let lines = demo.stdout.split(separator: "\n")
        let server = try XCTUnwrap(lines.first { $0.hasPrefix("Tollgate demo server: ") }).dropFirst("Tollgate demo server: ".count)
        let token = try XCTUnwrap(lines.first { $0.hasPrefix("Approver token (you@demo): ") }).dropFirst("Approver token (you@demo): ".count)
        let port = try XCTUnwrap(Int(try XCTUnwrap(server.split(separator: ":").last)))
        let client = APIClient(port: port, token: String(token))

        let bash = try client.action(bashID)
        XCTAssertEqual(bash.kind, "claude-code.bash")
        XCTAssertEqual(bash.command, "git push --force-with-lease origin fix/retry-backoff\n# rebased on main after review")
        XCTAssertEqual(bash.requester.id, "claude-code@demo")
        XCTAssertTrue(bash.context.contains(ContextEntry(key: "tool_use_id", value: "toolu_01")), "\(bash.context)")

        let edit = try client.action(editID)
        XCTAssertEqual(edit.kind, "claude-code.edit")
        XCTAssertEqual(edit.resource, "/srv/payments-api/config/retry.yaml")
        let diff = try XCTUnwrap(edit.diffs.first?.text, "the edit carries its diff")
        for line in ["-max_attempts: 3", "-backoff_ms: 200", "+max_attempts: 5", "+backoff_ms: 400", "+jitter: full", " timeout_ms: 2000"] {
            XCTAssertTrue(diff.contains(line), "\(line) in \(diff)")
        }
        kill(demo.pid, SIGINT)
        stopped = true
        XCTAssertEqual(try demo.wait(timeout: 30), 0, demo.stderr)
    }
}
