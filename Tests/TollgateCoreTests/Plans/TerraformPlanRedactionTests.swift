import XCTest

@testable import TollgateCore

/// A JSON plan made approver-safe: no value a sensitivity mask marks survives, whatever the
/// masks' shape; only what the console renders is kept; and the console renders it as before.
final class TerraformPlanRedactionTests: XCTestCase {
    /// The rendered lines of a JSON plan, each with its kind.
    private func rendered(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let plan = try TerraformPlan(json: json)
        return (0..<plan.lineCount).map { "\(plan.line(at: $0).kind) \(plan.line(at: $0).text)" }
    }

    /// A plan of one resource change.
    private func plan(
        actions: String = #"["update"]"#, before: String, after: String, beforeSensitive: String = "{}", afterSensitive: String = "{}",
        extra: String = ""
    ) -> String {
        #"{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "type": "a", "name": "b", "change": {"#
            + #""actions": \#(actions), "before": \#(before), "after": \#(after), "after_unknown": {}, "#
            + #""before_sensitive": \#(beforeSensitive), "after_sensitive": \#(afterSensitive)}}]\#(extra)}"#
    }

    private func assertSafe(
        _ json: String, hides secrets: [String], keeps visible: [String] = [], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let redacted = try TerraformPlanRedaction.redact(json)
        for secret in secrets { XCTAssertFalse(redacted.contains(secret), "\(secret) left in \(redacted)", file: file, line: line) }
        for text in visible { XCTAssertTrue(redacted.contains(text), "\(text) lost from \(redacted)", file: file, line: line) }
        XCTAssertEqual(try rendered(redacted), try rendered(json), "the console shows the redacted plan differently", file: file, line: line)
    }

    func testTheSamplePlanKeepsNoSensitiveValueAndRendersAsBefore() throws {
        try assertSafe(
            PlanSamples.json, hides: ["hunter2-secret", "old-token", "new-token-value", "sk-live-123", "p@ss"],
            keeps: ["prod-main", "ami-0bb", "0.0.0.0/0", "rm -rf /var/cache/app"])
        let redacted = try TerraformPlanRedaction.redact(PlanSamples.json)
        XCTAssertEqual(try TerraformPlan(json: redacted).summary, try TerraformPlan(json: PlanSamples.json).summary)
    }

    func testNestedMasksInObjectsAndListsMarkEachValueTheyReach() throws {
        let json = plan(
            actions: #"["create"]"#, before: "null",
            after: #"{"users": [{"name": "ann", "pw": "s3cr3t-ann"}, {"name": "bob", "pw": "s3cr3t-bob"}], "#
                + #""keys": ["key-one-XYZ", "public-key"], "db": {"conn": {"url": "postgres://db", "password": "s3cr3t-nested"}}, "#
                + #""whole": {"a": "s3cr3t-whole-a", "b": ["s3cr3t-whole-b"]}}"#,
            afterSensitive: #"{"users": [{"pw": true}, {"pw": true}], "keys": [true, false], "db": {"conn": {"password": true}}, "whole": true}"#
        )
        try assertSafe(
            json, hides: ["s3cr3t-ann", "s3cr3t-bob", "key-one-XYZ", "s3cr3t-nested", "s3cr3t-whole-a", "s3cr3t-whole-b"],
            keeps: ["ann", "bob", "public-key", "postgres://db"])
    }

    func testAChangedSecretStillShowsAsChangedAndAnUnchangedOneAsUnchanged() throws {
        let json = plan(
            before: #"{"password": "s3cr3t-old", "token": "s3cr3t-same", "list": ["s3cr3t-1", "s3cr3t-2"], "name": "x"}"#,
            after: #"{"password": "s3cr3t-new", "token": "s3cr3t-same", "list": ["s3cr3t-0", "s3cr3t-1", "s3cr3t-2"], "name": "x"}"#,
            beforeSensitive: #"{"password": true, "token": true, "list": [true, true]}"#,
            afterSensitive: #"{"password": true, "token": true, "list": [true, true, true]}"#)
        try assertSafe(json, hides: ["s3cr3t-"])
        let lines = try rendered(try TerraformPlanRedaction.redact(json))
        XCTAssertTrue(lines.contains { $0.hasSuffix("~ password = (sensitive value)") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("token") }, "an unchanged secret is shown as changed: \(lines)")
        // The list gained one element at its head: one addition, two unchanged.
        XCTAssertTrue(lines.contains { $0.hasSuffix("# (2 unchanged elements hidden)") }, "\(lines)")
    }

    func testAValueEqualToTheSecretOnTheOtherSideIsThatSecret() throws {
        // Terraform marks only the new value; the old one, unmarked, is the same string.
        let json = plan(
            before: #"{"token": "s3cr3t-became-sensitive"}"#, after: #"{"token": "s3cr3t-became-sensitive"}"#,
            afterSensitive: #"{"token": true}"#)
        try assertSafe(json, hides: ["s3cr3t-became-sensitive"])
    }

    func testHostileMasksNeitherCrashNorLeak() throws {
        // A mask that says true where there is no value.
        try assertSafe(
            plan(before: #"{"a": "x"}"#, after: #"{"a": "y"}"#, beforeSensitive: #"{"absent": true, "a": false}"#, afterSensitive: "true"),
            hides: [#""y""#], keeps: [#""x""#])
        // Masks deeper than the value, or of another shape, that hold a true: the value goes whole.
        for mask in [#"{"a": {"b": {"c": true}}}"#, #"{"a": [true]}"#, #"{"a": [[false, {"x": true}]]}"#] {
            let json = plan(
                actions: #"["create"]"#, before: "null", after: #"{"a": "s3cr3t-scalar", "b": {"k": "s3cr3t-map"}}"#,
                afterSensitive: mask.replacingOccurrences(of: #"}}}"#, with: #"}}, "b": [true]}"#))
            let redacted = try TerraformPlanRedaction.redact(json)
            XCTAssertFalse(redacted.contains("s3cr3t-scalar"), "\(mask): \(redacted)")
        }
        // A mask array longer than the value marks only what is there; a shorter one nothing past its end.
        try assertSafe(
            plan(
                actions: #"["create"]"#, before: "null", after: #"{"l": ["s3cr3t-first", "visible"], "m": ["s3cr3t-m", "also-visible"]}"#,
                afterSensitive: #"{"l": [true, false, true, true, {"x": true}], "m": [true]}"#),
            hides: ["s3cr3t-first", "s3cr3t-m"], keeps: ["visible", "also-visible"])
        // Masks of no meaning (a string, a number) mark nothing, as the console reads them.
        try assertSafe(
            plan(before: #"{"a": "old"}"#, after: #"{"a": "new"}"#, beforeSensitive: #""yes""#, afterSensitive: #"{"a": 1}"#),
            hides: [], keeps: ["old", "new"])
        // Deep nesting stays within the parser's limits and is walked without trouble.
        let deep = String(repeating: #"{"n": "#, count: 60) + #""s3cr3t-deep""# + String(repeating: "}", count: 60)
        let deepMask = String(repeating: #"{"n": "#, count: 60) + "true" + String(repeating: "}", count: 60)
        try assertSafe(plan(actions: #"["create"]"#, before: "null", after: deep, afterSensitive: deepMask), hides: ["s3cr3t-deep"])
    }

    func testOnlyWhatTheConsoleRendersIsKept() throws {
        let json = plan(
            before: #"{"a": 1}"#, after: #"{"a": 2}"#,
            extra: #", "variables": {"db_password": {"value": "s3cr3t-variable"}}, "prior_state": {"values": {"v": "s3cr3t-state"}}, "#
                + #""planned_values": {"root_module": {"resources": [{"values": {"v": "s3cr3t-planned"}}]}}, "#
                + #""configuration": {"root_module": {"variables": {"x": {"default": "s3cr3t-config"}}}}, "#
                + #""resource_drift": [{"address": "a.b", "change": {"actions": ["update"], "before": {"v": "s3cr3t-drift"}}}], "#
                + #""relevant_attributes": [{"resource": "a.b", "attribute": ["v"]}], "checks": [{"status": "pass"}], "#
                + #""future_member": "s3cr3t-future", "terraform_version": "1.9.5", "applyable": true, "complete": true, "errored": false"#)
        try assertSafe(json, hides: ["s3cr3t-"])
        guard case .object(let members) = try PlanJSONValue.parse(try TerraformPlanRedaction.redact(json), maximumValues: 1000) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(
            members.keys.sorted(), ["applyable", "complete", "errored", "format_version", "resource_changes", "terraform_version"])
        // In a resource change too: generated_config and importing go, what names it stays.
        let entry =
            #"{"format_version": "1.2", "resource_changes": [{"address": "a.b", "index": "k", "provider_name": "p", "#
            + #""generated_config": "password = \"s3cr3t-generated\"", "change": {"actions": ["create"], "before": null, "#
            + #""after": {}, "importing": {"id": "s3cr3t-import"}}}]}"#
        let redacted = try TerraformPlanRedaction.redact(entry)
        XCTAssertEqual(
            redacted,
            #"{"format_version":"1.2","resource_changes":[{"address":"a.b","change":{"actions":["create"],"after":{},"before":null},"#
                + #""index":"k","provider_name":"p"}]}"#)
    }

    func testSensitiveOutputsAreMarked() throws {
        let json =
            #"{"format_version": "1.2", "planned_values": {}, "output_changes": {"#
            + #""db": {"actions": ["update"], "before": "s3cr3t-out-old", "after": "s3cr3t-out-new", "before_sensitive": true, "after_sensitive": true}, "#
            + #""conn": {"actions": ["create"], "before": null, "after": {"host": "db.internal", "pw": "s3cr3t-out-pw"}, "#
            + #""after_sensitive": {"pw": true}}, "ip": {"actions": ["create"], "before": null, "after": "10.0.0.1"}}}"#
        try assertSafe(json, hides: ["s3cr3t-"], keeps: ["db.internal", "10.0.0.1"])
    }

    func testAPlanThatChangesNothingStaysAPlan() throws {
        let json = #"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"values": {"v": "s3cr3t"}}]}}}"#
        let redacted = try TerraformPlanRedaction.redact(json)
        XCTAssertEqual(redacted, #"{"format_version":"1.2","resource_changes":[]}"#)
        XCTAssertNil(DiffFormat.problem(with: ActionDiff(title: "p", format: DiffFormat.terraformPlanJSON, text: redacted)))
    }

    func testWhatWasNotAPlanIsRefusedAfterRedactionWithTheSameMessage() throws {
        for text in [
            "[1, 2]", #"{"resource_changes": []}"#, #"{"format_version": 1, "resource_changes": []}"#,
            #"{"format_version": "1.2", "variables": {}}"#, #"{"format_version": "1.2", "resource_changes": "x"}"#,
            #"{"format_version": "1.2", "resource_changes": [7]}"#, #"{"format_version": "1.2", "resource_changes": [{"address": 1}]}"#,
            #"{"format_version": "1.2", "resource_changes": [{"address": "a", "change": []}]}"#,
            #"{"format_version": "1.2", "resource_changes": [{"address": "a", "change": {"actions": ["nuke"]}}]}"#,
            #"{"format_version": "1.2", "resource_changes": [], "output_changes": []}"#,
            #"{"format_version": "1.2", "resource_changes": [], "output_changes": {"o": 3}}"#,
        ] {
            let original = DiffFormat.problem(with: ActionDiff(title: "p", format: DiffFormat.terraformPlanJSON, text: text))
            XCTAssertNotNil(original, text)
            let redacted = try TerraformPlanRedaction.redact(text)
            XCTAssertEqual(DiffFormat.problem(with: ActionDiff(title: "p", format: DiffFormat.terraformPlanJSON, text: redacted)), original, text)
        }
        XCTAssertThrowsError(try DiffFormat.approverSafe(ActionDiff(title: "p", format: DiffFormat.terraformPlanJSON, text: "{"))) { error in
            XCTAssertEqual((error as? DiffFormat.DiffProblem)?.message, "text: not a Terraform JSON plan: not JSON (line 1, column 2)")
        }
        let unified = ActionDiff(title: "d", format: DiffFormat.unified, text: #"{"variables": "left alone"}"#)
        XCTAssertEqual(try DiffFormat.approverSafe(unified), unified)
    }

    func testRedactionIsStableAndNumbersKeepTheirSpelling() throws {
        let once = try TerraformPlanRedaction.redact(PlanSamples.json)
        XCTAssertEqual(try TerraformPlanRedaction.redact(once), once)
        let numbers = plan(before: #"{"n": 1.50, "e": 1e400, "s": "\"q\"\n\u0001é"}"#, after: #"{"n": -0.0, "e": 2, "s": "x"}"#)
        let redacted = try TerraformPlanRedaction.redact(numbers)
        XCTAssertTrue(redacted.contains(#""n":1.50"#) && redacted.contains(#""e":1e400"#) && redacted.contains(#""n":-0.0"#), redacted)
        XCTAssertTrue(redacted.contains(#""s":"\"q\"\n\u0001é""#), redacted)
    }

    func testRequestPlanFileSendsAJSONPlanRedacted() throws {
        let diff = try PlanFile.diff(Array(("\n" + PlanSamples.json).utf8), title: "plan.json")
        XCTAssertEqual(diff.format, DiffFormat.terraformPlanJSON)
        XCTAssertEqual(diff.text, try TerraformPlanRedaction.redact(PlanSamples.json))
        XCTAssertFalse(diff.text.contains("hunter2-secret"), diff.text)
    }

    func testOnlyTheMarkersThemselvesAreMarkers() {
        for text in ["(sensitive value)", "(sensitive value 2)", "(sensitive value 12)"] { XCTAssertTrue(TerraformPlanRedaction.isMarker(text), text) }
        for text in ["(sensitive value )", "(sensitive value x)", "(sensitive value 2) hunter2", "(sensitive values)", "sensitive value", "(sensitive value2)"]
        {
            XCTAssertFalse(TerraformPlanRedaction.isMarker(text), text)
        }
    }
}
