import Foundation
import TollgateCore
import XCTest

@testable import TollgateClient

/// `ClaudeCodeHook`: each tool type's hook input mapped to the action it asks for, compared as
/// golden JSON; inputs that are not a tool use; the key, the answer and the account of a decision.
final class ClaudeCodeHookTests: XCTestCase {
    // MARK: - Golden actions

    func testBashIsItsCommandSummarisedByTheFirstLine() throws {
        let event = try ClaudeCodeHook.parse(
            input(
                tool: "Bash", #"{"command":"git push --force origin main\necho done","description":"Push"}"#,
                extra: #","agent_type":"code-reviewer","transcript_path":"/home/u/.claude/t.jsonl""#))
        try assertGolden(
            ClaudeCodeHook.request(for: event),
            """
            {
              "command" : "git push --force origin main\\necho done",
              "context" : [
                { "key" : "cwd", "value" : "/home/u/app" },
                { "key" : "session_id", "value" : "sess-1" },
                { "key" : "permission_mode", "value" : "default" },
                { "key" : "tool_use_id", "value" : "toolu_01" },
                { "key" : "agent_type", "value" : "code-reviewer" }
              ],
              "diffs" : [],
              "kind" : "claude-code.bash",
              "required_approvals" : 1,
              "risk" : "medium",
              "session" : "sess-1",
              "summary" : "git push --force origin main"
            }
            """)
    }

    func testEditCarriesTheDiffOfTheFileAgainstTheReplacement() throws {
        let event = try ClaudeCodeHook.parse(
            input(tool: "Edit", #"{"file_path":"/home/u/app/main.swift","old_string":"let x = 1","new_string":"let x = 2"}"#))
        try assertGolden(
            ClaudeCodeHook.request(for: event, onDisk: .contents("import Foundation\nlet x = 1\nprint(x)\n")),
            """
            {
              "context" : [
                { "key" : "cwd", "value" : "/home/u/app" },
                { "key" : "session_id", "value" : "sess-1" },
                { "key" : "permission_mode", "value" : "default" },
                { "key" : "tool_use_id", "value" : "toolu_01" }
              ],
              "diffs" : [
                {
                  "format" : "unified",
                  "text" : "--- /home/u/app/main.swift\\n+++ /home/u/app/main.swift\\n@@ -1,3 +1,3 @@\\n import Foundation\\n-let x = 1\\n+let x = 2\\n print(x)\\n",
                  "title" : "/home/u/app/main.swift"
                }
              ],
              "kind" : "claude-code.edit",
              "required_approvals" : 1,
              "resource" : "/home/u/app/main.swift",
              "risk" : "medium",
              "session" : "sess-1",
              "summary" : "Edit /home/u/app/main.swift"
            }
            """)
    }

    func testEditReplaceAllChangesEveryOccurrence() throws {
        let event = try ClaudeCodeHook.parse(
            input(tool: "Edit", #"{"file_path":"a.txt","old_string":"x","new_string":"y","replace_all":true}"#))
        let request = ClaudeCodeHook.request(for: event, onDisk: .contents("x\nx\n"))
        XCTAssertEqual(request.diffs.map(\.text), ["--- a.txt\n+++ a.txt\n@@ -1,2 +1,2 @@\n-x\n-x\n+y\n+y\n"])
    }

    func testMultiEditAppliesTheEditsInOrder() throws {
        let event = try ClaudeCodeHook.parse(
            input(
                tool: "MultiEdit",
                #"{"file_path":"/p/f.py","edits":[{"old_string":"a = 1","new_string":"a = 2"},{"old_string":"a = 2\nb","new_string":"a = 3\nb"}]}"#
            ))
        try assertGolden(
            ClaudeCodeHook.request(for: event, onDisk: .contents("a = 1\nb = 1\n")),
            """
            {
              "context" : [
                { "key" : "cwd", "value" : "/home/u/app" },
                { "key" : "session_id", "value" : "sess-1" },
                { "key" : "permission_mode", "value" : "default" },
                { "key" : "tool_use_id", "value" : "toolu_01" }
              ],
              "diffs" : [
                {
                  "format" : "unified",
                  "text" : "--- /p/f.py\\n+++ /p/f.py\\n@@ -1,2 +1,2 @@\\n-a = 1\\n+a = 3\\n b = 1\\n",
                  "title" : "/p/f.py"
                }
              ],
              "kind" : "claude-code.multiedit",
              "required_approvals" : 1,
              "resource" : "/p/f.py",
              "risk" : "medium",
              "session" : "sess-1",
              "summary" : "MultiEdit /p/f.py (2 edits)"
            }
            """)
    }

    func testWriteOfANewFileDiffsAgainstNothing() throws {
        let event = try ClaudeCodeHook.parse(input(tool: "Write", ##"{"file_path":"/p/new.md","content":"# Title\n\nBody\n"}"##))
        try assertGolden(
            ClaudeCodeHook.request(for: event, onDisk: .absent),
            """
            {
              "context" : [
                { "key" : "cwd", "value" : "/home/u/app" },
                { "key" : "session_id", "value" : "sess-1" },
                { "key" : "permission_mode", "value" : "default" },
                { "key" : "tool_use_id", "value" : "toolu_01" }
              ],
              "diffs" : [
                {
                  "format" : "unified",
                  "text" : "--- /dev/null\\n+++ /p/new.md\\n@@ -0,0 +1,3 @@\\n+# Title\\n+\\n+Body\\n",
                  "title" : "/p/new.md"
                }
              ],
              "kind" : "claude-code.write",
              "required_approvals" : 1,
              "resource" : "/p/new.md",
              "risk" : "medium",
              "session" : "sess-1",
              "summary" : "Write /p/new.md (new file)"
            }
            """)
    }

    func testWriteOverAnExistingFileDiffsAgainstIt() throws {
        let event = try ClaudeCodeHook.parse(input(tool: "Write", #"{"file_path":"/p/f","content":"new\n"}"#))
        let request = ClaudeCodeHook.request(for: event, onDisk: .contents("old\n"))
        XCTAssertEqual(request.summary, "Write /p/f")
        XCTAssertEqual(request.diffs.map(\.text), ["--- /p/f\n+++ /p/f\n@@ -1,1 +1,1 @@\n-old\n+new\n"])
    }

    func testOtherToolsAreTheirNameAndCompactInputWithASanitisedKind() throws {
        let event = try ClaudeCodeHook.parse(
            input(tool: "mcp__GitHub.v2__create_issue", #"{ "title" : "Bug", "labels" : ["a/b"], "n" : 2 }"#, mode: nil))
        try assertGolden(
            ClaudeCodeHook.request(for: event),
            """
            {
              "command" : "{\\"labels\\":[\\"a/b\\"],\\"n\\":2,\\"title\\":\\"Bug\\"}",
              "context" : [
                { "key" : "cwd", "value" : "/home/u/app" },
                { "key" : "session_id", "value" : "sess-1" },
                { "key" : "tool_use_id", "value" : "toolu_01" }
              ],
              "diffs" : [],
              "kind" : "claude-code.mcp__github_v2__create_issue",
              "required_approvals" : 1,
              "risk" : "medium",
              "session" : "sess-1",
              "summary" : "mcp__GitHub.v2__create_issue {\\"labels\\":[\\"a/b\\"],\\"n\\":2,\\"title\\":\\"Bug\\"}"
            }
            """)
    }

    func testKindsAlwaysPassTheServersValidation() {
        for name in ["Bash", "", "Ünïcode tool", String(repeating: "X", count: 300), "..", "a.b.", "Read"] {
            let request = ActionRequest(kind: ClaudeCodeHook.kind(for: name), summary: "s")
            XCTAssertNil(request.validate(maxTTL: 3_600), "kind \(request.kind) from \(name.debugDescription)")
        }
        XCTAssertEqual(ClaudeCodeHook.kind(for: "Read"), "claude-code.read")
    }

    // MARK: - Edits that cannot be diffed

    func testAnEditThatWouldFailSaysWhyInsteadOfADiff() throws {
        let missing = try ClaudeCodeHook.parse(input(tool: "Edit", #"{"file_path":"/f","old_string":"nope","new_string":"x"}"#))
        XCTAssertEqual(
            ClaudeCodeHook.request(for: missing, onDisk: .contents("a\n")).context.last,
            ContextEntry(key: "diff", value: "not shown: old_string is not in the file, so the tool would fail"))
        let twice = try ClaudeCodeHook.parse(input(tool: "Edit", #"{"file_path":"/f","old_string":"a","new_string":"x"}"#))
        XCTAssertEqual(
            ClaudeCodeHook.request(for: twice, onDisk: .contents("a\na\n")).context.last?.value, "not shown: old_string occurs 2 times, so the tool would fail")
        XCTAssertEqual(
            ClaudeCodeHook.request(for: twice, onDisk: .unreadable("is not UTF-8 text")).context.last?.value,
            "not shown: the file on disk is not UTF-8 text")
        XCTAssertTrue(ClaudeCodeHook.request(for: twice, onDisk: .unreadable("x")).diffs.isEmpty)
    }

    // MARK: - Input that is not a tool use

    func testInputThatIsNotAPreToolUseEventIsRefusedWithAReason() {
        let cases: [(String, String)] = [
            ("", "the input is not JSON"),
            ("[1]", "the input is not a JSON object"),
            (#"{"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Bash","tool_input":{}}"#, "PostToolUse is not a PreToolUse event"),
            (#"{"session_id":"s"}"#, "hook_event_name is missing"),
            (#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#, "session_id is missing"),
            (#"{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":"ls"}"#, "tool_input is not an object"),
            (#"{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":{"command":1}}"#, "Bash: tool_input.command is not a string"),
            (
                #"{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Write","tool_input":{"content":""}}"#,
                "Write: tool_input.file_path is not a string"
            ),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ClaudeCodeHook.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? ClaudeCodeHook.InputError)?.message, message, text)
            }
        }
        let huge = [UInt8](repeating: 0x20, count: ClaudeCodeHook.maxInputBytes + 1)
        XCTAssertThrowsError(try ClaudeCodeHook.parse(huge))
    }

    // MARK: - Key, answer, account

    func testTheIdempotencyKeyIsStablePerToolUseAndFitsTheKeyRules() throws {
        let event = try ClaudeCodeHook.parse(input(tool: "Bash", #"{"command":"ls"}"#))
        let key = try XCTUnwrap(ClaudeCodeHook.idempotencyKey(for: event))
        XCTAssertEqual(key, ClaudeCodeHook.idempotencyKey(for: event))
        XCTAssertTrue((1...255).contains(key.utf8.count))
        XCTAssertTrue(key.utf8.allSatisfy { (0x21...0x7E).contains($0) }, key)
        var other = event
        other.toolUseID = "toolu_02"
        XCTAssertNotEqual(ClaudeCodeHook.idempotencyKey(for: other), key)
        other.toolUseID = nil
        XCTAssertNil(ClaudeCodeHook.idempotencyKey(for: other))
    }

    func testTheAnswerIsOneHookObject() throws {
        let text = ClaudeCodeHook.output(.ask, reason: "a \"quoted\"\nreason")
        XCTAssertEqual(
            text,
            #"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"a \"quoted\"\nreason"}}"# + "\n")
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)
    }

    func testTheAccountNamesWhoDecidedAndWhy() {
        var action = Action(
            id: "act_1", status: .approved, createdAt: Timestamp(milliseconds: 0), expiresAt: Timestamp(milliseconds: 60_000),
            requester: Requester(id: "agent"), kind: "claude-code.bash", summary: "ls", risk: .medium, policy: Policy(id: "p", reason: ""))
        action.decisions = [
            Decision(approver: "alice", verdict: .approve, reason: "fine\nby me", at: Timestamp(milliseconds: 1), digest: ""),
            Decision(approver: "bob", verdict: .approve, reason: "", at: Timestamp(milliseconds: 2), digest: ""),
        ]
        XCTAssertEqual(ClaudeCodeHook.account(of: action), "Tollgate act_1 approved by alice: fine by me; bob")
        action.status = .denied
        action.decisions = [Decision(approver: "carol", verdict: .deny, reason: "not on a Friday", at: Timestamp(milliseconds: 1), digest: "")]
        XCTAssertEqual(ClaudeCodeHook.account(of: action), "Tollgate act_1 denied by carol: not on a Friday")
        action.status = .approved
        action.rule = AppliedRule(id: "reads", reason: "reads are routine", outcome: .approve)
        action.decisions = [Decision(approver: "policy:reads", verdict: .approve, reason: "reads are routine", at: Timestamp(milliseconds: 0), digest: "")]
        XCTAssertEqual(ClaudeCodeHook.account(of: action), "Tollgate act_1 approved by policy:reads: reads are routine")
    }

    // MARK: - Support

    private func input(tool: String, _ toolInput: String, mode: String? = "default", extra: String = "") -> [UInt8] {
        let permission = mode.map { #","permission_mode":"\#($0)""# } ?? ""
        return Array(
            #"{"session_id":"sess-1","transcript_path":"/t.jsonl","cwd":"/home/u/app","hook_event_name":"PreToolUse","tool_name":"\#(tool)","tool_input":\#(toolInput),"tool_use_id":"toolu_01"\#(permission)\#(extra)}"#
                .utf8)
    }

    /// Compares the request's JSON with `golden` (sorted keys; white space ignored outside strings).
    private func assertGolden(_ request: ActionRequest, _ golden: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let encoded = try JSONEncoder().encode(request)
        let actual = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        let expected = try JSONSerialization.jsonObject(with: Data(golden.utf8)) as? NSDictionary
        XCTAssertNotNil(expected, "the golden text is a JSON object", file: file, line: line)
        XCTAssertEqual(actual, expected, "as JSON: \(String(decoding: encoded, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(request, try JSONDecoder().decode(ActionRequest.self, from: Data(golden.utf8)), file: file, line: line)
        XCTAssertNil(request.validate(maxTTL: 3_600), file: file, line: line)
    }
}
