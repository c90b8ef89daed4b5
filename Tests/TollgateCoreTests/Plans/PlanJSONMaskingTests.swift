import XCTest

@testable import TollgateCore

/// The secret masker over a JSON plan: secrets in its strings are masked and the plan stays a
/// plan the server takes and the console shows.
final class PlanJSONMaskingTests: XCTestCase {
    /// A plan whose values the masker finds secrets in, none marked sensitive.
    static let plan = #"""
        {"format_version": "1.2", "resource_changes": [{"address": "aws_db_instance.main", "mode": "managed",
          "type": "aws_db_instance", "name": "main", "change": {"actions": ["update"],
          "before": {"password": "hunter2-before", "token": 12345678, "tags": {"AKIAIOSFODNN7EXAMPLE": "a", "AKIAI44QH8DHBEXAMPLE": "b"}},
          "after": {"password": "hunter2-after", "token": 87654321, "tags": {"AKIAIOSFODNN7EXAMPLE": "a"},
            "access_key": "AKIAIOSFODNN7EXAMPLE",
            "private_key_pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n",
            "script": "\nabcdefghijklmnopqrstuvwxyz0123 and \u00e9abcdefghijklmnopqrstuvwxyz",
            "user_data": "DB_PASSWORD=s3cr3t-in-script ./start", "pin": "(sensitive value 2)"},
          "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}]}
        """#

    private func masked(_ text: String) throws -> (text: String, count: Int) {
        let masker = try SecretMasker(extraPatterns: [("long-lowercase", "[a-z0-9]{20,}")])
        let request = ActionRequest(
            kind: "infra.apply", summary: "apply", diffs: [ActionDiff(title: "plan.json", format: DiffFormat.terraformPlanJSON, text: text)])
        let (result, count) = masker.mask(request)
        return (result.diffs[0].text, count)
    }

    func testMaskingAJSONPlanLeavesItAPlanWithNoSecretLeft() throws {
        let (text, count) = try masked(Self.plan)
        XCTAssertNil(
            DiffFormat.problem(with: ActionDiff(title: "plan.json", format: DiffFormat.terraformPlanJSON, text: text)), "masking broke the plan: \(text)")
        for secret in [
            "hunter2", "12345678", "87654321", "IOSFODNN7EXAMPLE", "I44QH8DHBEXAMPLE", "MIIEowIBAAKCAQEAu1SU1", "VTLw7onLRnrq0", "abcdefghijklmnop",
            "s3cr3t-in-script",
        ] {
            XCTAssertFalse(text.contains(secret), "\(secret) left in \(text)")
        }
        XCTAssertGreaterThanOrEqual(count, 9)
        // The key's armour, and what is no secret, stay readable.
        XCTAssertTrue(text.contains(#"-----BEGIN RSA PRIVATE KEY-----\n"#), text)
        XCTAssertTrue(text.contains(#"./start"#), text)
        // Two names masked alike stay two members.
        XCTAssertTrue(text.contains(#""tags":{"AKIA…[masked]":"b","AKIA…[masked] (2)":"a"}"#), text)
        // A marker of the plan's redaction holds no secret and is left as it is.
        XCTAssertTrue(text.contains(#""pin":"(sensitive value 2)""#), text)
        XCTAssertNoThrow(try TerraformPlan(json: text))
    }

    func testMaskingIsStableOnAMaskedPlan() throws {
        let once = try masked(Self.plan).text
        let twice = try masked(once)
        XCTAssertEqual(twice.text, once)
        XCTAssertEqual(twice.count, 0)
    }

    func testTextThatIsNotJSONIsMaskedAsText() throws {
        let (text, count) = try masked(#"{"password": "hunter2-broken"#)
        XCTAssertFalse(text.contains("hunter2"), text)
        XCTAssertEqual(count, 1)
    }
}
