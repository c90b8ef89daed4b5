import Foundation
import TollgateCore
import TollgateServer
import XCTest

/// `tollgate policy check` and `policy lint` through the real binary, without a server, on the
/// sample configuration (docs/examples/server.toml) and its sample requests (docs/examples/requests).
final class PolicyCommandTests: XCTestCase {
    private var directory: URL!
    /// The sample configuration in the source tree: the one copy of the sample policy
    /// (`PolicyEvaluationTests` reads it too), so the docs show what is tested.
    private var configPath = ""
    /// docs/examples, with the sample requests under requests/.
    private var examples = URL(fileURLWithPath: "/")

    /// A configuration without a catch-all, whose other tables (even a key the server would
    /// refuse) `policy` leaves alone.
    private static let noCatchAll = """
        listen = "127.0.0.1:8470"
        [feed]
        not_a_setting = 1

        [[policy]]
        id = "only-iam"
        reason = "IAM changes need a second look"
        kinds = ["iam.*"]
        """

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sample = try SampleConfiguration.url()
        configPath = sample.path
        examples = sample.deletingLastPathComponent()
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

    private func check(_ body: String, _ extra: [String] = [], config: String? = nil) throws -> TollgateBinary.Run {
        try run(["policy", "check", "--config", config ?? configPath, try write("request-\(UUID().uuidString).json", body)] + extra)
    }

    /// The line of each rule's `[[policy]]` header in the sample, counted here from the text.
    private func headerLines() throws -> [String: Int] {
        let lines = try String(contentsOfFile: configPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var found: [String: Int] = [:]
        var header: Int?
        for (i, line) in lines.enumerated() {
            if line == "[[policy]]" { header = i + 1 }
            if let h = header, line.hasPrefix("id = \"") {
                found[String(line.dropFirst(6).dropLast())] = h
                header = nil
            }
        }
        return found
    }

    /// The sample loads as the server loads it: its settings and its rules, the catch-all last.
    func testTheSampleConfigurationLoadsAsTheServerReadsIt() throws {
        var configuration = ServerConfiguration(environment: ["HOME": directory.path])
        try configuration.apply(fileText: try String(contentsOfFile: configPath, encoding: .utf8), file: configPath)
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 8470)
        XCTAssertEqual(configuration.defaultTTL, 3600)
        let rules = configuration.policy.rules
        XCTAssertEqual(rules.map(\.id), ["prod-iam", "staging-restarts", "no-prod-secret-reads", "data-exports", "everything-else"])
        XCTAssertEqual(rules.map(\.outcome), [.review, .approve, .deny, .review, .review])
        XCTAssertEqual(rules.filter(\.matchesEverything).map(\.id), ["everything-else"], "one catch-all, and it is last")
        XCTAssertEqual(rules.first?.groups, [GroupMinimum(group: "security", count: 1)])
        XCTAssertTrue(rules.contains { $0.justificationRequired && $0.id == "data-exports" }, "a justification rule besides the issue's three")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0.line) }), try headerLines())
    }

    /// The attack: an agent asks for little, and the rule's values are what it gets.
    func testCheckShowsTheRulesValuesOverWhatWasAsked() throws {
        let request = examples.appendingPathComponent("requests/iam-grant.json").path
        let result = try run(["policy", "check", "--config", configPath, request, "--requester", "agent-1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.stdout,
            """
            rule:          prod-iam (\(configPath):\(try headerLines()["prod-iam"] ?? 0))
            reason:        IAM changes in production need SRE and security
            outcome:       review (waits for approvers)
            risk:          critical (asked: low)
            approvals:     2 approvers incl. 1 from security (asked: 1)
            ttl:           1800 s (asked: 86400)
            justification: required, none given: the server refuses the request (422 justification_required)

            """)
    }

    /// Each sample request file meets the rule the sample's comments promise.
    func testCheckOnTheSampleRequests() throws {
        let cases: [(file: String, requester: String?, expected: [String])] = [
            ("staging-restart.json", "agent-1", ["rule:          staging-restarts (", "outcome:       approve (approved at submission)"]),
            ("secret-read.json", "deploy-bot", ["rule:          no-prod-secret-reads (", "outcome:       deny (denied at submission)"]),
            ("secret-read.json", "Agent:CI", ["rule:          no-prod-secret-reads (", "outcome:       deny (denied at submission)"]),
            ("secret-read.json", "alice", ["rule:          everything-else (", "outcome:       review (waits for approvers)"]),
            (
                "data-export.json", nil,
                ["rule:          data-exports (", "risk:          high (asked: medium)", "ttl:           600 s (asked: 600)", "justification: required, given"]
            ),
            (
                "db-query.json", nil,
                ["rule:          everything-else (", "approvals:     3 approvers (asked: 3)", "ttl:           the server's default (asked: none)"]
            ),
        ]
        for c in cases {
            let path = examples.appendingPathComponent("requests/\(c.file)").path
            let result = try run(["policy", "check", "--config", configPath, path] + (c.requester.map { ["--requester", $0] } ?? []))
            XCTAssertEqual(result.status, 0, "\(c.file): \(result.stderr)")
            for line in c.expected {
                XCTAssertTrue(result.stdout.contains(line), "\(c.file) as \(c.requester ?? "nobody"): no \(line.debugDescription) in\n\(result.stdout)")
            }
        }
    }

    func testWithoutACatchAllTheRequestersValuesStand() throws {
        let config = try write("no-catch-all.toml", Self.noCatchAll)
        let cases: [(String, [String])] = [
            (
                #"{"kind":"secret.read","summary":"read","environment":"production"}"#,
                ["rule:          none matches; the requester's values stand (policy unspecified)"]
            ),
            (#"{"kind":"db.query","summary":"q","required_approvals":3}"#, ["rule:          none matches", "approvals:     3 approvers (asked: 3)"]),
            (#"{"kind":"iam.grant","summary":"g"}"#, ["rule:          only-iam (\(config):5)"]),
        ]
        for (body, expected) in cases {
            let result = try check(body, ["--requester", "alice"], config: config)
            XCTAssertEqual(result.status, 0, "\(body): \(result.stderr)")
            for line in expected { XCTAssertTrue(result.stdout.contains(line), "\(body): no \(line.debugDescription) in\n\(result.stdout)") }
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

    func testLintListsTheSamplesRules() throws {
        let result = try run(["policy", "lint", "--config", configPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try headerLines()
        XCTAssertEqual(
            result.stdout,
            """
            prod-iam (line \(line["prod-iam"] ?? 0)): kinds iam.* · environments production -> review; risk at least critical, 2 approvers incl. 1 from security, ttl at most 1800 s, justification required
            staging-restarts (line \(line["staging-restarts"] ?? 0)): kinds infra.restart · environments staging -> approve
            no-prod-secret-reads (line \(line["no-prod-secret-reads"] ?? 0)): kinds secret.read · environments production · requesters agent:*|*-bot -> deny
            data-exports (line \(line["data-exports"] ?? 0)): kinds data.export -> review; risk at least high, 1 approver, justification required
            everything-else (line \(line["everything-else"] ?? 0)): matches everything -> review; 1 approver
            \(configPath): 5 rules, valid

            """)
    }

    func testLintIgnoresTheServersTables() throws {
        let config = try write("no-catch-all.toml", Self.noCatchAll)
        let result = try run(["policy", "lint", "--config", config])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "only-iam (line 5): kinds iam.* -> review; 1 approver\n\(config): 1 rule, valid\n")
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
