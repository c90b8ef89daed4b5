import XCTest

@testable import TollgateCore

/// The plan formats at the server's door: accepted like `unified`, a JSON plan read in full,
/// and covered by the digest.
final class PlanFormatTests: XCTestCase {
    private func request(_ diffs: [ActionDiff]) -> ActionRequest {
        ActionRequest(kind: "infra.apply", summary: "apply", diffs: diffs)
    }

    func testEveryFormatIsAccepted() {
        let diffs = [
            ActionDiff(title: "u", format: "unified", text: "@@ -1 +1 @@\n-a\n+b\n"),
            ActionDiff(title: "t", format: "terraform-plan", text: PlanSamples.coloured),
            ActionDiff(title: "j", format: "terraform-plan-json", text: PlanSamples.json),
        ]
        XCTAssertNil(request(diffs).validate(maxTTL: 3600))
    }

    func testAnUnknownFormatIsRefusedNamingTheDiff() {
        let diffs = [ActionDiff(title: "u", text: "x"), ActionDiff(title: "h", format: "html", text: "x")]
        XCTAssertEqual(request(diffs).validate(maxTTL: 3600), "diffs[1].format: expected unified, terraform-plan or terraform-plan-json")
    }

    func testAJSONPlanThatIsNotJSONOrNotAPlanIsRefusedSayingWhy() {
        let ok = ActionDiff(title: "ok", format: "terraform-plan-json", text: PlanSamples.json)
        let cases: [(String, String)] = [
            ("terraform plan output, not JSON", "diffs[1].text: not a Terraform JSON plan: not JSON (line 1, column 1)"),
            ("{\"format_version\": \"1.0\", \"values\": {}}", "diffs[1].text: not a Terraform JSON plan: not a plan: no resource_changes"),
            (
                "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": 3}]}",
                "diffs[1].text: not a Terraform JSON plan: resource_changes[0].address: expected a string"
            ),
        ]
        for (text, expected) in cases {
            let problem = request([ok, ActionDiff(title: "bad", format: "terraform-plan-json", text: text)]).validate(maxTTL: 3600)
            XCTAssertTrue(problem?.hasPrefix(expected) ?? false, "\(text): \(problem ?? "accepted")")
        }
        // The text format takes any text: it is shown as terraform printed it.
        XCTAssertNil(request([ActionDiff(title: "t", format: "terraform-plan", text: "{not json")]).validate(maxTTL: 3600))
    }

    func testTheDigestCoversTheFormat() {
        func action(_ format: String) -> Action {
            Action(
                id: "act_1", status: .pending, createdAt: Timestamp(milliseconds: 1_000), expiresAt: Timestamp(milliseconds: 2_000),
                resolvedAt: nil, requester: Requester(id: "ci", kind: .pipeline), kind: "infra.apply", summary: "apply",
                command: nil, resource: nil, environment: nil, risk: .high, policy: Policy(id: "p", reason: ""), justification: nil,
                context: [], diffs: [ActionDiff(title: "plan", format: format, text: PlanSamples.text)], requiredApprovals: 1,
                decisions: [], redactions: 0, digest: "")
        }
        // The same text read as a plan or as a diff is shown differently: a decision on one is no decision on the other.
        let digests = Set(DiffFormat.all.map { ActionDigest.compute(action($0)) })
        XCTAssertEqual(digests.count, 3)
        XCTAssertEqual(ActionDigest.compute(action("terraform-plan")), ActionDigest.compute(action("terraform-plan")))
    }
}
