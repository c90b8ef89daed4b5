import XCTest

@testable import TollgateCore

final class TerraformPlanTests: XCTestCase {
    // MARK: - Text plans

    func testTextPlanSummaryCountsPlannedChangesNotDrift() {
        let plan = TerraformPlan(text: PlanSamples.text)
        XCTAssertEqual(plan.summary.add, 1)
        XCTAssertEqual(plan.summary.change, 1)
        XCTAssertEqual(plan.summary.replace, 1)
        XCTAssertEqual(plan.summary.destroy, 2)
        XCTAssertEqual(plan.summary.destroyed, ["aws_db_instance.main", "aws_instance.old"])
        XCTAssertEqual(plan.summary.replaced, ["aws_instance.web"])
        XCTAssertEqual(plan.summary.text, "1 to add, 1 to change, 1 to replace, 2 to destroy")
        // The drift section's "has been changed" is no planned change.
        XCTAssertFalse(plan.resources.contains { $0.address == "aws_s3_bucket.logs" })
    }

    func testTextPlanLinesKeepTheirTextAndKinds() {
        let plan = TerraformPlan(text: PlanSamples.text)
        let lines = PlanSamples.text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(plan.lineCount, lines.count)
        XCTAssertEqual(plan.map { String($0.text) }, lines.map(String.init))
        func kind(of text: String) -> PlanLine.Kind? { plan.first { $0.text == text }?.kind }
        XCTAssertEqual(kind(of: "  # aws_db_instance.main will be destroyed"), .heading)
        XCTAssertEqual(kind(of: "  - resource \"aws_db_instance\" \"main\" {"), .removed)
        XCTAssertEqual(kind(of: "-/+ resource \"aws_instance\" \"web\" {"), .replaced)
        XCTAssertEqual(kind(of: "  + resource \"aws_subnet\" \"private\" {"), .added)
        XCTAssertEqual(kind(of: "                  - \"10.0.0.0/8\","), .removed)
        XCTAssertEqual(kind(of: "        # (12 unchanged attributes hidden)"), .context)
        XCTAssertEqual(kind(of: "        name                   = \"web\""), .context)
        XCTAssertEqual(kind(of: "Plan: 2 to add, 1 to change, 3 to destroy."), .heading)
        XCTAssertEqual(kind(of: "  ~ web_ip = \"10.0.0.5\" -> (known after apply)"), .changed)
        // Lines belong to the resource whose heading precedes them.
        let web = plan.resources.firstIndex { $0.address == "aws_instance.web" }
        XCTAssertEqual(plan.first { $0.text.contains("\"ami-0aa\" -> \"ami-0bb\"") }?.resourceIndex, web)
    }

    func testColouredTextReadsAsThePlainText() {
        let plain = TerraformPlan(text: PlanSamples.text)
        let coloured = TerraformPlan(text: PlanSamples.coloured)
        XCTAssertNotEqual(PlanSamples.coloured, PlanSamples.text)
        XCTAssertEqual(coloured.map(\.kind), plain.map(\.kind))
        XCTAssertEqual(coloured.map { String($0.text) }, plain.map { String($0.text) })
        XCTAssertEqual(coloured.summary, plain.summary)
    }

    func testColourCodesDoNotMakeAMarker() {
        // The marker is read from the text, never from the colour around it.
        let plan = TerraformPlan(text: "\u{1B}[32m  x = 1\u{1B}[0m\n\u{1B}[31m\u{1B}[0m  - y = 2\n  \u{1B}]8;;x\u{07}+ z")
        XCTAssertEqual(plan.map(\.kind), [.context, .removed, .context])
        // Only colour codes go; other escape sequences stay for the sanitiser to show.
        XCTAssertEqual(plan.line(at: 2).text, "  \u{1B}]8;;x\u{07}+ z")
    }

    func testCRLFTextAndHeadingsDeepInAHeredocAreNotResources() {
        let text =
            "  # aws_a.b will be created\r\n  + resource \"aws_a\" \"b\" {\r\n      + user_data = <<-EOT\r\n            # aws_c.d will be destroyed\r\n        EOT\r\n    }\r\n"
        let plan = TerraformPlan(text: text)
        XCTAssertEqual(plan.resources.map(\.address), ["aws_a.b"])
        XCTAssertEqual(plan.line(at: 1).text, "  + resource \"aws_a\" \"b\" {")
    }

    func testHostileTextStaysLinear() {
        // 40,000 lines of markers and headings: every line parsed once, nothing quadratic.
        var text = ""
        for i in 0..<10_000 { text += "  # aws_x.r\(i) will be destroyed\n  - resource \"x\" {\n\u{1B}[31m-\u{1B}[0m a\n}\n" }
        let plan = TerraformPlan(text: text)
        XCTAssertEqual(plan.lineCount, 40_000)
        XCTAssertEqual(plan.summary.destroy, 10_000)
        XCTAssertEqual(plan.resource(after: 0), 4)
        XCTAssertEqual(plan.resource(before: 9), 8)
    }

    // MARK: - JSON plans

    func testJSONPlanSummary() throws {
        let plan = try TerraformPlan(json: PlanSamples.json)
        XCTAssertEqual(plan.summary.add, 1)
        XCTAssertEqual(plan.summary.change, 2)
        XCTAssertEqual(plan.summary.replace, 2)
        XCTAssertEqual(plan.summary.destroy, 1)
        XCTAssertEqual(plan.summary.read, 1)
        XCTAssertEqual(plan.summary.destroyed, ["aws_db_instance.main"])
        XCTAssertEqual(plan.summary.replaced, ["aws_instance.web", "aws_instance.cache"])
        XCTAssertFalse(plan.resources.contains { $0.address == "aws_s3_bucket.unchanged" })
    }

    func testJSONPlanRendersInTerraformsStyle() throws {
        let plan = try TerraformPlan(json: PlanSamples.json)
        let rendered = plan.map { "\($0.kind) \($0.text)" }.joined(separator: "\n")
        for expected in [
            "heading   # aws_db_instance.main will be destroyed",
            "removed   - resource \"aws_db_instance\" \"main\" {",
            "removed       - allocated_storage = 20 -> null",
            "removed       - password          = (sensitive value) -> null",
            "heading   # aws_instance.web must be replaced",
            "replaced -/+ resource \"aws_instance\" \"web\" {",
            "changed       ~ ami           = \"ami-0aa\" -> \"ami-0bb\" # forces replacement",
            "changed       ~ id            = \"i-0123\" -> (known after apply)",
            "context         # (1 unchanged attribute hidden)",
            "replaced +/- resource \"aws_instance\" \"cache\" {",
            "removed                   - \"10.0.0.0/8\",",
            "added                   + \"0.0.0.0/0\",",
            "added           + Owner = \"ops\"",
            "changed       ~ token  = (sensitive value)",
            "heading   # module.net.aws_subnet.private[\"b\"] will be created",
            "added       + user_data   = <<-EOT",
            "added             rm -rf /var/cache/app",
            "added       + id          = (known after apply)",
            "added           + api_key = (sensitive value)",
            "read  <= data \"aws_caller_identity\" \"current\" {",
            "heading Changes to Outputs:",
            "added   + db_password = (sensitive value)",
            "changed   ~ web_ip = \"10.0.0.5\" -> (known after apply)",
            "heading Plan: 1 to add, 2 to change, 2 to replace, 1 to destroy, 1 to read.",
        ] {
            XCTAssertTrue(rendered.contains(expected), "missing: \(expected)")
        }
    }

    func testSensitiveValuesNeverRenderInClear() throws {
        let plan = try TerraformPlan(json: PlanSamples.json)
        for secret in ["hunter2-secret", "old-token", "new-token-value", "sk-live-123", "p@ss"] {
            XCTAssertFalse(plan.contains { $0.text.contains(secret) }, secret)
        }
    }

    func testRenderedHeadingsReadBackAsTheSameResources() throws {
        // The text parser and the renderer agree on what a heading says.
        let plan = try TerraformPlan(json: PlanSamples.json)
        let text = plan.map { String($0.text) }.joined(separator: "\n")
        XCTAssertEqual(TerraformPlan(text: text).resources, plan.resources)
    }

    func testNotAPlanIsRefusedSayingWhy() {
        let cases: [(String, String)] = [
            ("", "not JSON: the text is empty"),
            ("{\"format_version\": \"1.2\",\n \"resource_changes\": [}", "not JSON (line 2, column"),
            ("[1, 2]", "not a plan: expected a JSON object, found an array"),
            ("{\"resource_changes\": []}", "not a plan: format_version: expected a string"),
            ("{\"format_version\": \"1.0\", \"values\": {}}", "not a plan: no resource_changes or planned_values"),
            ("{\"format_version\": \"1.2\", \"resource_changes\": {}}", "resource_changes: expected an array"),
            ("{\"format_version\": \"1.2\", \"resource_changes\": [{\"change\": {}}]}", "resource_changes[0].address: expected a string"),
            (
                "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"a.b\", \"change\": {\"actions\": []}}]}",
                "resource_changes[0].change.actions: expected a non-empty array"
            ),
            (
                "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"a.b\", \"change\": {\"actions\": [\"obliterate\"]}}]}",
                "resource_changes[0].change.actions: expected no-op, create, read, update, delete or forget"
            ),
            ("{\"format_version\": \"1.2\", \"format_version\": \"1.3\", \"resource_changes\": []}", "a member name appears twice"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try TerraformPlan(json: json), json) { error in
                let message = (error as? TerraformPlanError)?.message ?? ""
                XCTAssertTrue(message.hasPrefix(expected), "\(json): \(message)")
            }
        }
    }

    func testDeepNestingAndTooManyValuesAreRefused() {
        let deep = String(repeating: "[", count: 101) + String(repeating: "]", count: 101)
        XCTAssertThrowsError(try TerraformPlan(json: "{\"format_version\": \"1\", \"planned_values\": \(deep)}")) {
            XCTAssertTrue(($0 as? TerraformPlanError)?.message.hasPrefix("nested deeper than 100 levels") ?? false, "\($0)")
        }
        let nested99 = String(repeating: "[", count: 98) + String(repeating: "]", count: 98)
        XCTAssertNoThrow(try TerraformPlan(json: "{\"format_version\": \"1\", \"planned_values\": \(nested99)}"))
        let many = "[" + Array(repeating: "0", count: TerraformPlanJSON.maximumValues).joined(separator: ",") + "]"
        XCTAssertThrowsError(try TerraformPlan(json: "{\"format_version\": \"1\", \"planned_values\": \(many)}")) {
            XCTAssertTrue(($0 as? TerraformPlanError)?.message.hasPrefix("more than 1000000 JSON values") ?? false, "\($0)")
        }
    }

    func testDeepValuesRenderWithinTheLimits() throws {
        // 90 levels of objects in an attribute, 2,000 times: indentation stops growing, and the
        // rendering stops at its limits while the summary still counts every resource.
        let deep = String(repeating: "{\"a\":", count: 90) + "\"x\"" + String(repeating: "}", count: 90)
        let change = "{\"address\": \"x.y\", \"change\": {\"actions\": [\"create\"], \"after\": {\"v\": \(deep)}}}"
        let json = "{\"format_version\": \"1\", \"resource_changes\": [" + Array(repeating: change, count: 2_500).joined(separator: ",") + "]}"
        let plan = try TerraformPlan(json: json)
        XCTAssertEqual(plan.summary.add, 2_500)
        XCTAssertEqual(plan.lineCount, TerraformPlanRenderer.maximumLines)
        let last = plan.lineCount - 1
        let widest = plan.dropLast().map { $0.text.utf8.count }.max() ?? 0
        XCTAssertLessThanOrEqual(widest, 4 * TerraformPlanRenderer.maximumIndent + 20)
        XCTAssertTrue(plan.line(at: last).text.hasPrefix("… the rendering stops here"), "\(plan.line(at: last).text)")
        XCTAssertEqual(plan.resources.last?.headingLine, last)
    }

    func testDiffFormatPicksTheParser() {
        XCTAssertNil(TerraformPlan(diff: ActionDiff(title: "d", format: "unified", text: "@@ -1 +1 @@")))
        XCTAssertEqual(TerraformPlan(diff: ActionDiff(title: "p", format: "terraform-plan", text: PlanSamples.text))?.summary.destroy, 2)
        XCTAssertEqual(TerraformPlan(diff: ActionDiff(title: "p", format: "terraform-plan-json", text: PlanSamples.json))?.summary.destroy, 1)
        let broken = TerraformPlan(diff: ActionDiff(title: "p", format: "terraform-plan-json", text: "{\"a\":\r\n1"))
        XCTAssertEqual(broken?.map { String($0.text) }.dropFirst(), ["{\"a\":", "1"])
        XCTAssertEqual(broken?.first?.kind, .heading)
        XCTAssertTrue(broken?.first?.text.hasPrefix("not a Terraform JSON plan: not JSON") ?? false)
    }
}
