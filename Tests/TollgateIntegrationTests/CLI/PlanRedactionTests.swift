import Foundation
import TollgateCore
import XCTest

/// The attack: an agent submits `terraform show -json` output as it is, sensitive values in clear
/// under names no secret rule knows. The real server must keep none of them: not in its answer,
/// the action, the list, the feed, `tollgate watch`, the audit log or its own log.
final class PlanRedactionTests: XCTestCase {
    /// Every value terraform marks sensitive here, and the variables, state and configuration
    /// that carry them again, under names (`value`, `init_script`, `conn`) no masking rule knows.
    static let secrets = [
        "s3cr3t-db-password-XYZ", "s3cr3t-init-script-XYZ", "s3cr3t-old-script-XYZ", "s3cr3t-output-XYZ", "s3cr3t-variable-XYZ",
        "s3cr3t-prior-state-XYZ", "s3cr3t-planned-XYZ", "s3cr3t-config-XYZ", "s3cr3t-nested-XYZ",
    ]

    static let plan = #"""
        {"format_version": "1.2", "terraform_version": "1.9.5",
         "variables": {"db_password": {"value": "s3cr3t-variable-XYZ"}},
         "planned_values": {"root_module": {"resources": [{"address": "aws_db_instance.main",
           "values": {"value": "s3cr3t-planned-XYZ"}, "sensitive_values": {"value": true}}]}},
         "prior_state": {"values": {"root_module": {"resources": [{"values": {"value": "s3cr3t-prior-state-XYZ"}}]}}},
         "configuration": {"root_module": {"variables": {"db_password": {"default": "s3cr3t-config-XYZ", "sensitive": true}}}},
         "resource_changes": [
           {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
            "change": {"actions": ["update"],
              "before": {"identifier": "prod-main", "value": "s3cr3t-db-password-XYZ", "init_script": "s3cr3t-old-script-XYZ",
                         "conn": [{"host": "db.internal", "value": "s3cr3t-nested-XYZ"}]},
              "after": {"identifier": "prod-main", "value": "s3cr3t-db-password-XYZ", "init_script": "s3cr3t-init-script-XYZ",
                        "conn": [{"host": "db.internal", "value": "s3cr3t-nested-XYZ"}]},
              "after_unknown": {},
              "before_sensitive": {"value": true, "init_script": true, "conn": [{"value": true}]},
              "after_sensitive": {"value": true, "init_script": true, "conn": [{"value": true}]}}}],
         "output_changes": {"db_value": {"actions": ["create"], "before": null, "after": "s3cr3t-output-XYZ",
           "after_unknown": false, "before_sensitive": false, "after_sensitive": true}}}
        """#

    private func assertNoSecret(_ text: String, in place: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in Self.secrets {
            XCTAssertFalse(text.contains(secret), "\(secret) reached \(place)", file: file, line: line)
        }
    }

    func testNoSensitiveValueOfAJSONPlanLeavesTheServer() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig)
        // The most talkative log the server writes.
        let server = try ServerProcess(
            arguments: [
                "--listen", "127.0.0.1:0", "--db", sandbox.databasePath, "--tokens", sandbox.tokensPath, "--config", sandbox.configPath,
                "--log-level", "trace",
            ],
            stderrPath: sandbox.directory.appendingPathComponent("server-trace.log").path)
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        _ = try feed.readUntilSync()
        let watch = try Spawned(["watch", "--format", "json"] + sandbox.connection(server, as: "bob"), in: sandbox.directory)

        let agent = try sandbox.client(server, as: "agent-1")
        let request = ActionRequest(
            kind: "infra.apply", summary: "terraform apply",
            diffs: [ActionDiff(title: "plan.json", format: DiffFormat.terraformPlanJSON, text: Self.plan)])
        let submitted = try agent.send("POST", "/v1/actions", body: Fixtures.json(request))
        XCTAssertEqual(submitted.status, 201, submitted.text)
        assertNoSecret(submitted.text, in: "the submit answer")
        let action = try submitted.action()
        XCTAssertTrue(ActionDigest.verify(action))

        let alice = try sandbox.client(server, as: "alice")
        assertNoSecret(try alice.get("/v1/actions/\(action.id)").text, in: "GET /v1/actions/{id}")
        assertNoSecret(try alice.get("/v1/actions").text, in: "the list")
        assertNoSecret(try alice.get("/v1/actions?status=pending").text, in: "the pending list")

        // The console still shows what changed, the secrets as terraform shows them.
        guard let plan = TerraformPlan(diff: try alice.action(action.id).diffs[0]) else { return XCTFail("the stored plan is no plan") }
        let lines = (0..<plan.lineCount).map { String(plan.line(at: $0).text) }
        XCTAssertTrue(lines.contains { $0.hasSuffix("~ init_script = (sensitive value)") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasSuffix("+ db_value = (sensitive value)") }, lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.contains("~ value") }, "an unchanged secret shown as changed: \(lines)")

        // Watch has the action before it is decided, so it prints the decision as an event.
        try eventually("watch printed the pending action") { watch.stdout.contains(action.id) }
        XCTAssertEqual(try alice.decide(action, .approve, reason: "reviewed").status, 200)
        _ = try feed.waitForAction { $0.id == action.id && $0.status == .approved }
        assertNoSecret(feed.transcriptText, in: "the feed")
        try eventually("watch printed the approval") { watch.stdout.contains(#""status":"approved""#) && watch.stdout.contains(action.id) }
        assertNoSecret(watch.stdout + watch.stderr, in: "tollgate watch --format json")

        let audit = try sandbox.client(server, as: "audrey").get("/v1/audit")
        XCTAssertEqual(audit.status, 200, audit.text)
        XCTAssertTrue(audit.text.contains(action.id), audit.text)
        assertNoSecret(audit.text, in: "the audit log")

        watch.kill(SIGTERM)
        try watch.wait(timeout: 10)
        feed.close()
        _ = try server.stop()
        let log = try String(contentsOfFile: server.stderrPath, encoding: .utf8)
        XCTAssertFalse(log.isEmpty, "the trace log is empty")
        assertNoSecret(log, in: "the server's log")
    }
}
