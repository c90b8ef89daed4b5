import Foundation
import TollgateCore
import XCTest

/// Plans end to end: the real server takes both plan formats and refuses a JSON plan it could
/// not show; `tollgate request --plan-file` tells text from JSON and refuses a saved binary plan.
final class PlanFileTests: XCTestCase {
    static let textPlan = """
        Terraform will perform the following actions:

          # aws_db_instance.main will be destroyed
          - resource "aws_db_instance" "main" {
              - identifier = "prod-main" -> null
            }

        Plan: 0 to add, 0 to change, 1 to destroy.
        """

    static let jsonPlan = """
        {"format_version": "1.2", "planned_values": {},
         "resource_changes": [{"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
           "change": {"actions": ["delete", "create"], "before": {"ami": "ami-1"}, "after": {"ami": "ami-2"}}}]}
        """

    func testTheServerAcceptsBothPlanFormatsAndRefusesABadJSONPlanNamingTheDiff() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let request = ActionRequest(
            kind: "infra.apply", summary: "apply",
            diffs: [
                ActionDiff(title: "plan.txt", format: "terraform-plan", text: Self.textPlan),
                ActionDiff(title: "plan.json", format: "terraform-plan-json", text: Self.jsonPlan),
            ])
        let action = try agent.submit(request)
        XCTAssertEqual(action.diffs.map(\.format), ["terraform-plan", "terraform-plan-json"])
        XCTAssertEqual(try agent.action(action.id).diffs.map(\.text), [Self.textPlan, try TerraformPlanRedaction.redact(Self.jsonPlan)])
        XCTAssertTrue(ActionDigest.verify(action))

        for (text, why) in [
            ("Plan: 1 to add", "not JSON (line 1, column 1)"),
            (#"{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {"actions": ["nuke"]}}]}"#, "resource_changes[0].change.actions"),
        ] {
            var bad = request
            bad.diffs[1].text = text
            let refused = try agent.send("POST", "/v1/actions", body: Fixtures.json(bad))
            let error = try assertProtocolError(refused, .badRequest)
            XCTAssertTrue(error.message.hasPrefix("diffs[1].text: not a Terraform JSON plan: "), error.message)
            XCTAssertTrue(error.message.contains(why), error.message)
        }
    }

    func testRequestPlanFileSendsTextAndJSONPlansTitledByFileName() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let text = sandbox.directory.appendingPathComponent("plan.txt")
        let json = sandbox.directory.appendingPathComponent("plan.json")
        try Self.textPlan.write(to: text, atomically: true, encoding: .utf8)
        try ("\n  " + Self.jsonPlan).write(to: json, atomically: true, encoding: .utf8)
        let run = try TollgateBinary.run(
            ["request", "--kind", "infra.apply", "--summary", "apply", "--plan-file", text.path, "--plan-file", json.path]
                + sandbox.connection(server, as: "agent-1"), in: sandbox.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let action = try sandbox.client(server, as: "alice").action(id)
        XCTAssertEqual(action.diffs.map(\.title), ["plan.txt", "plan.json"])
        XCTAssertEqual(action.diffs.map(\.format), ["terraform-plan", "terraform-plan-json"])
        XCTAssertEqual(TerraformPlan(diff: action.diffs[0])?.summary.destroyed, ["aws_db_instance.main"])
        XCTAssertEqual(TerraformPlan(diff: action.diffs[1])?.summary.replaced, ["aws_instance.web"])
    }

    func testRequestPlanFileRefusesASavedBinaryPlanAndABadJSONPlanBeforeSending() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let binary = sandbox.directory.appendingPathComponent("plan.tfplan")
        try Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00, 0x00, 0x00]).write(to: binary)
        let broken = sandbox.directory.appendingPathComponent("broken.json")
        try #"{"format_version": "1.2"}"#.write(to: broken, atomically: true, encoding: .utf8)
        for (file, expected) in [
            (binary, "tollgate: --plan-file \(binary.path): a saved binary plan; send its text: terraform show -no-color plan.tfplan"),
            (broken, "tollgate: --plan-file \(broken.path): not a Terraform JSON plan: not a plan: no resource_changes or planned_values"),
        ] {
            let run = try TollgateBinary.run(
                ["request", "--kind", "infra.apply", "--summary", "apply", "--plan-file", file.path] + sandbox.connection(server, as: "agent-1"),
                in: sandbox.directory)
            XCTAssertEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.hasPrefix(expected), run.stderr)
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line: \(run.stderr)")
        }
        struct Page: Decodable { var actions: [Action] }
        XCTAssertEqual(try sandbox.client(server, as: "alice").get("/v1/actions").decode(Page.self).actions.count, 0, "nothing was sent")
    }
}
