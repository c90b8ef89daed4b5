import Foundation
import TollgateCore
import XCTest

@testable import TollgateClient

/// `tollgate mcp`'s pure half: the tools it declares, its arguments checked into calls, and the
/// answers a model reads.
final class McpToolTests: XCTestCase {
    // MARK: - The catalog

    func testTheFiveToolsDeclareObjectSchemasForArgumentsAndResults() throws {
        XCTAssertEqual(
            McpToolCatalog.tools.map(\.name.rawValue), ["request_approval", "wait_for_decision", "get_action", "cancel_request", "approval_prompt"])
        for tool in McpToolCatalog.tools {
            for schema in [tool.inputSchema, tool.outputSchema] {
                let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any], tool.name.rawValue)
                XCTAssertEqual(object["type"] as? String, "object", tool.name.rawValue)
                let properties = try XCTUnwrap(object["properties"] as? [String: Any], tool.name.rawValue)
                for required in object["required"] as? [String] ?? [] { XCTAssertNotNil(properties[required], "\(tool.name.rawValue).\(required)") }
            }
        }
        let request = try schema(.requestApproval)
        XCTAssertEqual((request["required"] as? [String])?.sorted(), ["kind", "summary"])
        XCTAssertEqual(
            ((request["properties"] as? [String: Any])?.keys.sorted()),
            ["command", "context", "diff", "environment", "justification", "kind", "on_behalf_of", "resource", "risk", "summary", "wait_seconds"])
        let pattern = try XCTUnwrap(((request["properties"] as? [String: Any])?["kind"] as? [String: Any])?["pattern"] as? String)
        XCTAssertEqual(pattern, #"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$"#)
    }

    // MARK: - Arguments

    func testRequestApprovalArgumentsBecomeTheActionRequest() throws {
        let call = try parse(
            "request_approval",
            #"{"kind":"deploy.production","summary":"Deploy v2","command":"make deploy","resource":"web","environment":"production","risk":"high","justification":"release day","context":{"ticket":"OPS-1","branch":"main"},"diff":"--- a\n+++ b\n","on_behalf_of":"alice","wait_seconds":10}"#
        )
        var expected = ActionRequest(
            kind: "deploy.production", summary: "Deploy v2", command: "make deploy", resource: "web", environment: "production", risk: .high,
            justification: "release day", context: [ContextEntry(key: "branch", value: "main"), ContextEntry(key: "ticket", value: "OPS-1")],
            diffs: [ActionDiff(title: "diff", text: "--- a\n+++ b\n")])
        expected.onBehalfOf = "alice"
        XCTAssertEqual(call, .requestApproval(expected, wait: 10))
        XCTAssertEqual(try parse("request_approval", #"{"kind":"a.b","summary":"s"}"#), .requestApproval(ActionRequest(kind: "a.b", summary: "s"), wait: 45))
        XCTAssertEqual(try parse("wait_for_decision", #"{"id":"act_1","wait_seconds":0}"#), .waitForDecision(id: "act_1", wait: 0))
        XCTAssertEqual(try parse("get_action", #"{"id":"act_1"}"#), .getAction(id: "act_1"))
        XCTAssertEqual(try parse("cancel_request", #"{"id":"act_1"}"#), .cancelRequest(id: "act_1"))
    }

    func testBadArgumentsSayWhatToFix() {
        for (tool, arguments, message) in [
            ("request_approval", #"{"kind":"a.b"}"#, "request_approval: summary is required (a string)"),
            ("request_approval", #"{"kind":"A B","summary":"s"}"#, "request_approval: kind: expected a dotted lowercase category"),
            ("request_approval", #"{"kind":"a.b","summary":"  "}"#, "request_approval: summary: must not be empty"),
            ("request_approval", #"{"kind":"a.b","summary":"s","risk":"extreme"}"#, "request_approval: risk must be one of low, medium, high, critical"),
            ("request_approval", #"{"kind":"a.b","summary":"s","context":{"n":1}}"#, "request_approval: context.n must be a string"),
            ("request_approval", #"{"kind":"a.b","summary":"s","sumary":"typo"}"#, "request_approval: unknown argument sumary"),
            ("request_approval", #"{"kind":7,"summary":"s"}"#, "request_approval: kind must be a string"),
            ("wait_for_decision", #"{"id":"act_1","wait_seconds":56}"#, "wait_for_decision: wait_seconds must be a whole number from 0 to 55"),
            ("wait_for_decision", #"{"id":"act_1","wait_seconds":-1}"#, "wait_for_decision: wait_seconds must be a whole number from 0 to 55"),
            ("wait_for_decision", #"{"id":"act_1","wait_seconds":1.5}"#, "wait_for_decision: wait_seconds must be a whole number from 0 to 55"),
            ("wait_for_decision", #"{"id":"act_1","wait_seconds":true}"#, "wait_for_decision: wait_seconds must be a whole number from 0 to 55"),
            ("wait_for_decision", #"{"id":"act_1","wait_seconds":"45"}"#, "wait_for_decision: wait_seconds must be a whole number from 0 to 55"),
            ("get_action", #"{}"#, "get_action: id is required (a string)"),
            ("get_action", #"{"id":""}"#, "get_action: id must be the id a request_approval result gave"),
            ("get_action", #"[1]"#, "get_action: the arguments must be a JSON object"),
            ("approval_prompt", #"{"tool_name":"Bash","input":"ls"}"#, "approval_prompt: input must be an object"),
            (
                "approval_prompt", #"{"tool_name":"Bash","input":{"cmd":"ls"}}"#,
                "approval_prompt: input does not fit the tool: Bash: tool_input.command is not a string"
            ),
            ("approve_everything", #"{}"#, "unknown tool approve_everything; the tools are request_approval, wait_for_decision"),
        ] {
            XCTAssertThrowsError(try parse(tool, arguments), arguments) { error in
                let text = (error as? McpToolCall.ArgumentError)?.message ?? "\(error)"
                XCTAssertTrue(text.hasPrefix(message), "\(arguments): \(text)")
            }
        }
    }

    // MARK: - Results

    func testAPendingResultTellsTheModelToWaitAndNeverToProceed() throws {
        let result = McpToolAnswer.action(action(.pending))
        XCTAssertFalse(result.isError)
        let object = try json(result.text)
        XCTAssertEqual(object["id"] as? String, "act_1")
        XCTAssertEqual(object["status"] as? String, "pending")
        XCTAssertNil(object["decided"])
        XCTAssertEqual(
            object["next"] as? String,
            #"Not decided yet. Do NOT proceed with this action. Call wait_for_decision with id "act_1" to keep waiting for a human's decision."#)
    }

    func testAResolvedResultSaysWhoDecidedAndWhy() throws {
        var denied = action(.denied)
        denied.decisions = [Decision(approver: "carol", verdict: .deny, reason: "not on a Friday", at: Timestamp(milliseconds: 1), digest: "")]
        let object = try json(McpToolAnswer.action(denied).text)
        XCTAssertEqual(object["decided"] as? String, "Tollgate act_1 denied by carol: not on a Friday")
        XCTAssertEqual(
            object["decisions"] as? [NSDictionary], [["by": "carol", "verdict": "deny", "reason": "not on a Friday", "break_glass": false]])
        XCTAssertTrue((object["next"] as? String)?.hasPrefix("Denied. Do NOT proceed") == true)
        XCTAssertNil(object["expires_at"], "only get_action adds times and approvals")

        let detailed = try json(McpToolAnswer.action(action(.pending), detailed: true).text)
        XCTAssertEqual(detailed["expires_at"] as? String, Timestamp(milliseconds: 60_000).description)
        XCTAssertEqual(detailed["approvals"] as? NSDictionary, ["count": 0, "required": 1, "missing": "needs 1 more approver"])
    }

    func testServerFailuresAreErrorsWithAdvice() {
        let unauthorized = McpToolAnswer.refused("submitting the request", .server(status: 401, error: ProtocolError(.unauthenticated, "bad token")))
        XCTAssertTrue(unauthorized.isError)
        XCTAssertEqual(
            unauthorized.text,
            "Tollgate refused submitting the request: server refused (HTTP 401, unauthenticated): bad token. The token tollgate mcp uses was not accepted; a person must fix its configuration. Do NOT proceed with the action."
        )
        let down = McpToolAnswer.unreachable("waiting for act_1", .transport("connection refused"))
        XCTAssertEqual(
            down.text,
            "The Tollgate server could not be reached while waiting for act_1: connection refused. Nothing was approved: do NOT proceed. Try again in a while."
        )
        XCTAssertTrue(McpToolAnswer.invalid(McpToolCall.ArgumentError("x: y")).isError)
    }

    // MARK: - The permission prompt

    func testAPromptBecomesAnMcpActionWithAStableKey() throws {
        let prompt = try promptCall(#"{"tool_name":"Bash","input":{"command":"git push\nls","timeout":1.5,"run_in_background":false},"tool_use_id":"toolu_9"}"#)
        let request = prompt.request(onDisk: .absent)
        XCTAssertEqual(request.kind, "mcp.bash")
        XCTAssertEqual(request.summary, "git push")
        XCTAssertEqual(request.command, "git push\nls")
        XCTAssertEqual(request.context, [ContextEntry(key: "tool_use_id", value: "toolu_9")])
        XCTAssertEqual(prompt.idempotencyKey, try promptCall(#"{"tool_name":"Bash","input":{"command":"other"},"tool_use_id":"toolu_9"}"#).idempotencyKey)
        XCTAssertNotEqual(
            prompt.idempotencyKey, try promptCall(#"{"tool_name":"Bash","input":{"command":"git push"},"tool_use_id":"toolu_10"}"#).idempotencyKey)
        XCTAssertNil(try promptCall(#"{"tool_name":"Bash","input":{"command":"ls"}}"#).idempotencyKey)

        let other = try promptCall(#"{"tool_name":"mcp__github__create_issue","input":{"title":"x"}}"#).request(onDisk: .absent)
        XCTAssertEqual(other.kind, "mcp.mcp__github__create_issue")
        XCTAssertEqual(other.summary, #"mcp__github__create_issue {"title":"x"}"#)
    }

    func testThePromptAllowsWithTheInputUnchangedOnlyWhenApproved() throws {
        let prompt = try promptCall(#"{"tool_name":"Bash","input":{"command":"ls","timeout":1.5,"flag":true,"n":1},"tool_use_id":"toolu_9"}"#)
        let allow = McpToolAnswer.prompt(prompt, action(.approved), waited: 300)
        XCTAssertEqual(allow.text, #"{"behavior":"allow","updatedInput":{"command":"ls","flag":true,"n":1,"timeout":1.5}}"#)

        var denied = action(.denied)
        denied.decisions = [Decision(approver: "bob", verdict: .deny, reason: "no", at: Timestamp(milliseconds: 1), digest: "")]
        XCTAssertEqual(
            try json(McpToolAnswer.prompt(prompt, denied, waited: 300).text) as NSDictionary,
            ["behavior": "deny", "message": "Tollgate act_1 denied by bob: no"])
        XCTAssertEqual(
            try json(McpToolAnswer.prompt(prompt, action(.pending), waited: 300).text) as NSDictionary,
            ["behavior": "deny", "message": "Tollgate act_1 is still pending: no one decided within 300 s, so the tool use is refused"])
        let failure = McpToolAnswer.promptFailure("submitting the request: connection refused")
        XCTAssertTrue(failure.isError)
        XCTAssertEqual(try json(failure.text)["behavior"] as? String, "deny")
    }

    // MARK: - Support

    private func parse(_ tool: String, _ arguments: String) throws -> McpToolCall {
        try McpToolCall.parse(tool: tool, arguments: Data(arguments.utf8))
    }

    private func promptCall(_ arguments: String) throws -> McpToolCall.Prompt {
        guard case .approvalPrompt(let prompt) = try parse("approval_prompt", arguments) else { throw McpToolCall.ArgumentError("not a prompt") }
        return prompt
    }

    private func schema(_ name: McpToolCatalog.Name) throws -> [String: Any] {
        let tool = try XCTUnwrap(McpToolCatalog.tools.first { $0.name == name })
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(tool.inputSchema.utf8)) as? [String: Any])
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func action(_ status: ActionStatus) -> Action {
        Action(
            id: "act_1", status: status, createdAt: Timestamp(milliseconds: 0), expiresAt: Timestamp(milliseconds: 60_000),
            requester: Requester(id: "agent-1"), kind: "deploy.production", summary: "Deploy v2", risk: .medium, policy: Policy(id: "p", reason: ""))
    }
}
