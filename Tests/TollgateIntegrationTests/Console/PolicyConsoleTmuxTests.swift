import Foundation
import TollgateCore
import XCTest

/// The real console in tmux against a server with a `[[policy]]` rule (issue #13): what an
/// approver outside the group a quorum still needs sees and may do, and a break-glass approval.
final class PolicyConsoleTmuxTests: XCTestCase {
    /// IAM changes need two approvers, one of them from security.
    static let config =
        Sandbox.quietConfig + """

            [[policy]]
            id = "prod-iam"
            reason = "IAM changes need someone from security"
            kinds = ["iam.*"]
            approvals = 2
            groups = { security = 1 }
            """

    static let principals = [
        TestPrincipal(id: "agent-1", roles: [.agent]),
        TestPrincipal(id: "alice", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "bob", roles: [.approver]),
        TestPrincipal(id: "glass", roles: [.approver, .breakglass]),
    ]

    private func console(_ sandbox: Sandbox, _ server: ServerProcess, as principal: String) throws -> TmuxSession {
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: principal) + ["--db", sandbox.historyPath(principal)]
        return try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
    }

    /// Decisions the console of `principal` wrote to its outbox (sent or not).
    private func outbox(_ sandbox: Sandbox, _ principal: String) throws -> [String] {
        try Shell.sqlite(sandbox.historyPath(principal), "SELECT verdict || '|' || break_glass || '|' || state FROM outbox ORDER BY rowid;")
    }

    func testAnApproverOutsideSecuritySeesWhatIsMissingAndIsNotOfferedA() throws {
        let sandbox = try Sandbox(self, config: Self.config, principals: Self.principals)
        let server = try sandbox.startServer()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(kind: "iam.grant", summary: "Grant deploy role"))
        XCTAssertEqual(action.rule?.id, "prod-iam", "the server matched the rule")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(action, .approve).status, 200)

        let tmux = try console(sandbox, server, as: "alice")
        try tmux.waitFor("Grant deploy role")
        let row = try tmux.waitFor("1 more from security")
        XCTAssertTrue(row.contains("1/2"), row)
        // Once whoami has answered, the hint bar says why a is not offered.
        try tmux.waitFor("a not offered: you are not in security, which this still needs")
        try tmux.send("a")
        try tmux.waitFor("You are not in security, which this still needs")
        XCTAssertFalse(try tmux.screen().contains("[y/N]"), "no confirmation: nothing to confirm")
        // Deny is still offered: anyone may stop an action.
        XCTAssertTrue(try tmux.screen().contains("d deny"))

        XCTAssertEqual(try sandbox.client(server, as: "bob").action(action.id).decisions.count, 1, "nothing reached the server")
        XCTAssertEqual(try outbox(sandbox, "alice"), [], "nothing was even written to send")

        // The detail: what the rule requires, apart from what the requester asked.
        try tmux.send("Enter")
        let detail = try tmux.waitFor("Requester asked")
        XCTAssertTrue(detail.contains("Rule             prod-iam — IAM changes need someone from security"), detail)
        XCTAssertTrue(detail.contains("Rule requires    2 approvers incl. 1 from security, justification optional"), detail)
        XCTAssertTrue(detail.contains("Requester asked  risk high, 1 approval, ttl the server's default, policy prod-data"), detail)
        XCTAssertTrue(detail.contains("needs 1 approver from security"), detail)
    }

    func testABreakGlassApprovalNeedsALongReasonAndIsMarkedInTheListTheHistoryAndTheDetail() throws {
        let sandbox = try Sandbox(self, config: Self.config, principals: Self.principals)
        let server = try sandbox.startServer()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(kind: "iam.grant", summary: "Restore pay admin"))

        let tmux = try console(sandbox, server, as: "glass")
        try tmux.waitFor("Restore pay admin")
        try tmux.waitFor("B break glass")
        try tmux.send("B")
        try tmux.waitFor("What broke?")
        try tmux.send("db is down", literal: true)
        try tmux.send("Enter")
        try tmux.waitFor("needs 20+ characters: 10 more")
        XCTAssertEqual(try sandbox.client(server, as: "bob").action(action.id).decisions.count, 0, "a short reason sends nothing")
        XCTAssertEqual(try outbox(sandbox, "glass"), [])

        try tmux.send("C-u")
        let reason = "payments are down and nobody from security answers"
        try tmux.send(reason, literal: true)
        try tmux.send("Enter")
        try tmux.waitFor("BREAK GLASS Approve ALONE")
        try tmux.send("y")
        try tmux.waitFor("BREAK-GLASS approved by you · Restore")

        let approved = try sandbox.client(server, as: "bob").action(action.id)
        XCTAssertEqual(approved.status, .approved, "one approval where the rule needs two: the glass is broken")
        XCTAssertEqual(approved.decisions.map(\.breakGlass), [true])
        XCTAssertEqual(approved.decisions.first?.reason, reason)
        XCTAssertEqual(try outbox(sandbox, "glass"), ["approve|1|sent"], "the outbox kept the flag it sent")

        try tmux.send("H")
        let history = try tmux.waitFor("BREAK-GLASS Restore pay admin")
        XCTAssertTrue(history.contains("approved"), history)
        try tmux.send("Enter")
        try tmux.waitFor("BREAK-GLASS approval by glass: " + reason)
    }
}
