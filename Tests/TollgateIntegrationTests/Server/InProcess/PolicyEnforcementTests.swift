import Foundation
import HummingbirdTesting
import TollgateCore
import TollgateServer
import XCTest

/// Issue #13 through the REST API: the server's policy, not the requester, decides what an
/// action needs and who may give it. Each test attacks one promise.
class PolicyEnforcementTests: LedgerBackendTestCase {
    /// The three rules, a justification rule and a two-group rule.
    static let policy = """
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
        requesters = ["agent-*", "*-bot"]
        outcome = "deny"

        [[policy]]
        id = "exports"
        reason = "data exports need a justification"
        kinds = ["data.export"]
        justification = "required"

        [[policy]]
        id = "db-migrations"
        reason = "schema changes need a DBA and an SRE"
        kinds = ["db.migrate"]
        groups = { dba = 1, sre = 1 }
        """

    /// Agents, approvers in groups, a break-glass holder and an auditor.
    static let principals: [TestPrincipal] = [
        TestPrincipal(id: "agent-1", roles: [.agent]),
        TestPrincipal(id: "alice", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "bob", roles: [.approver], groups: ["sre"]),
        TestPrincipal(id: "carol", roles: [.approver], groups: ["security"]),
        TestPrincipal(id: "dave", roles: [.approver], groups: ["security", "sre"]),
        TestPrincipal(id: "erin", roles: [.approver], groups: ["dba", "security"]),
        TestPrincipal(id: "glass", roles: [.approver, .breakglass], groups: []),
        TestPrincipal(id: "audrey", roles: [.auditor]),
    ]

    private func server(policy: String = PolicyEnforcementTests.policy) async throws -> InProcessServer {
        let rules = try PolicyFile.parse(text: policy, file: "policy.toml")
        return try await InProcessServer.make(self, principals: Self.principals) { $0.policy = rules }
    }

    private static func request(
        kind: String, environment: String? = "production", risk: Risk = .low, approvals: Int = 1, ttl: Int? = nil,
        justification: String? = "ticket OPS-1", onBehalfOf: String? = nil
    ) -> ActionRequest {
        ActionRequest(
            kind: kind, summary: "do \(kind)", resource: "res", environment: environment, risk: risk,
            policy: Policy(id: "agents-own", reason: "the agent says so"), justification: justification,
            requiredApprovals: approvals, ttlSeconds: ttl, onBehalfOf: onBehalfOf)
    }

    private static func auditRecords(_ api: API) async throws -> [AuditRecord] {
        let response = try await api.get("/v1/audit", as: "audrey")
        XCTAssertEqual(response.status, .ok)
        return try response.text.split(separator: "\n").map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
    }

    // MARK: - The rule's values, never less

    func testAnAgentAskingForLessThanItsRuleGetsTheRulesValues() async throws {
        try await server().run { api in
            let before = Timestamp.now()
            let action = try await api.submit(Self.request(kind: "iam.grant", risk: .low, approvals: 1, ttl: 7 * 86_400))
            XCTAssertEqual(action.risk, .critical, "the rule's risk floor")
            XCTAssertEqual(action.requiredApprovals, 2, "the rule's approvals")
            XCTAssertLessThanOrEqual(action.expiresAt.milliseconds - before.milliseconds, 1_800_000 + 1_000, "the rule's TTL ceiling")
            XCTAssertEqual(action.policy, Policy(id: "prod-iam", reason: "IAM changes in production need SRE and security"))
            XCTAssertEqual(action.rule?.groups, [GroupMinimum(group: "security", count: 1)])
            XCTAssertEqual(action.rule?.maxTTLSeconds, 1800)
            XCTAssertEqual(action.rule?.justificationRequired, true)
            // What the agent claimed is kept apart, word for word.
            XCTAssertEqual(
                action.claimed,
                RequesterClaim(risk: .low, requiredApprovals: 1, ttlSeconds: 7 * 86_400, policy: Policy(id: "agents-own", reason: "the agent says so")))
            XCTAssertTrue(ActionDigest.verify(action))
        }
    }

    func testAnAgentMayRaiseTheBarButTheRuleStillApplies() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant", risk: .critical, approvals: 3, ttl: 60))
            XCTAssertEqual(action.requiredApprovals, 3)
            XCTAssertEqual(action.risk, .critical)
            XCTAssertLessThanOrEqual(action.expiresAt.milliseconds - action.createdAt.milliseconds, 60_000)
            XCTAssertEqual(action.rule?.id, "prod-iam")
        }
    }

    func testSpellingsOfTheMatchedFieldsCannotStepAroundARule() async throws {
        try await server().run { api in
            for environment in ["Production", "PRODUCTION ", "ｐｒｏｄｕｃｔｉｏｎ", "production.", "pro\u{200B}duction"] {
                let action = try await api.submit(Self.request(kind: "iam.grant", environment: environment))
                XCTAssertEqual(action.rule?.id, "prod-iam", "environment \(environment.debugDescription)")
                XCTAssertEqual(action.requiredApprovals, 2)
            }
        }
    }

    func testWithNoRuleMatchingTheRequestersValuesStand() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "infra.restart", environment: "production", risk: .medium, approvals: 2))
            XCTAssertNil(action.rule)
            XCTAssertEqual(action.policy, Policy(id: "agents-own", reason: "the agent says so"))
            XCTAssertEqual(action.requiredApprovals, 2)
            XCTAssertEqual(action.risk, .medium)
            XCTAssertEqual(action.status, .pending)
            XCTAssertEqual(action.claimed?.requiredApprovals, 2)
        }
    }

    func testARuleThatRequiresAJustificationRefusesOneWithoutAnyThatCanBeSeen() async throws {
        try await server().run { api in
            for justification in [nil, "", "   ", "\u{200B}\u{2060}", "..."] as [String?] {
                let response = try await api.submitResponse(Self.request(kind: "data.export", justification: justification))
                let error = try assertProtocolError(response, .justificationRequired)
                XCTAssertTrue(error.message.contains("exports"), error.message)
            }
            let listed = try await api.get("/v1/actions", as: "audrey")
            XCTAssertFalse(listed.text.contains("data.export"), "nothing was stored")
            let accepted = try await api.submit(Self.request(kind: "data.export", justification: "the board asked for it"))
            XCTAssertEqual(accepted.status, .pending)
        }
    }

    // MARK: - Outcomes at submission

    func testAutoApproveAndAutoDenyResolveAtSubmissionAndReachTheAuditChain() async throws {
        try await server().run { api in
            let approved = try await api.submit(Self.request(kind: "infra.restart", environment: "staging"))
            XCTAssertEqual(approved.status, .approved)
            XCTAssertEqual(approved.decisions.map(\.approver), ["policy:staging-restarts"])
            XCTAssertEqual(approved.decisions.first?.reason, "restarts in staging are routine")
            XCTAssertEqual(approved.resolvingRule?.id, "staging-restarts")
            XCTAssertNotNil(approved.resolvedAt)

            let denied = try await api.submit(Self.request(kind: "secret.read"))
            XCTAssertEqual(denied.status, .denied)
            XCTAssertEqual(denied.decisions.map(\.approver), ["policy:no-prod-secret-reads"])
            XCTAssertEqual(denied.decisions.map(\.verdict), [.deny])

            // A requester the rule does not name is not denied by it.
            let other = try await api.submit(Self.request(kind: "secret.read", environment: "staging"))
            XCTAssertEqual(other.status, .pending)

            let records = try await Self.auditRecords(api)
            XCTAssertEqual(records.map(\.actionID), [approved.id, denied.id])
            XCTAssertEqual(records.map(\.status), [.approved, .denied])
            XCTAssertEqual(records.flatMap { $0.decisions.map(\.approver) }, ["policy:staging-restarts", "policy:no-prod-secret-reads"])
            XCTAssertNil(AuditChain.firstBreak(in: records))

            // Nobody can decide them afterwards, break-glass included.
            try assertProtocolError(try await api.decide(denied, .approve, as: "carol", reason: "fine"), .alreadyResolved)
            try assertProtocolError(
                try await api.decide(denied, .approve, as: "glass", reason: "the outage needs that secret now", breakGlass: true),
                .alreadyResolved)
        }
    }

    // MARK: - Groups decide who may approve

    func testAnApprovalThatCannotCountIsRefusedNamingTheMissingGroup() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            let first = try await api.decide(action, .approve, as: "alice", reason: "looks right")
            XCTAssertEqual(first.status, .ok)
            XCTAssertEqual(try first.action().status, .pending)
            let refused = try assertProtocolError(try await api.decide(action, .approve, as: "bob", reason: "me too"), .notEligible)
            XCTAssertTrue(refused.message.contains("needs 1 approver from security"), refused.message)
            XCTAssertEqual(refused.action?.decisions.count, 1, "the refusal carries the action as it stands")
            let recorded = try await api.action(action.id).decisions.map(\.approver)
            XCTAssertEqual(recorded, ["alice"], "nothing was recorded")
            let approvedBySecurity = try await api.decide(action, .approve, as: "carol", reason: "security checked")
            XCTAssertEqual(try approvedBySecurity.action().status, .approved)
            XCTAssertEqual(try approvedBySecurity.action().decisions.map(\.groups), [["sre"], ["security"]])
        }
    }

    func testADenyFromAnyApproverStillDenies() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            _ = try await api.decide(action, .approve, as: "alice", reason: "sre ok")
            // bob's approval would not count (no security), but his deny does.
            let denied = try await api.decide(action, .deny, as: "bob", reason: "not during the freeze")
            XCTAssertEqual(denied.status, .ok)
            XCTAssertEqual(try denied.action().status, .denied)
        }
    }

    func testTwoApproversFromTheSameGroupCannotSatisfyATwoGroupRule() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "db.migrate"))
            XCTAssertEqual(action.requiredApprovals, 2, "two group minimums need two people")
            _ = try await api.decide(action, .approve, as: "alice", reason: "sre ok")
            let refused = try assertProtocolError(try await api.decide(action, .approve, as: "bob", reason: "sre too"), .notEligible)
            XCTAssertTrue(refused.message.contains("needs 1 approver from dba"), refused.message)
            let done = try await api.decide(action, .approve, as: "erin", reason: "dba ok")
            XCTAssertEqual(try done.action().status, .approved)
        }
    }

    func testOnePersonInTwoGroupsCountsOnceAndIsSeatedWhereTheyFit() async throws {
        try await server().run { api in
            // dave is in security and sre; after him, carol (security only) must still fit:
            // dave moves to the open seat, carol takes security.
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            _ = try await api.decide(action, .approve, as: "dave", reason: "both hats")
            let second = try await api.decide(action, .approve, as: "carol", reason: "security")
            XCTAssertEqual(try second.action().status, .approved)
            // db.migrate with dba=1, sre=1: dave (security, sre) then erin (dba, security) complete it.
            let migration = try await api.submit(Self.request(kind: "db.migrate"))
            _ = try await api.decide(migration, .approve, as: "erin", reason: "dba")
            let last = try await api.decide(migration, .approve, as: "dave", reason: "sre")
            XCTAssertEqual(try last.action().status, .approved)
        }
    }

    func testTheOneItIsDoneForCountsTowardsNoGroupUnderAnySpelling() async throws {
        try await server().run { api in
            for spelling in ["carol", "CAROL", " carol ", "ｃａｒｏｌ", "carol.", "ca\u{200B}rol"] {
                let action = try await api.submit(Self.request(kind: "iam.grant", onBehalfOf: spelling))
                _ = try await api.decide(action, .approve, as: "alice", reason: "sre ok")
                try assertProtocolError(try await api.decide(action, .approve, as: "carol", reason: "mine"), .selfApproval)
                try assertProtocolError(
                    try await api.decide(action, .approve, as: "carol", reason: "mine, but it is an emergency", breakGlass: true), .selfApproval)
                let status = try await api.action(action.id).status
                XCTAssertEqual(status, .pending, spelling.debugDescription)
            }
        }
    }

    // MARK: - Break-glass

    func testBreakGlassNeedsTheRoleAnApprovalAndAReasonThatSaysWhatBroke() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            let long = "the primary database is down and this grant restores it"
            try assertProtocolError(try await api.decide(action, .approve, as: "carol", reason: long, breakGlass: true), .forbidden)
            try assertProtocolError(try await api.decide(action, .approve, as: "glass", reason: "urgent", breakGlass: true), .reasonRequired)
            let padded = "urgent" + String(repeating: "\u{200B}", count: 30)
            try assertProtocolError(try await api.decide(action, .approve, as: "glass", reason: padded, breakGlass: true), .reasonRequired)
            try assertProtocolError(try await api.decide(action, .deny, as: "glass", reason: long, breakGlass: true), .badRequest)
            let decisions = try await api.action(action.id).decisions
            XCTAssertEqual(decisions, [], "no refused attempt was recorded")

            let broken = try await api.decide(action, .approve, as: "glass", reason: long, breakGlass: true)
            XCTAssertEqual(broken.status, .ok)
            let approved = try broken.action()
            XCTAssertEqual(approved.status, .approved, "one break-glass approval approves a two-person rule")
            XCTAssertTrue(approved.isBreakGlass)
            XCTAssertEqual(approved.decisions.map(\.breakGlass), [true])

            let records = try await Self.auditRecords(api)
            let record = try XCTUnwrap(records.first { $0.actionID == action.id })
            XCTAssertEqual(record.decisions.map(\.breakGlass), [true], "the audit record marks it")
            XCTAssertTrue(record.hashedDocument.canonicalString.contains("\"break_glass\":true"), "and its hash covers the mark")
        }
    }

    func testWithoutBreakGlassTheBreakGlassHolderIsAnOrdinaryApprover() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            // With no group, glass can take the open seat, and only that.
            _ = try await api.decide(action, .approve, as: "alice", reason: "sre")
            let refused = try assertProtocolError(try await api.decide(action, .approve, as: "glass", reason: "normal vote"), .notEligible)
            XCTAssertTrue(refused.message.contains("security"), refused.message)
        }
    }

    // MARK: - Reload

    func testPendingActionsKeepTheRuleTheyWereSubmittedUnder() async throws {
        let server = try await server()
        try await server.run { api in
            let before = try await api.submit(Self.request(kind: "iam.grant"))
            let laxer = try PolicyFile.parse(
                text: "[[policy]]\nid = \"lax\"\nreason = \"anything goes\"\nkinds = [\"iam.*\"]\n", file: "new.toml")
            let current = server.server.live.current
            server.server.live.replace(with: .init(registry: current.registry, policy: laxer))
            let after = try await api.submit(Self.request(kind: "iam.grant"))
            XCTAssertEqual(after.rule?.id, "lax")
            XCTAssertEqual(after.requiredApprovals, 1)
            let stored = try await api.action(before.id)
            XCTAssertEqual(stored.rule?.id, "prod-iam")
            _ = try await api.decide(stored, .approve, as: "alice", reason: "sre")
            try assertProtocolError(try await api.decide(stored, .approve, as: "bob", reason: "sre"), .notEligible)
        }
    }

    // MARK: - The digest binds the requirements

    func testADecisionIsBoundToTheRequirementsTheApproverSaw() async throws {
        try await server().run { api in
            let action = try await api.submit(Self.request(kind: "iam.grant"))
            // Each requirement alone changes the digest: a decision cannot be carried over to an
            // action whose rule asks less, or whose claim was rewritten.
            var variants: [Action] = []
            for change in [
                { (a: inout Action) in a.rule?.groups = [] }, { a in a.rule?.approvals = 1 }, { a in a.rule?.maxTTLSeconds = nil },
                { a in a.rule?.justificationRequired = false }, { a in a.rule?.outcome = .approve }, { a in a.rule?.risk = .low },
                { a in a.rule?.reason = "anything goes" }, { a in a.claimed?.requiredApprovals = 2 }, { a in a.claimed = nil },
                { a in a.rule = nil },
            ] as [(inout Action) -> Void] {
                var variant = action
                change(&variant)
                variants.append(variant)
            }
            for variant in variants {
                XCTAssertNotEqual(ActionDigest.compute(variant), action.digest, "the rule's requirements and the claim are in the digest")
            }
            var laxer = action
            laxer.rule?.groups = []
            let forged = ActionDigest.compute(laxer)
            try assertProtocolError(try await api.decide(action, .approve, as: "alice", reason: "ok", digest: forged), .digestMismatch)
        }
    }
}
