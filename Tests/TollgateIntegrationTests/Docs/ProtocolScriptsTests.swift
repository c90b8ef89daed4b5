import Foundation
import TollgateCore
import TollgateServer
import XCTest

/// protocol.md's scripts, taken from the page itself, agree with the server: the Python
/// one-liner recomputes every action's digest, and `verify_audit.py` verifies the chain, on
/// actions with and without a policy rule, auto-resolved and broken open.
class ProtocolScriptsTests: LedgerBackendTestCase {
    private static let policy = """
        [[policy]]
        id = "prod-iam"
        reason = "IAM changes in production need security"
        kinds = ["iam.*"]
        risk = "critical"
        approvals = 2
        groups = { security = 1 }
        max_ttl_seconds = 1800

        [[policy]]
        id = "staging-restarts"
        reason = "restarts in staging are routine"
        kinds = ["infra.restart"]
        outcome = "approve"
        """

    private static let principals: [TestPrincipal] = [
        TestPrincipal(id: "agent-1", roles: [.agent]),
        TestPrincipal(id: "alice", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "carol", roles: [.approver], groups: ["security"]),
        TestPrincipal(id: "glass", roles: [.approver, .breakglass]),
        TestPrincipal(id: "audrey", roles: [.auditor]),
    ]

    /// The text of protocol.md.
    private static func page() throws -> String {
        try String(contentsOf: TollgateBinary.packageRoot().appendingPathComponent("docs/protocol.md"), encoding: .utf8)
    }

    /// The digest one-liner: the page's `python3 -c '…'` line.
    private static func digestOneLiner() throws -> String {
        let lines = try page().split(separator: "\n", omittingEmptySubsequences: false)
        let found = lines.filter { $0.hasPrefix("python3 -c 'import sys,json,hashlib") }
        guard found.count == 1, let line = found.first else { throw HTTPClientError("protocol.md has \(found.count) digest one-liners") }
        return String(line)
    }

    /// `verify_audit.py`: the python block after "with `verify_audit.py`:".
    private static func verifyScript() throws -> String {
        let text = try page()
        guard let marker = text.range(of: "with `verify_audit.py`:"),
            let start = text.range(of: "```python\n", range: marker.upperBound..<text.endIndex),
            let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { throw HTTPClientError("protocol.md has no verify_audit.py block") }
        return String(text[start.upperBound..<end.lowerBound])
    }

    private static func shell(_ command: String, in directory: URL) throws -> TollgateBinary.Run {
        try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: directory, timeout: 60)
    }

    func testTheDigestOneLinerAndTheAuditVerifierAgreeWithTheServer() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-protocol-scripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let oneLiner = try Self.digestOneLiner()
        let verifier = try Self.verifyScript()
        let rules = try PolicyFile.parse(text: Self.policy, file: "policy.toml")
        let server = try await InProcessServer.make(self, principals: Self.principals) { $0.policy = rules }
        let long = "the primary is down and only this grant restores it"
        try await server.run { api in
            var texts: [String] = []
            let grant = try await api.submit(
                ActionRequest(kind: "iam.grant", summary: "grant ünïcode 🚀\ttab", environment: "production", risk: .low, ttlSeconds: 600))
            let decided = try await api.decide(grant, .approve, as: "glass", reason: long, breakGlass: true)
            texts.append(decided.text)
            let restart = try await api.submitResponse(ActionRequest(kind: "infra.restart", summary: "restart web"))
            texts.append(restart.text)
            let plain = try await api.submitResponse(
                ActionRequest(kind: "data.export", summary: "no rule matches", policy: Policy(id: "mine", reason: "asked")))
            texts.append(plain.text)
            let two = try await api.submit(ActionRequest(kind: "iam.revoke", summary: "two people", environment: "production"))
            _ = try await api.decide(two, .approve, as: "alice", reason: "sre")
            texts.append(try await api.decide(two, .approve, as: "carol", reason: "security").text)

            for (n, text) in texts.enumerated() {
                let action = try Action(json: text)
                let file = directory.appendingPathComponent("action-\(n).json")
                try text.write(to: file, atomically: true, encoding: .utf8)
                let run = try Self.shell(oneLiner + " < " + file.path, in: directory)
                XCTAssertEqual(run.status, 0, run.stderr)
                XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), action.digest, "action \(n): \(text.prefix(200))")
            }

            let audit = try await api.get("/v1/audit", as: "audrey")
            XCTAssertEqual(audit.text.split(separator: "\n").count, 3, "break-glass, auto-approve, two-person")
            XCTAssertTrue(audit.text.contains("\"break_glass\":true"))
            XCTAssertTrue(audit.text.contains("\"approver\":\"policy:staging-restarts\""))
            let records = directory.appendingPathComponent("audit.ndjson")
            try audit.text.write(to: records, atomically: true, encoding: .utf8)
            let script = directory.appendingPathComponent("verify_audit.py")
            try verifier.write(to: script, atomically: true, encoding: .utf8)
            let verified = try Self.shell("python3 \(script.path) < \(records.path)", in: directory)
            XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
            XCTAssertTrue(verified.stdout.hasPrefix("intact: 3 records"), verified.stdout)

            // The break-glass mark is covered: a record rewritten as an ordinary approval fails.
            let forged = audit.text.replacingOccurrences(of: "\"break_glass\":true,", with: "")
            XCTAssertNotEqual(forged, audit.text)
            try forged.write(to: records, atomically: true, encoding: .utf8)
            let refused = try Self.shell("python3 \(script.path) < \(records.path)", in: directory)
            XCTAssertNotEqual(refused.status, 0, "a record without its break-glass mark no longer verifies")
        }
    }
}
