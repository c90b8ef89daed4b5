import Foundation
import XCTest

/// `tollgate policy check` and `policy lint` through the real binary, without a server.
final class PolicyCommandTests: XCTestCase {
    private var directory: URL!
    private var configPath: String { directory.appendingPathComponent("server.toml").path }

    /// The issue's rules in a full server configuration, whose other tables `policy` leaves alone.
    private static let config = """
        listen = "127.0.0.1:8470"
        [feed]
        not_a_setting = 1

        [[policy]]
        id = "prod-iam"
        reason = "IAM changes in production need SRE and security"
        kinds = ["iam.*"]
        environments = ["production"]
        risk = "critical"
        approvals = 2
        groups = { security = 1 }
        max_ttl_seconds = 1800
        justification = "required"

        [[policy]]
        id = "staging-restarts"
        reason = "restarts in staging are routine"
        kinds = ["infra.restart"]
        environments = ["staging"]
        outcome = "approve"

        [[policy]]
        id = "no-prod-secret-reads"
        reason = "production secrets are never read by agents"
        kinds = ["secret.read"]
        environments = ["production"]
        requesters = ["agent:*", "*-bot"]
        outcome = "deny"

        [[policy]]
        id = "data-exports"
        reason = "exports leave the building"
        kinds = ["data.export"]
        justification = "required"

        """

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try TestFiles.create(path, Data(text.utf8))
        return path
    }

    private func run(_ arguments: [String]) throws -> TollgateBinary.Run {
        try TollgateBinary.run(arguments, in: directory)
    }

    private func check(_ body: String, _ extra: [String] = []) throws -> TollgateBinary.Run {
        try run(["policy", "check", "--config", configPath, try write("request-\(UUID().uuidString).json", body)] + extra)
    }

    /// The attack: an agent asks for little, and the rule's values are what it gets.
    func testCheckShowsTheRulesValuesOverWhatWasAsked() throws {
        let result = try check(
            #"{"kind":"iam.grant","summary":"grant admin","environment":"Production","risk":"low","required_approvals":1,"ttl_seconds":86400}"#,
            ["--requester", "agent-1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.stdout,
            """
            rule:          prod-iam (\(configPath):5)
            reason:        IAM changes in production need SRE and security
            outcome:       review (waits for approvers)
            risk:          critical (asked: low)
            approvals:     2 approvers incl. 1 from security (asked: 1)
            ttl:           1800 s (asked: 86400)
            justification: required, none given: the server refuses the request (422 justification_required)

            """)
    }

    func testCheckOnSampleRequests() throws {
        let cases: [(body: String, requester: String?, expected: [String])] = [
            (
                #"{"kind":"infra.restart","summary":"restart","environment":"staging"}"#, "agent-1",
                ["rule:          staging-restarts (", "outcome:       approve (approved at submission)"]
            ),
            (
                #"{"kind":"secret.read","summary":"read","environment":"production"}"#, "deploy-bot",
                ["rule:          no-prod-secret-reads (", "outcome:       deny (denied at submission)"]
            ),
            (
                #"{"kind":"secret.read","summary":"read","environment":"production"}"#, "alice",
                ["rule:          none matches; the requester's values stand (policy unspecified)"]
            ),
            (
                #"{"kind":"data.export","summary":"export","justification":"quarterly numbers","risk":"high","ttl_seconds":60}"#, nil,
                ["rule:          data-exports (", "risk:          high (asked: high)", "ttl:           60 s (asked: 60)", "justification: required, given"]
            ),
            (
                #"{"kind":"db.query","summary":"q","required_approvals":3}"#, nil,
                ["rule:          none matches", "approvals:     3 approvers (asked: 3)", "ttl:           the server's default (asked: none)"]
            ),
        ]
        for c in cases {
            let result = try check(c.body, c.requester.map { ["--requester", $0] } ?? [])
            XCTAssertEqual(result.status, 0, "\(c.body): \(result.stderr)")
            for line in c.expected {
                XCTAssertTrue(result.stdout.contains(line), "\(c.body) as \(c.requester ?? "nobody"): no \(line.debugDescription) in\n\(result.stdout)")
            }
        }
    }

    func testCheckReadsStandardInput() throws {
        let body = try write("body.json", #"{"kind":"infra.restart","summary":"restart","environment":"staging"}"#)
        let binary = try TollgateBinary.url().path
        let output = try Shell.run(
            ["sh", "-c", "exec \"$0\" policy check --config \"$1\" --requester agent-1 < \"$2\"", binary, configPath, body], "policy check from stdin")
        XCTAssertTrue(output.contains("rule:          staging-restarts ("), output)
    }

    func testCheckWarnsWhenRequesterRulesCannotMatch() throws {
        let result = try check(#"{"kind":"secret.read","summary":"read","environment":"production"}"#)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stderr, "tollgate: no --requester: requesters patterns other than * match nothing\n")
    }

    func testCheckRefusesBadInputWithExit2() throws {
        let bad: [(String, [String], String)] = [
            (#"{"kind":"iam.grant","summary":"s","risk":"severe"}"#, [], ": risk: expected low, medium, high or critical\n"),
            (#"{"kind":"iam.grant""#, [], ": the body is not valid JSON\n"),
            (#"{"summary":"s"}"#, [], ": kind: missing (required)\n"),
            (#"{"kind":"IAM grant","summary":"s"}"#, [], ": kind: expected a dotted lowercase category such as data.export (1-64 of a-z 0-9 _ - .)\n"),
            (#"{"kind":"iam.grant","summary":"s","required_approvals":0}"#, [], ": required_approvals: expected 1 to 10\n"),
            (#"{"kind":"iam.grant","summary":"s"}"#, ["--requester", "ali ce"], "tollgate: --requester: must not contain white space (U+0020)\n"),
        ]
        for (body, extra, message) in bad {
            let result = try check(body, extra)
            XCTAssertEqual(result.status, 2, body)
            XCTAssertTrue(result.stderr.hasSuffix(message), "\(body): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", body)
        }
        let brokenConfig = try write("broken.toml", "[[policy]]\nid = \"r\"\nreason = \"why\"\noutcome = \"allow\"\n")
        let result = try run(["policy", "check", "--config", brokenConfig, try write("ok.json", #"{"kind":"a","summary":"s"}"#)])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "tollgate: \(brokenConfig):4: policy[1].outcome: expected review, approve or deny\n")
    }

    func testLintListsValidRulesAndIgnoresTheServersTables() throws {
        let result = try run(["policy", "lint", "--config", configPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.stdout,
            """
            prod-iam (line 5): kinds iam.* · environments production -> review; risk at least critical, 2 approvers incl. 1 from security, ttl at most 1800 s, justification required
            staging-restarts (line 16): kinds infra.restart · environments staging -> approve
            no-prod-secret-reads (line 23): kinds secret.read · environments production · requesters agent:*|*-bot -> deny
            data-exports (line 31): kinds data.export -> review; 1 approver, justification required
            \(configPath): 4 rules, valid

            """)
    }

    func testLintFailsWithFileLineKeyAndExit1() throws {
        let cases: [(String, String)] = [
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\nkindz = [\"iam.*\"]\n", ":4: policy[1].kindz: unknown key"),
            ("[[policy]]\nid = \"r\"\nreason = \"why\"\ngroups = { security = 0 }\n", ":4: policy[1].groups.security: expected 1 to 10, found 0"),
            (
                "[[policy]]\nid = \"r\"\nreason = \"why\"\n[[policy]]\nid = \"r\"\nreason = \"again\"\nkinds = [\"a\"]\n",
                ":5: policy[2].id: duplicate id \"r\" (first at line 1)"
            ),
            ("[feed]\nretry_ms = 5\n", ": no [[policy]] tables; every action would keep its requester's values"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = try write("lint-\(i).toml", text)
            let result = try run(["policy", "lint", "--config", path])
            XCTAssertEqual(result.status, 1, text)
            XCTAssertEqual(result.stderr, "tollgate: \(path)\(message)\n", text)
        }
        let missing = try run(["policy", "lint", "--config", directory.appendingPathComponent("absent.toml").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasSuffix("absent.toml: cannot read the file\n"), missing.stderr)
    }
}
