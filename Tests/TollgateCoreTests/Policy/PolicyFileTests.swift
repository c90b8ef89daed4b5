import TollgateCore
import XCTest

/// Reading `[[policy]]` tables: the issue's exact shape, and every mistake as `file:line: key: message`.
final class PolicyFileTests: XCTestCase {
    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try PolicyFile.parse(text: text, file: "server.toml")
            XCTFail("no error for:\n\(text)", file: file, line: line)
            return nil
        } catch {
            return error.description
        }
    }

    private let head = "[[policy]]\nid = \"r\"\nreason = \"why\"\n"

    func testTheIssuesShapeReads() throws {
        let policy = try PolicyFile.parse(text: PolicyEvaluationTests.sample, file: "server.toml")
        XCTAssertEqual(policy.rules.map(\.id), ["prod-iam", "staging-restarts", "no-prod-secret-reads", "data-exports", "everything-else"])
        let iam = policy.rules[0]
        XCTAssertEqual(iam.reason, "IAM changes in production need SRE and security")
        XCTAssertEqual(iam.kinds?.patterns.map(\.text), ["iam.*"])
        XCTAssertEqual(iam.environments?.patterns.map(\.text), ["production"])
        XCTAssertNil(iam.resources)
        XCTAssertNil(iam.requesters)
        XCTAssertEqual(iam.risk, .critical)
        XCTAssertEqual(iam.approvals, 2)
        XCTAssertEqual(iam.groups, [GroupMinimum(group: "security", count: 1)])
        XCTAssertEqual(iam.maxTTLSeconds, 1800)
        XCTAssertTrue(iam.justificationRequired)
        XCTAssertEqual(iam.outcome, .review)
        XCTAssertEqual(iam.line, 1)
        XCTAssertEqual(policy.rules[1].outcome, .approve)
        XCTAssertFalse(policy.rules[1].justificationRequired, "optional is the default")
        XCTAssertEqual(policy.rules[2].requesters?.patterns.map(\.text), ["agent:*", "*-bot"])
        XCTAssertEqual(policy.rules[2].outcome, .deny)
        XCTAssertTrue(policy.rules[4].matchesEverything)
        XCTAssertEqual(policy.rules[4].outcome, .review, "review is the default")
    }

    func testGroupsAsASubTableAndInOrder() throws {
        let policy = try PolicyFile.parse(text: head + "approvals = 3\n[policy.groups]\nsre = 1\nsecurity = 2\n", file: "f")
        XCTAssertEqual(policy.rules[0].groups, [GroupMinimum(group: "sre", count: 1), GroupMinimum(group: "security", count: 2)])
        XCTAssertEqual(policy.rules[0].approvalsFloor, 3)
    }

    /// The issue: the total is still at least `approvals`, and at least the groups' sum.
    func testApprovalsBelowTheGroupsSumIsRaisedToIt() throws {
        let rule = try PolicyFile.parse(text: head + "approvals = 1\ngroups = { security = 1, sre = 1 }\n", file: "f").rules[0]
        XCTAssertEqual(rule.approvals, 1)
        XCTAssertEqual(rule.approvalsFloor, 2)
    }

    func testOtherTablesAreLeftToTheServer() throws {
        let text = "listen = \"127.0.0.1:1\"\n[feed]\nbogus = 1\n[masking]\nwhatever = true\n" + head
        XCTAssertEqual(try PolicyFile.parse(text: text, file: "f").rules.map(\.id), ["r"])
        // The server's own reader reads `policy` through `read` and still refuses what it does not know.
        var root = try ConfigReader.parse("surprise = 1\n" + head, file: "server.toml")
        XCTAssertEqual(try PolicyFile.read(&root).rules.count, 1)
        XCTAssertThrowsError(try root.finish()) { XCTAssertEqual("\($0)", "server.toml:1: surprise: unknown key") }
        var clean = try ConfigReader.parse(head, file: "server.toml")
        _ = try PolicyFile.read(&clean)
        XCTAssertNoThrow(try clean.finish(), "policy is marked as read")
    }

    func testNoPolicyIsAnEmptySet() throws {
        XCTAssertEqual(try PolicyFile.parse(text: "[feed]\nretry_ms = 5\n", file: "f").rules, [])
    }

    func testEveryMistakeNamesFileLineAndKey() {
        let cases: [(String, String)] = [
            (head + "kindz = [\"iam.*\"]\n", "server.toml:4: policy[1].kindz: unknown key"),
            (
                head + "kinds = [\"iam.[a]\"]\n",
                "server.toml:4: policy[1].kinds: bad pattern \"iam.[a]\": has [, which is not special here: only * and ? are, and [ ] { } \\ are refused so no one expects them to be"
            ),
            (
                head + "environments = [\"Production\"]\n",
                "server.toml:4: policy[1].environments: bad pattern \"Production\": is compared folded (case, width, trailing dots); write it as \"production\""
            ),
            (head + "requesters = [\"agent *\"]\n", "server.toml:4: policy[1].requesters: bad pattern \"agent *\": must not contain white space (U+0020)"),
            (head + "resources = [\"\"]\n", "server.toml:4: policy[1].resources: bad pattern \"\": is empty"),
            (head + "kinds = []\n", "server.toml:4: policy[1].kinds: an empty list matches nothing; leave the key out to match anything"),
            (head + "kinds = \"iam.*\"\n", "server.toml:4: policy[1].kinds: expected an array of strings, found a string"),
            (head + "kinds = [1]\n", "server.toml:4: policy[1].kinds: expected an array of strings, found an integer in it"),
            (head + "groups = { security = 0 }\n", "server.toml:4: policy[1].groups.security: expected 1 to 10, found 0"),
            (head + "groups = { security = -1 }\n", "server.toml:4: policy[1].groups.security: expected 1 to 10, found -1"),
            (head + "groups = { security = \"1\" }\n", "server.toml:4: policy[1].groups.security: expected an integer, found a string"),
            (head + "groups = { security = 1.5 }\n", "server.toml:4: policy[1].groups.security: expected an integer, found a float"),
            (head + "groups = {}\n", "server.toml:4: policy[1].groups: an empty table requires nothing; leave the key out"),
            (head + "groups = { security = 6, sre = 5 }\n", "server.toml:4: policy[1].groups: the counts add up to 11; at most 10 approvers can be required"),
            (
                head + "groups = { security = 1, Security = 1 }\n",
                "server.toml:4: policy[1].groups.Security: the same group as \"security\" (names are compared folded)"
            ),
            (head + "groups = { \"sec urity\" = 1 }\n", "server.toml:4: policy[1].groups.sec urity: a group name must not contain white space (U+0020)"),
            (head + "groups = [\"security\"]\n", "server.toml:4: policy[1].groups: expected a table, found an array"),
            (head + "outcome = \"allow\"\n", "server.toml:4: policy[1].outcome: expected review, approve or deny"),
            (head + "outcome = \"Approve\"\n", "server.toml:4: policy[1].outcome: expected review, approve or deny"),
            (head + "justification = \"yes\"\n", "server.toml:4: policy[1].justification: expected required or optional"),
            (head + "justification = true\n", "server.toml:4: policy[1].justification: expected a string, found a boolean"),
            (head + "risk = \"severe\"\n", "server.toml:4: policy[1].risk: expected low, medium, high or critical"),
            (head + "approvals = 0\n", "server.toml:4: policy[1].approvals: expected 1 to 10, found 0"),
            (head + "approvals = 11\n", "server.toml:4: policy[1].approvals: expected 1 to 10, found 11"),
            (head + "max_ttl_seconds = 0\n", "server.toml:4: policy[1].max_ttl_seconds: expected 1 to 31536000, found 0"),
            (
                head + "outcome = \"approve\"\napprovals = 2\n",
                "server.toml:5: policy[1].approvals: has no effect with outcome = \"approve\", which resolves the action at submission"
            ),
            (
                head + "outcome = \"deny\"\ngroups = { security = 1 }\n",
                "server.toml:5: policy[1].groups: has no effect with outcome = \"deny\", which resolves the action at submission"
            ),
            ("[[policy]]\nreason = \"why\"\n", "server.toml:1: policy[1].id: missing (required)"),
            ("[[policy]]\nid = \"r\"\n", "server.toml:1: policy[1].reason: missing (required)"),
            ("[[policy]]\nid = \"R\"\nreason = \"why\"\n", "server.toml:2: policy[1].id: expected 1 to 64 of a-z 0-9 _ - . (it is shown as policy:<id>)"),
            ("[[policy]]\nid = \"\"\nreason = \"why\"\n", "server.toml:2: policy[1].id: expected 1 to 64 of a-z 0-9 _ - . (it is shown as policy:<id>)"),
            ("[[policy]]\nid = \"r\"\nreason = \" \\u200B \"\n", "server.toml:3: policy[1].reason: must not be empty"),
            ("[[policy]]\nid = \"r\"\nreason = \"two\\nlines\"\n", "server.toml:3: policy[1].reason: must be one line without control characters"),
            ("[[policy]]\nid = \"r\"\nreason = \"\(String(repeating: "x", count: 1_001))\"\n", "server.toml:3: policy[1].reason: longer than 1000 characters"),
            (head + "kinds = [\"a\"]\n\n" + head, "server.toml:7: policy[2].id: duplicate id \"r\" (first at line 1)"),
            (
                head + "\n[[policy]]\nid = \"s\"\nreason = \"why\"\nkinds = [\"a\"]\n",
                "server.toml:5: policy[2]: rule \"s\" can never match: rule \"r\" (line 1) has no matchers and matches everything first"
            ),
            ("policy = 1\n", "server.toml:1: policy: expected [[policy]] tables, found an integer"),
            ("[policy]\nid = \"r\"\n", "server.toml:1: policy: expected [[policy]] tables, found a table"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(error(text), expected, text)
        }
    }

    /// Quoted file text stays one inert line in the message.
    func testErrorsAreOneLine() {
        let message = error(head + "kinds = [\"a\\u001B[2Jb\"]\n") ?? ""
        XCTAssertFalse(message.unicodeScalars.contains { $0.value < 0x20 }, message.debugDescription)
    }
}
