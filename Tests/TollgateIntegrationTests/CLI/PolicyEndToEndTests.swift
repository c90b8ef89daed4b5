import Foundation
import TollgateCore
import XCTest

/// Issue #13 through the commands people and agents run: the real binary against `tollgate
/// serve` configured with the sample configuration (docs/examples/server.toml) itself.
final class PolicyEndToEndTests: XCTestCase {
    /// Agents (one a bot the sample's deny rule names), approvers in groups, a break-glass holder, an auditor.
    private static let principals: [TestPrincipal] = [
        TestPrincipal(id: "agent-1", roles: [.agent]),
        TestPrincipal(id: "deploy-bot", roles: [.agent]),
        TestPrincipal(id: "alice", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "bob", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "carol", roles: [.approver], groups: ["security"]),
        TestPrincipal(id: "glass", roles: [.approver, .breakglass]),
        TestPrincipal(id: "audrey", roles: [.auditor]),
    ]

    /// A reason that says what broke, comfortably over `DecisionRules.breakGlassReasonLength`.
    private static let glassReason = "IAM outage: on-call locked out, restoring access (INC-4410)"

    private func sandbox() throws -> Sandbox {
        // The sample as shipped, without the rate limit so the test's bursts are not throttled.
        try Sandbox(self, config: try SampleConfiguration.text() + "\n[limits]\nrate_per_second = 0\n", principals: Self.principals)
    }

    /// Runs `tollgate arguments` as `principal`, the connection options before any `--`.
    private func tollgate(_ sandbox: Sandbox, _ arguments: [String], as principal: String, server: ServerProcess) throws -> TollgateBinary.Run {
        var all = arguments
        all.insert(contentsOf: try sandbox.connection(server, as: principal), at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
        return try TollgateBinary.run(all, in: sandbox.directory)
    }

    /// `approve` as `principal`, with its own history cache.
    private func approve(_ sandbox: Sandbox, _ server: ServerProcess, _ id: String, as principal: String, _ extra: [String] = []) throws -> TollgateBinary.Run {
        try tollgate(sandbox, ["approve", id, "--db", sandbox.historyPath(principal)] + extra, as: principal, server: server)
    }

    /// Both feeds as an auditor would read them: JSON lines and the text for people.
    private func watches(_ sandbox: Sandbox, _ server: ServerProcess) throws -> (json: Spawned, text: Spawned) {
        let json = try Spawned(["watch"] + sandbox.connection(server, as: "audrey"), in: sandbox.directory)
        let text = try Spawned(["watch", "--format", "text"] + sandbox.connection(server, as: "audrey"), in: sandbox.directory)
        try eventually("both watches are live") { json.stderr.contains("watch: live at seq") && text.stderr.contains("watch: live at seq") }
        return (json, text)
    }

    private func actions(in watch: Spawned) throws -> [Action] {
        try watch.stdout.split(separator: "\n").map { try JSONDecoder().decode(Action.self, from: Data($0.utf8)) }
    }

    // MARK: - Resolved at submission

    /// `outcome = "approve"` / `"deny"`: `request --wait` ends at once with 0 / 3, and the feed
    /// and the audit chain say the rule decided, as `policy:<id>`, with its reason.
    func testAutoApprovalAndAutoDenialReachRequestWaitTheFeedAndTheAuditChain() throws {
        let sandbox = try sandbox()
        let server = try sandbox.startServer()
        let (json, text) = try watches(sandbox, server)
        let marker = sandbox.directory.appendingPathComponent("restarted").path

        // Were it pending, --wait would outlast the run's timeout: the default lifetime is an hour.
        let restart = try tollgate(
            sandbox,
            ["request", "--kind", "infra.restart", "--environment", "staging", "--summary", "restart the shipper", "--wait", "--", "touch", marker],
            as: "agent-1", server: server)
        XCTAssertEqual(restart.status, 0, restart.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the approved command ran")
        let restartID = restart.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(
            restart.stderr.contains("approved \(restartID) at submission by policy:staging-restarts: restarts in staging are routine"), restart.stderr)

        let read = try tollgate(
            sandbox, ["request", "--kind", "secret.read", "--environment", "Production", "--summary", "read the key", "--wait"], as: "deploy-bot",
            server: server)
        XCTAssertEqual(read.status, 3, "denied: \(read.stderr)")
        let readID = read.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(read.stderr.contains("policy:no-prod-secret-reads: production secrets are never read by agents"), read.stderr)

        // The same kind by a principal the rule does not name waits for people (the catch-all).
        let pending = try sandbox.client(server, as: "agent-1").submit(
            ActionRequest(kind: "secret.read", summary: "read the key", environment: "production", risk: .high))
        XCTAssertEqual(pending.status, .pending)
        XCTAssertEqual(pending.rule?.id, "everything-else")

        try eventually("the JSON feed has both resolutions") { try self.actions(in: json).filter { $0.status.isResolved }.count == 2 }
        let resolved = try actions(in: json).filter { $0.status.isResolved }
        XCTAssertEqual(resolved.map(\.id), [restartID, readID])
        XCTAssertEqual(resolved.map(\.status), [.approved, .denied])
        XCTAssertEqual(resolved.map { $0.decisions.map(\.approver) }, [["policy:staging-restarts"], ["policy:no-prod-secret-reads"]])
        XCTAssertEqual(resolved.map { $0.rule?.id }, ["staging-restarts", "no-prod-secret-reads"], "the feed carries the rule as the server sent it")
        XCTAssertEqual(resolved.map { $0.claimed?.risk }, [.medium, .medium], "and the claim beside it")

        try eventually("the text feed names the rule as the decider") {
            text.stdout.contains("approved by policy:staging-restarts at submission: restarts in staging are routine")
                && text.stdout.contains("denied by policy:no-prod-secret-reads at submission: production secrets are never read by agents")
        }

        let audit = try tollgate(sandbox, ["audit", "verify", "--list", "--db", sandbox.historyPath("audrey")], as: "audrey", server: server)
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("audit chain intact: 2 records"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("1 \(restartID) approved: policy:staging-restarts approve: restarts in staging are routine"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("2 \(readID) denied: policy:no-prod-secret-reads deny: production secrets are never read by agents"), audit.stdout)
        XCTAssertFalse(audit.stdout.contains("BREAK-GLASS"), "no break-glass approval to report: \(audit.stdout)")
    }

    // MARK: - The rule beside the claim

    /// An agent asking for less than its rule gets the rule's values; approvers are shown both;
    /// two approvers from one group cannot meet a rule that needs another group, and the
    /// refusal names the group missing.
    func testTheRuleNotTheClaimDecidesAndTheMissingGroupIsNamed() throws {
        let sandbox = try sandbox()
        let server = try sandbox.startServer()
        let asks = [
            "request", "--kind", "iam.grant", "--environment", "production", "--summary", "grant admin", "--risk", "low", "--approvals", "1", "--ttl", "86400",
        ]

        let unjustified = try tollgate(sandbox, asks, as: "agent-1", server: server)
        XCTAssertEqual(unjustified.status, 2, unjustified.stderr)
        XCTAssertTrue(unjustified.stderr.contains("justification_required"), unjustified.stderr)

        let submitted = try tollgate(sandbox, asks + ["--justification", "reporting role lost access (OPS-12)"], as: "agent-1", server: server)
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let action = try sandbox.client(server, as: "alice").action(id)
        XCTAssertEqual(action.risk, .critical)
        XCTAssertEqual(action.requiredApprovals, 2)
        XCTAssertLessThanOrEqual(action.createdAt.seconds(until: action.expiresAt), 1800)
        XCTAssertEqual(action.claimed, RequesterClaim(risk: .low, requiredApprovals: 1, ttlSeconds: 86_400))

        // The rule raised the risk to critical, and a verdict on a critical action needs a reason.
        let critical = ["--reason", "checked with the reporting team"]
        let first = try approve(sandbox, server, id, as: "alice", critical)
        XCTAssertEqual(first.status, 0, first.stderr)
        for shown in [
            "rule: prod-iam", "IAM changes in production need SRE and security",
            "(risk at least critical; needs 2 approvers, 1 from security; max ttl 30m; justification required)",
            "requester asked: risk low, 1 approval, ttl 1d00h", "approvals: 0/2, needs 1 approver from security and 1 more from anyone",
        ] {
            XCTAssertTrue(first.stderr.contains(shown), "approve shows \(shown.debugDescription):\n\(first.stderr)")
        }
        XCTAssertTrue(first.stderr.contains("vote recorded (1/2 approvals)"), first.stderr)

        let sameGroup = try approve(sandbox, server, id, as: "bob", critical)
        XCTAssertEqual(sameGroup.status, 1, "a refusal for good, like self-approval: \(sameGroup.stderr)")
        XCTAssertTrue(sameGroup.stderr.contains("would not count: the action needs 1 approver from security"), sameGroup.stderr)
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).decisions.map(\.approver), ["alice"])

        let security = try approve(sandbox, server, id, as: "carol", critical)
        XCTAssertEqual(security.status, 0, security.stderr)
        XCTAssertTrue(security.stderr.contains("approvals: 1/2, needs 1 approver from security"), security.stderr)
        XCTAssertEqual(try sandbox.client(server, as: "alice").action(id).status, .approved)

        let detail = try TollgateBinary.run(["history", "--db", sandbox.historyPath("carol"), "--format", "detail"], in: sandbox.directory)
        XCTAssertEqual(detail.status, 0, detail.stderr)
        for shown in ["\(id) approved iam.grant production risk critical", "  rule: prod-iam", "  requester asked: risk low, 1 approval, ttl 1d00h"] {
            XCTAssertTrue(detail.stdout.contains(shown), "history --format detail shows \(shown.debugDescription):\n\(detail.stdout)")
        }
        XCTAssertTrue(detail.stdout.contains("  approve by alice [sre] at "), detail.stdout)
        XCTAssertTrue(detail.stdout.contains("  approve by carol [security] at "), detail.stdout)
    }

    // MARK: - Break-glass

    /// Only with the role, only with a reason that says what broke (checked before anything is
    /// sent), and then one approval resolves a two-person action, marked in the feed, the
    /// history and the audit chain.
    func testBreakGlassNeedsTheRoleAndAReasonAndIsMarkedEverywhere() throws {
        let sandbox = try sandbox()
        let server = try sandbox.startServer()
        let (json, text) = try watches(sandbox, server)
        let action = try sandbox.client(server, as: "agent-1").submit(
            ActionRequest(
                kind: "iam.grant", summary: "restore on-call access", environment: "production", risk: .high,
                justification: "the on-call role was deleted by mistake"))
        XCTAssertEqual(action.requiredApprovals, 2)
        let glassFlag = ["--break-glass", "--reason"]

        let noRole = try approve(sandbox, server, action.id, as: "bob", glassFlag + [Self.glassReason])
        XCTAssertEqual(noRole.status, 1, noRole.stderr)
        XCTAssertTrue(noRole.stderr.contains("refused: bob lacks the breakglass role"), noRole.stderr)

        let padding = String(repeating: "\u{200B}", count: 30)
        for reason in ["db down, paging", "  db down, paging  " + String(repeating: " ", count: 10), "short" + padding, ""] {
            let short = try approve(sandbox, server, action.id, as: "glass", glassFlag + [reason])
            XCTAssertEqual(short.status, 2, "\(reason.debugDescription): \(short.stderr)")
            XCTAssertTrue(short.stderr.contains("--break-glass needs a --reason of at least 20 visible characters"), short.stderr)
        }
        let unchanged = try sandbox.client(server, as: "alice").action(action.id)
        XCTAssertEqual(unchanged.status, .pending)
        XCTAssertEqual(unchanged.decisions, [], "nothing was sent for a refused break-glass")

        let glass = try approve(sandbox, server, action.id, as: "glass", glassFlag + [Self.glassReason])
        XCTAssertEqual(glass.status, 0, glass.stderr)
        XCTAssertTrue(glass.stderr.contains("!! BREAK-GLASS !! this approval resolves the action alone"), glass.stderr)
        XCTAssertTrue(glass.stderr.contains("approved: !! BREAK-GLASS !! approval recorded"), glass.stderr)
        let approved = try sandbox.client(server, as: "alice").action(action.id)
        XCTAssertEqual(approved.status, .approved)
        XCTAssertEqual(approved.decisions.map(\.approver), ["glass"])
        XCTAssertEqual(approved.decisions.map(\.breakGlass), [true])

        let mark = "!! BREAK-GLASS !! glass approved alone, overriding rule prod-iam (needs 2 approvers, 1 from security): "
        try eventually("the JSON feed carries the approval, and says it on stderr") {
            try self.actions(in: json).contains { $0.id == action.id && $0.decisions.first?.breakGlass == true }
                && json.stderr.contains("watch: \(action.id): " + mark + Self.glassReason)
        }
        try eventually("the text feed marks it") { text.stdout.contains("  " + mark + Self.glassReason) }

        let table = try TollgateBinary.run(["history", "--db", sandbox.historyPath("glass")], in: sandbox.directory)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("BREAK-GLASS glass"), "the DECIDED BY cell:\n\(table.stdout)")
        XCTAssertTrue(table.stdout.contains("  ^ " + mark + Self.glassReason), "a line of its own:\n\(table.stdout)")
        let csv = try TollgateBinary.run(["history", "--db", sandbox.historyPath("glass"), "--format", "csv"], in: sandbox.directory)
        let rows = csv.stdout.split(separator: "\r\n")
        XCTAssertTrue(rows.first?.hasSuffix(",rule,requester_asked,break_glass") ?? false, csv.stdout)
        XCTAssertTrue(rows.last?.hasSuffix(",yes") ?? false, csv.stdout)
        XCTAssertTrue(rows.last?.contains("BREAK-GLASS glass approve") ?? false, csv.stdout)

        let audit = try tollgate(sandbox, ["audit", "verify", "--list", "--db", sandbox.historyPath("audrey")], as: "audrey", server: server)
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("!! BREAK-GLASS !! 1 break-glass approval in the chain:"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("  record 1 (\(action.id)): glass approved alone at "), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("1 \(action.id) approved: !! BREAK-GLASS !! glass approve: \(Self.glassReason)"), audit.stdout)
    }
}

/// The sample server configuration in the source tree, docs/examples/server.toml.
enum SampleConfiguration {
    static func url() throws -> URL { try TollgateBinary.packageRoot().appendingPathComponent("docs/examples/server.toml") }

    static func text() throws -> String { try String(contentsOf: try url(), encoding: .utf8) }
}
