import Foundation
import XCTest

/// `tollgate mcp` driven by the official Python MCP SDK (`mcp` on PyPI), which `make test`
/// installs into `.build/mcp-venv`: a second, independent client through the same exchange.
final class McpPythonClientTests: XCTestCase {
    func testThePythonSdkClientCompletesTheExchange() throws {
        let root = try TollgateBinary.packageRoot()
        let python = root.appendingPathComponent(".build/mcp-venv/bin/python")
        // Missing is a failure, not a skip: `make test` creates the venv before the tests run.
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return XCTFail("no MCP venv at \(python.path); `make test` creates it (make .build/mcp-venv/bin/mcp)")
        }
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let script = root.appendingPathComponent("Tests/TollgateIntegrationTests/Agents/python/mcp_exchange.py").path
        let run = try ChildProcess.run(
            python,
            [script, try TollgateBinary.url().path, "http://127.0.0.1:\(server.port)", try sandbox.tokenFile("agent-1"), try sandbox.token("alice")],
            in: sandbox.directory, timeout: 120)
        XCTAssertEqual(run.status, 0, "stderr: \(run.stderr.suffix(4000))")
        let observed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        XCTAssertEqual(observed["server"] as? String, "tollgate")
        XCTAssertEqual(observed["tools"] as? [String], ["request_approval", "wait_for_decision", "get_action", "cancel_request", "approval_prompt"])
        XCTAssertEqual(observed["pending"] as? String, "pending")
        XCTAssertTrue((observed["approved"] as? String)?.hasSuffix(" approved by alice: looks right") == true, "\(observed)")
        XCTAssertTrue((observed["progress"] as? [String])?.first?.contains(" pending: 0/1") == true, "a progress notification while waiting: \(observed)")
        XCTAssertTrue((observed["denied"] as? String)?.hasSuffix(" denied by alice: not today") == true, "\(observed)")
        XCTAssertEqual(observed["prompt"] as? NSDictionary, ["behavior": "allow", "updatedInput": ["command": "make release", "timeout": 2.5]])
        XCTAssertTrue((observed["bad"] as? String)?.contains("kind is required") == true, "\(observed)")
    }
}
