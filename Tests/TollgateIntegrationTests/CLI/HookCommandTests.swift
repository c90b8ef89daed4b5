import Foundation
import TollgateCore
import XCTest

/// `tollgate hook claude-code`, the real binary against `tollgate serve`: every way a tool use
/// can end (approved, denied, no decision, no server, bad input, a policy) answers with exactly
/// one hook object on standard output and exit status 0.
final class HookCommandTests: XCTestCase {
    /// What one run of the hook printed, read as Claude Code reads it.
    private struct Answer {
        var decision: String
        var reason: String
        var run: TollgateBinary.Run
        var seconds: Double
    }

    // MARK: - Decided by a person

    func testAnApprovedEditIsAllowedWithWhoApprovedAndTheDiffWasShown() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let file = sandbox.directory.appendingPathComponent("main.swift").path
        try "import Foundation\nlet retries = 3\nprint(retries)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let input = event(tool: "Edit", ["file_path": file, "old_string": "let retries = 3", "new_string": "let retries = 5"])

        let running = inBackground(try invocation(sandbox, server, input, ["--wait", "30"]))
        let pending = try sandbox.client(server, as: "alice").awaitPending("the hook's action is pending")
        XCTAssertEqual(pending.kind, "claude-code.edit")
        XCTAssertEqual(pending.resource, file)
        XCTAssertEqual(pending.diffs.first?.text.contains("-let retries = 3\n+let retries = 5\n"), true, pending.diffs.first?.text ?? "no diff")
        XCTAssertEqual(pending.context.first { $0.key == "tool_use_id" }?.value, "toolu_01")
        XCTAssertFalse(pending.context.contains { $0.value.contains("transcript") }, "the transcript path is never sent")
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(pending, .approve, reason: "bump is fine").status, 200)

        let answer = try self.answer(running.result())
        XCTAssertEqual(answer.decision, "allow")
        XCTAssertEqual(answer.reason, "Tollgate \(pending.id) approved by alice: bump is fine")

        // The same tool use asked again (a retried hook) gets the same action, not a second request.
        let again = try hook(sandbox, server, input, ["--wait", "30"])
        XCTAssertEqual(again.decision, "allow")
        XCTAssertEqual(again.reason, answer.reason)
    }

    func testADeniedCommandIsDeniedWithTheReason() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let input = event(tool: "Bash", ["command": "rm -rf build/\nls"])

        let running = inBackground(try invocation(sandbox, server, input, ["--wait", "30"]))
        let pending = try sandbox.client(server, as: "alice").awaitPending("the hook's action is pending")
        XCTAssertEqual(pending.kind, "claude-code.bash")
        XCTAssertEqual(pending.command, "rm -rf build/\nls")
        XCTAssertEqual(pending.summary, "rm -rf build/")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(pending, .deny, reason: "not the build dir").status, 200)

        let answer = try self.answer(running.result())
        XCTAssertEqual(answer.decision, "deny")
        XCTAssertEqual(answer.reason, "Tollgate \(pending.id) denied by bob: not the build dir")
    }

    // MARK: - Decided by no one

    func testNoDecisionWithinTheWaitAnswersTheFallbackAndCancelsTheRequest() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let asks = try hook(sandbox, server, event(tool: "Bash", ["command": "make deploy"]), ["--wait", "1", "--on-timeout", "ask"])
        XCTAssertEqual(asks.decision, "ask")
        XCTAssertTrue(asks.reason.hasSuffix(": no decision within 1 s; cancelled it"), asks.reason)
        XCTAssertGreaterThanOrEqual(asks.seconds, 1, "it waited the whole --wait")
        XCTAssertLessThan(asks.seconds, 3, "within --wait + 2 s")
        let id = try XCTUnwrap(asks.reason.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).status, .cancelled, "a timed-out request cannot be approved later")

        let denies = try hook(sandbox, server, event(tool: "Bash", ["command": "make deploy"], toolUse: "toolu_02"), ["--wait", "1"])
        XCTAssertEqual(denies.decision, "deny", "--on-timeout defaults to deny")
    }

    func testAServerWithAShortMaxWaitIsPolledWithinItForTheWholeWait() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + "\n[actions]\nmax_wait_seconds = 1\n")
        let server = try sandbox.startServer()
        let answer = try hook(sandbox, server, event(tool: "Bash", ["command": "ls"]), ["--wait", "3", "--on-timeout", "ask"])
        XCTAssertEqual(answer.decision, "ask", answer.reason)
        XCTAssertTrue(answer.reason.hasSuffix(": no decision within 3 s; cancelled it"), answer.reason)
        XCTAssertGreaterThanOrEqual(answer.seconds, 3)
    }

    func testAServerThatIsDownOrSilentOrRefusesTheTokenIsDeniedInTime() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let input = event(tool: "Bash", ["command": "ls"])

        let badToken = sandbox.directory.appendingPathComponent("bad.token").path
        try TestFiles.create(badToken, Data("tg_not-a-token\n".utf8), ownerOnly: true)
        let refused = try hook(sandbox, server, input, ["--wait", "5"], connection: ["--server", "http://127.0.0.1:\(server.port)", "--token-file", badToken])
        XCTAssertEqual(refused.decision, "deny")
        XCTAssertTrue(refused.reason.hasPrefix("Tollgate could not be asked: submitting the request: server refused (HTTP 401"), refused.reason)

        // Frozen: connections are accepted and never answered.
        server.suspend()
        let silent = try hook(sandbox, server, input, ["--wait", "2"])
        XCTAssertEqual(silent.decision, "deny")
        XCTAssertLessThan(silent.seconds, 4, "within --wait + 2 s: \(silent.reason)")
        XCTAssertTrue(silent.reason.hasPrefix("Tollgate could not be asked"), silent.reason)

        server.kill()
        let down = try hook(sandbox, server, input, ["--wait", "2"])
        XCTAssertEqual(down.decision, "deny")
        XCTAssertLessThan(down.seconds, 4, "within --wait + 2 s")
        XCTAssertTrue(down.reason.hasPrefix("Tollgate could not be asked: submitting the request:"), down.reason)
        XCTAssertEqual(try hook(sandbox, server, input, ["--wait", "1", "--on-error", "ask"]).decision, "ask")
    }

    // MARK: - Decided at submission, or not asked at all

    func testAPolicyAutoApprovalAllowsAndNamesTheRule() throws {
        let config =
            Sandbox.quietConfig + """

                [[policy]]
                id = "reads"
                reason = "reading the repository is routine"
                kinds = ["claude-code.read"]
                outcome = "approve"
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let answer = try hook(sandbox, server, event(tool: "Read", ["file_path": "/etc/hostname"]), ["--wait", "30"])
        XCTAssertEqual(answer.decision, "allow")
        XCTAssertTrue(answer.reason.hasSuffix(" approved by policy:reads: reading the repository is routine"), answer.reason)
    }

    /// The file an edit would change is read only when it is a regular file (through a link too):
    /// a FIFO would block the hook, so its action says why it has no diff instead.
    func testOnlyARegularFileIsReadForTheDiff() throws {
        let config =
            Sandbox.quietConfig + """

                [[policy]]
                id = "writes"
                reason = "test writes"
                kinds = ["claude-code.write"]
                outcome = "approve"
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let target = sandbox.directory.appendingPathComponent("target.txt").path
        try "old\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = sandbox.directory.appendingPathComponent("link.txt").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let fifo = sandbox.directory.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let alice = try sandbox.client(server, as: "alice")

        for (path, toolUse) in [(link, "toolu_link"), (fifo, "toolu_fifo")] {
            let answer = try hook(sandbox, server, event(tool: "Write", ["file_path": path, "content": "new\n"], toolUse: toolUse), ["--wait", "10"])
            XCTAssertEqual(answer.decision, "allow", answer.reason)
            XCTAssertLessThan(answer.seconds, 10, "a FIFO is never opened")
            let id = try XCTUnwrap(answer.reason.split(separator: " ").dropFirst().first.map(String.init))
            let action = try alice.action(id)
            if path == link {
                XCTAssertEqual(action.diffs.map(\.text), ["--- \(link)\n+++ \(link)\n@@ -1,1 +1,1 @@\n-old\n+new\n"])
            } else {
                XCTAssertEqual(action.diffs, [])
                XCTAssertEqual(action.context.last, ContextEntry(key: "diff", value: "not shown: the file on disk is not a regular file"))
            }
        }
    }

    func testInputThatIsNotAToolUseIsDenied() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        for (input, reason) in [
            ("{\"session_id\":", "Tollgate: not a tool use to ask about: the input is not JSON"),
            ("", "Tollgate: not a tool use to ask about: the input is not JSON"),
            (#"{"hook_event_name":"Stop","session_id":"s"}"#, "Tollgate: not a tool use to ask about: Stop is not a PreToolUse event"),
        ] {
            let answer = try hook(sandbox, server, input, ["--wait", "5"])
            XCTAssertEqual(answer.decision, "deny", input)
            XCTAssertEqual(answer.reason, reason)
        }
    }

    // MARK: - Support

    /// A PreToolUse event as Claude Code sends it.
    private func event(tool: String, _ input: [String: String], toolUse: String = "toolu_01") -> String {
        let object: [String: Any] = [
            "session_id": "sess-\(name)", "transcript_path": "/home/u/.claude/projects/transcript.jsonl", "cwd": "/home/u/app",
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input, "tool_use_id": toolUse,
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    /// One run of the hook to make: the file holding its input and the command line.
    private struct Invocation: Sendable {
        var arguments: [String]
        var directory: URL
    }

    /// What a finished run printed, and how long it took.
    private struct Finished: Sendable {
        var run: TollgateBinary.Run
        var seconds: Double
    }

    /// The hook with `input` on standard input, as `agent-1` unless `connection` says otherwise.
    private func invocation(_ sandbox: Sandbox, _ server: ServerProcess, _ input: String, _ options: [String], connection: [String]? = nil) throws
        -> Invocation
    {
        let inputPath = sandbox.directory.appendingPathComponent("\(UUID().uuidString).json").path
        try TestFiles.create(inputPath, Data(input.utf8))
        let hook = try ["hook", "claude-code"] + (connection ?? sandbox.connection(server, as: "agent-1")) + options
        // The shell only puts the file on standard input; the runner gives stdin /dev/null.
        return Invocation(
            arguments: ["-c", #"f=$1; shift; exec "$@" < "$f""#, "sh", inputPath, try TollgateBinary.url().path] + hook, directory: sandbox.directory)
    }

    private static func execute(_ invocation: Invocation) throws -> Finished {
        let started = ContinuousClock.now
        let run = try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), invocation.arguments, in: invocation.directory, timeout: 60)
        let elapsed = ContinuousClock.now - started
        return Finished(run: run, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Runs the hook and reads its answer.
    private func hook(
        _ sandbox: Sandbox, _ server: ServerProcess, _ input: String, _ options: [String], connection: [String]? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Answer {
        try answer(Self.execute(invocation(sandbox, server, input, options, connection: connection)), file: file, line: line)
    }

    /// The answer, after checking that the run printed one hook object and exited 0.
    private func answer(_ finished: Finished, file: StaticString = #filePath, line: UInt = #line) throws -> Answer {
        let run = finished.run
        XCTAssertEqual(run.status, 0, "stderr: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stdout.hasSuffix("}\n") && run.stdout.filter { $0 == "\n" }.count == 1, "one line: \(run.stdout)", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let output = object?["hookSpecificOutput"] as? [String: String]
        XCTAssertEqual(object?.keys.sorted(), ["hookSpecificOutput"], run.stdout, file: file, line: line)
        XCTAssertEqual(output?.keys.sorted(), ["hookEventName", "permissionDecision", "permissionDecisionReason"], run.stdout, file: file, line: line)
        XCTAssertEqual(output?["hookEventName"], "PreToolUse", file: file, line: line)
        return Answer(decision: output?["permissionDecision"] ?? "", reason: output?["permissionDecisionReason"] ?? "", run: run, seconds: finished.seconds)
    }

    /// Runs the hook on another thread, so the test can decide while it waits.
    private func inBackground(_ invocation: Invocation) -> Background {
        let background = Background()
        Thread.detachNewThread { background.finish(Result { try Self.execute(invocation) }) }
        return background
    }

    /// A run on another thread; `result()` waits for it (at most 60 s).
    private final class Background: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var outcome: Result<Finished, Error>?

        func finish(_ outcome: Result<Finished, Error>) {
            lock.withLock { self.outcome = outcome }
            done.signal()
        }

        func result() throws -> Finished {
            guard done.wait(timeout: .now() + 60) == .success, let outcome = lock.withLock({ self.outcome }) else {
                throw HTTPClientError("the hook did not finish within 60 s")
            }
            return try outcome.get()
        }
    }
}
