import Foundation
import MCP
import TollgateCore
import XCTest

/// `tollgate mcp`, the real binary against `tollgate serve`, driven by the MCP Swift SDK's own
/// client over the child's standard input and output, as an agent's host drives it.
final class McpServerTests: XCTestCase {
    func testAnAgentAsksWaitsAndHearsWhoDecided() async throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let mcp = try McpChild(sandbox, server)
        let initialized = try await mcp.connect()
        XCTAssertEqual(initialized.serverInfo.name, "tollgate")
        XCTAssertNotNil(initialized.capabilities.tools)

        let (tools, _) = try await mcp.client.listTools()
        XCTAssertEqual(tools.map(\.name), ["request_approval", "wait_for_decision", "get_action", "cancel_request", "approval_prompt"])
        for tool in tools {
            XCTAssertEqual(tool.inputSchema.objectValue?["type"], "object", tool.name)
            XCTAssertEqual(tool.outputSchema?.objectValue?["type"], "object", tool.name)
            XCTAssertFalse(tool.description?.isEmpty ?? true, tool.name)
        }
        let request = try XCTUnwrap(tools.first { $0.name == "request_approval" })
        XCTAssertEqual(request.inputSchema.objectValue?["required"], ["kind", "summary"])

        // Asked, nobody has decided yet: pending, and told to wait, never to proceed.
        let asked = try await mcp.call(
            "request_approval",
            ["kind": "deploy.production", "summary": "Deploy v2", "command": "make deploy", "context": ["ticket": "OPS-1"], "wait_seconds": 0])
        XCTAssertNil(asked.isError, asked.text)
        let pending = try asked.object()
        let id = try XCTUnwrap(pending["id"] as? String)
        XCTAssertEqual(pending["status"] as? String, "pending")
        XCTAssertTrue((pending["next"] as? String)?.contains("Call wait_for_decision with id \"\(id)\"") == true, asked.text)
        XCTAssertTrue((pending["next"] as? String)?.contains("Do NOT proceed") == true, asked.text)
        XCTAssertEqual(asked.structuredContent, try JSONDecoder().decode(Value.self, from: Data(asked.text.utf8)), "structured content is the text's object")

        let alice = try sandbox.client(server, as: "alice")
        let submitted = try alice.action(id)
        XCTAssertEqual(submitted.command, "make deploy")
        XCTAssertEqual(submitted.context, [ContextEntry(key: "ticket", value: "OPS-1")])
        XCTAssertEqual(try alice.decide(submitted, .approve, reason: "ship it").status, 200)

        let approved = try await mcp.call("wait_for_decision", ["id": .string(id), "wait_seconds": 10])
        XCTAssertEqual(try approved.object()["status"] as? String, "approved", approved.text)
        XCTAssertEqual(try approved.object()["decided"] as? String, "Tollgate \(id) approved by alice: ship it")

        let looked = try await mcp.call("get_action", ["id": .string(id)])
        XCTAssertEqual((try looked.object()["approvals"] as? [String: Any])?["count"] as? Int, 1, looked.text)
        XCTAssertNotNil(try looked.object()["expires_at"] as? String)

        // A denial while the call waits carries who denied it and why.
        let waiting = try await mcp.start("request_approval", ["kind": "db.drop", "summary": "Drop the old table", "wait_seconds": 30])
        let toDeny = try await pendingAction(sandbox, server, kind: "db.drop")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(toDeny, .deny, reason: "we still read it").status, 200)
        let denied = try await waiting.value
        XCTAssertEqual(try denied.object()["status"] as? String, "denied", denied.text)
        XCTAssertEqual(try denied.object()["decided"] as? String, "Tollgate \(toDeny.id) denied by bob: we still read it")

        // The agent withdraws a request it no longer needs.
        let spare = try await mcp.call("request_approval", ["kind": "cache.flush", "summary": "Flush", "wait_seconds": 0])
        let spareID = try XCTUnwrap(try spare.object()["id"] as? String)
        let withdrawn = try await mcp.call("cancel_request", ["id": .string(spareID)])
        XCTAssertEqual(try withdrawn.object()["status"] as? String, "cancelled", withdrawn.text)

        let status = try await mcp.close()
        XCTAssertEqual(status, 0, mcp.stderr)
    }

    func testBadArgumentsAndAnUnreachableServerAreToolErrorsAndTheServerKeepsServing() async throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let mcp = try McpChild(sandbox, server)
        _ = try await mcp.connect()

        let missing = try await mcp.call("request_approval", ["kind": "deploy.production"])
        XCTAssertEqual(missing.isError, true)
        XCTAssertEqual(missing.text, "Invalid arguments: request_approval: summary is required (a string). Fix them and call again.")
        let tooLong = try await mcp.call("wait_for_decision", ["id": "act_x", "wait_seconds": 600])
        XCTAssertEqual(tooLong.isError, true)
        XCTAssertTrue(tooLong.text.contains("wait_seconds must be a whole number from 0 to 55"), tooLong.text)
        let unknown = try await mcp.call("get_action", ["id": "act_nope"])
        XCTAssertEqual(unknown.isError, true)
        XCTAssertTrue(unknown.text.contains("HTTP 404"), unknown.text)

        server.kill()
        let down = try await mcp.call("request_approval", ["kind": "deploy.production", "summary": "Deploy", "wait_seconds": 1])
        XCTAssertEqual(down.isError, true)
        XCTAssertTrue(down.text.hasPrefix("The Tollgate server could not be reached while submitting the request: "), down.text)
        XCTAssertTrue(down.text.contains("do NOT proceed"), down.text)
        XCTAssertTrue(mcp.process.isRunning, "a failed call never ends the server")
        let stillServing = try await mcp.client.listTools()
        XCTAssertEqual(stillServing.tools.count, 5)
        let status = try await mcp.close()
        XCTAssertEqual(status, 0, mcp.stderr)
    }

    /// A waiting call reports progress while it waits, and when the client cancels it, stops
    /// waiting at once: the long poll in flight is aborted and the request nobody will act on
    /// is withdrawn.
    func testAWaitingCallReportsProgressAndStopsWhenTheClientCancels() async throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let mcp = try McpChild(sandbox, server)
        _ = try await mcp.connect()
        let alice = try sandbox.client(server, as: "alice")

        let asked = try await mcp.call("request_approval", ["kind": "deploy.production", "summary": "Deploy", "wait_seconds": 0])
        let id = try XCTUnwrap(try asked.object()["id"] as? String, asked.text)
        let token = ProgressToken.string("wait-1")
        let waiting = try await mcp.start("wait_for_decision", ["id": .string(id), "wait_seconds": 55], progressToken: token)
        try await eventuallyAsync("a progress notification about \(id)") {
            mcp.progress.all.contains { $0.progressToken == token && $0.total == 55 && $0.message?.hasPrefix("\(id) pending: 0/1") == true }
        }
        XCTAssertEqual(try alice.decide(try alice.action(id), .approve, reason: "go").status, 200)
        let approved = try await waiting.value
        XCTAssertEqual(try approved.object()["status"] as? String, "approved", approved.text)

        // No progress token: one long poll of 55 s, which only an aborted transfer ends sooner.
        let abandoned = try await mcp.start("request_approval", ["kind": "db.migrate", "summary": "Migrate", "wait_seconds": 55])
        let pending = try await pendingAction(sandbox, server, kind: "db.migrate")
        try await mcp.client.cancelRequest(abandoned.requestID, reason: "the user pressed Escape")
        try await eventuallyAsync(timeout: 15, "the abandoned request is withdrawn") { try alice.action(pending.id).status == .cancelled }
        XCTAssertTrue(mcp.process.isRunning)
        let after = try await mcp.call("get_action", ["id": .string(pending.id)])
        XCTAssertEqual(try after.object()["status"] as? String, "cancelled", after.text)
        let status = try await mcp.close()
        XCTAssertEqual(status, 0, mcp.stderr)
    }

    func testThePermissionPromptAllowsDeniesAndTimesOut() async throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let mcp = try McpChild(sandbox, server, options: ["--prompt-wait", "60"])
        _ = try await mcp.connect()
        let input: Value = ["command": "git push origin main", "timeout": 1.5, "run_in_background": false]

        let allowing = try await mcp.start("approval_prompt", ["tool_name": "Bash", "input": input, "tool_use_id": "toolu_1"])
        let push = try await pendingAction(sandbox, server, kind: "mcp.bash")
        XCTAssertEqual(push.command, "git push origin main")
        XCTAssertEqual(push.summary, "git push origin main")
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(push, .approve, reason: "release").status, 200)
        let allowed = try await allowing.value
        XCTAssertNil(allowed.isError)
        XCTAssertEqual(allowed.text, #"{"behavior":"allow","updatedInput":{"command":"git push origin main","run_in_background":false,"timeout":1.5}}"#)

        // Asked again for the same tool use: the same action answers, no second request is made.
        let again = try await mcp.call("approval_prompt", ["tool_name": "Bash", "input": input, "tool_use_id": "toolu_1"])
        XCTAssertEqual(again.text, allowed.text)
        struct Page: Decodable { var actions: [Action] }
        let all = try sandbox.client(server, as: "alice").get("/v1/actions").decode(Page.self).actions
        XCTAssertEqual(all.map(\.id), [push.id])

        let denying = try await mcp.start("approval_prompt", ["tool_name": "Bash", "input": ["command": "rm -rf /srv"], "tool_use_id": "toolu_2"])
        let remove = try await pendingAction(sandbox, server, kind: "mcp.bash")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(remove, .deny, reason: "not the data dir").status, 200)
        let denied = try await denying.value
        XCTAssertEqual(try denied.object() as NSDictionary, ["behavior": "deny", "message": "Tollgate \(remove.id) denied by bob: not the data dir"])
        let status = try await mcp.close()
        XCTAssertEqual(status, 0, mcp.stderr)

        let quick = try McpChild(sandbox, server, options: ["--prompt-wait", "1"])
        _ = try await quick.connect()
        let unanswered = try await quick.call("approval_prompt", ["tool_name": "Bash", "input": ["command": "make deploy"], "tool_use_id": "toolu_3"])
        let message = try XCTUnwrap(try unanswered.object()["message"] as? String, unanswered.text)
        XCTAssertEqual(try unanswered.object()["behavior"] as? String, "deny")
        let id = try XCTUnwrap(message.split(separator: " ").dropFirst().first.map(String.init), message)
        XCTAssertEqual(message, "Tollgate \(id) is still pending: no one decided within 1 s, so the tool use is refused")
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).status, .pending, "the action named stays for a later prompt of the same tool use")
        let quickStatus = try await quick.close()
        XCTAssertEqual(quickStatus, 0, quick.stderr)
    }

    // MARK: - Support

    /// The pending action of `kind`, once the tool has submitted it.
    private func pendingAction(_ sandbox: Sandbox, _ server: ServerProcess, kind: String) async throws -> Action {
        struct Page: Decodable { var actions: [Action] }
        let client = try sandbox.client(server, as: "alice")
        var found: Action?
        try await eventuallyAsync("a pending \(kind) action") {
            found = try client.get("/v1/actions?status=pending").decode(Page.self).actions.first { $0.kind == kind }
            return found != nil
        }
        return try XCTUnwrap(found)
    }
}
