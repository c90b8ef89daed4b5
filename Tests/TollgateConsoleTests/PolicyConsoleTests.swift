import TollgateClient
import TollgateCore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// Server-side policy in the console: what a quorum still needs, who is offered `a`, the rule
/// and the requester's claim apart in the detail, and rules as deciders in the history.
final class PolicyConsoleTests: XCTestCase {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// `prod-iam`: two approvers, one of them from security.
    static let prodIAM = AppliedRule(
        id: "prod-iam", reason: "IAM changes in production need SRE and security", risk: .critical, approvals: 2,
        groups: [GroupMinimum(group: "security", count: 1)], maxTTLSeconds: 1_800, justificationRequired: true)

    static func approval(_ approver: String, groups: [String] = [], breakGlass: Bool = false, reason: String = "") -> Decision {
        Decision(approver: approver, verdict: .approve, reason: reason, at: Fixture.now, digest: digest, groups: groups, breakGlass: breakGlass)
    }

    /// An action under `rule` (the effective approvals are the rule's), approved so far by `approvals`.
    static func ruled(_ id: String, rule: AppliedRule = prodIAM, approvals: [Decision] = [], requester: String = "agent-1") -> Action {
        var action = Fixture.action(
            id, risk: .critical, kind: "iam.grant", requester: requester, onBehalfOf: nil, required: rule.approvals, decisions: approvals)
        action.rule = rule
        action.policy = Policy(id: rule.id, reason: rule.reason)
        action.claimed = RequesterClaim(
            risk: .low, requiredApprovals: 1, ttlSeconds: 86_400, policy: Policy(id: "prod-data", reason: "production data leaves the VPC"))
        return action
    }

    /// A console whose user is `principal`.
    static func console(_ actions: [Action], as principal: Principal, width: Int = 120) -> TestConsole {
        var model = Fixture.model(actions, width: width)
        model.update(.identity(principal, from: .first))
        return model
    }

    private func hints(_ model: TestConsole) -> String {
        model.screenText.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// `a` on a critical action: a reason, then the confirmation.
    private func approve(_ model: inout TestConsole) {
        model.press(.char("a"))
        model.type("checked the change with the team")
        model.press(.enter)
    }

    private func sent(_ effects: [Effect]) -> DecisionIntent? {
        for effect in effects { if case .sendDecision(let intent) = effect { return intent } }
        return nil
    }

    // MARK: - What is still missing

    func testTheShortFormOfWhatIsMissing() {
        XCTAssertEqual(QuorumNeeds.short([MissingApprovers(fromGroups: [GroupMinimum(group: "security", count: 1)], fromAnyone: 0)]), "1 more from security")
        XCTAssertEqual(QuorumNeeds.short([MissingApprovers(fromGroups: [], fromAnyone: 1)]), "1 more approver")
        XCTAssertEqual(QuorumNeeds.short([MissingApprovers(fromGroups: [], fromAnyone: 2)]), "2 more approvers")
        XCTAssertEqual(
            QuorumNeeds.short([
                MissingApprovers(fromGroups: [GroupMinimum(group: "sre", count: 1)], fromAnyone: 0),
                MissingApprovers(fromGroups: [GroupMinimum(group: "security", count: 1)], fromAnyone: 0),
            ]), "1 from sre or 1 from security")
        XCTAssertEqual(
            QuorumNeeds.short([MissingApprovers(fromGroups: [GroupMinimum(group: "security", count: 1)], fromAnyone: 2)]), "1 from security + 2 more")
    }

    func testTheRowSaysWhatTheQuorumStillNeeds() {
        let afterBob = Self.ruled("act-1", approvals: [Self.approval("bob")])
        XCTAssertEqual(QueueRow(afterBob).needs.short, "1 more from security")
        XCTAssertEqual(QueueRow(Self.ruled("act-2")).needs.short, "1 from security + 1 more", "group minimums are news before any approval")
        XCTAssertNil(QueueRow(Fixture.action("act-3", required: 2, decisions: [Self.approval("bob")])).needs.short, "1/2 says it all in the OK column")
        XCTAssertNil(QueueRow(Fixture.action("act-4")).needs.short)
        // The security seat taken, an open one left.
        XCTAssertEqual(QueueRow(Self.ruled("act-6", approvals: [Self.approval("sam", groups: ["security"])])).needs.short, "1 more approver")
        var approved = afterBob
        approved.status = .approved
        XCTAssertNil(QueueRow(approved).needs.short, "nothing is missing once resolved")
        // Ann is in both groups: she can be the SRE, so one from either group completes it.
        let either = AppliedRule(
            id: "two-groups", reason: "r", approvals: 2, groups: [GroupMinimum(group: "sre", count: 1), GroupMinimum(group: "security", count: 1)])
        XCTAssertEqual(
            QueueRow(Self.ruled("act-5", rule: either, approvals: [Self.approval("ann", groups: ["sre", "security"])])).needs.short,
            "1 from sre or 1 from security")

        let model = Self.console([afterBob], as: Fixture.me)
        let row = model.screenText.split(separator: "\n").first { $0.contains("iam.grant") }.map(String.init) ?? ""
        XCTAssertTrue(row.contains("1 more from security"), row)
    }

    func testTheDetailSaysWhatIsStillNeededInFull() {
        var model = Self.console([Self.ruled("act-1", approvals: [Self.approval("bob")])], as: Fixture.me)
        model.press(.enter)
        let text = model.screenText
        XCTAssertTrue(text.contains("approvals 1/2 · risk CRIT · production · needs 1 approver from security"), text)
        XCTAssertTrue(text.contains("1/2 approvals; needs 1 approver from security"), text)
    }

    // MARK: - Who is offered a

    func testAnApproverOutsideTheGroupStillNeededIsNotOfferedA() {
        let why = "You are not in security, which this still needs"
        for opened in [false, true] {
            var model = Self.console([Self.ruled("act-1", approvals: [Self.approval("bob")])], as: Fixture.me)
            if opened { model.press(.enter) }
            let bar = hints(model)
            XCTAssertTrue(bar.contains("a not offered: you are not in security, which this still needs"), bar)
            XCTAssertFalse(bar.contains("a approve"), bar)
            XCTAssertTrue(bar.contains("d deny"), "a deny counts whatever one's groups: \(bar)")
            XCTAssertFalse(model.isAvailable(.approve))
            XCTAssertEqual(model.press(.char("a")), [], "nothing is sent")
            XCTAssertNil(model.prompt)
            XCTAssertEqual(model.toast?.text, why)
            XCTAssertEqual(
                model.model.decisionBlocker(QueueRow(Self.ruled("act-1", approvals: [Self.approval("bob")])), readOnly: false, verdict: .approve), why)
            // :approve takes the same path.
            model.press(.char(":"))
            model.type("approve")
            XCTAssertEqual(model.press(.enter), [])
            XCTAssertNil(model.prompt)
        }
    }

    func testAnApproverInTheGroupStillNeededIsOfferedA() {
        let inSecurity = Principal(id: Fixture.me.id, roles: [.approver], groups: ["Security"])
        var model = Self.console([Self.ruled("act-1", approvals: [Self.approval("bob")])], as: inSecurity)
        XCTAssertTrue(hints(model).contains("a approve"), hints(model))
        XCTAssertFalse(hints(model).contains("not offered"))
        approve(&model)
        XCTAssertEqual(sent(model.press(.char("y")))?.breakGlass, false)
        // Before any approval, an open seat is left: anyone may take it.
        XCTAssertTrue(Self.console([Self.ruled("act-2")], as: Fixture.me).isAvailable(.approve))
    }

    func testTheSelfApprovalRefusalStaysFirst() {
        var model = Self.console([Self.ruled("act-1", approvals: [Self.approval("bob")], requester: Fixture.me.id)], as: Fixture.me)
        XCTAssertFalse(hints(model).contains("not offered"), "one's own request: neither a nor its reason is offered")
        model.press(.char("a"))
        XCTAssertEqual(model.toast?.text, "You requested this action (or it runs on your behalf): someone else must decide it")
    }

    func testAnApprovalThatStopsCountingWhileConfirmingIsNotSent() {
        // Two seats for anyone and one for security: carol's approval counts until two others fill the open seats.
        let rule = AppliedRule(id: "r", reason: "r", approvals: 3, groups: [GroupMinimum(group: "security", count: 1)])
        var model = Self.console([Self.ruled("act-1", rule: rule, approvals: [Self.approval("bob")])], as: Fixture.me)
        approve(&model)
        guard case .confirm? = model.prompt?.kind else { return XCTFail("no confirmation") }
        model.receive(Self.ruled("act-1", rule: rule, approvals: [Self.approval("bob"), Self.approval("dave")]), seq: 2)
        XCTAssertNil(sent(model.press(.char("y"))))
        XCTAssertEqual(model.toast?.text, "Not sent: You are not in security, which this still needs")
    }

    func testTheServersNotEligibleRefusalIsShownWithItsMessage() {
        let inSecurity = Principal(id: Fixture.me.id, roles: [.approver], groups: ["security"])
        var model = Self.console([Self.ruled("act-1", approvals: [Self.approval("bob")])], as: inSecurity)
        approve(&model)
        guard let intent = sent(model.press(.char("y"))) else { return XCTFail("nothing sent") }
        let message = "carol@example.com's approval would not count: the action needs 1 approver from security (rule prod-iam)"
        model.update(.decisionResult(intent, .rejected(status: 403, code: .notEligible, message: message, action: nil)))
        let text = model.screenText
        XCTAssertTrue(text.contains("refused: would not count"), text)
        XCTAssertTrue(text.contains("Refused: carol@example.com's approval would not count: the action needs 1 approver from security"), text)
    }

    // MARK: - The rule and the claim, apart

    func testTheDetailShowsTheRuleAndWhatTheRequesterAskedPlainlyLabelled() {
        var model = Self.console([Self.ruled("act-1")], as: Fixture.me)
        model.press(.enter)
        let text = model.screenText
        XCTAssertTrue(text.contains("Rule             prod-iam — IAM changes in production need SRE and security"), text)
        XCTAssertTrue(
            text.contains("Rule requires    risk at least critical, 2 approvers incl. 1 from security, ttl at most 30m00s, justification required"), text)
        XCTAssertTrue(text.contains("Requester asked  risk low, 1 approval, ttl 1d00h, policy prod-data (production data leaves the VPC)"), text)
    }

    func testWithNoRuleTheRequestersValuesStand() {
        var action = Fixture.action("act-1")
        action.claimed = RequesterClaim(risk: .medium, requiredApprovals: 1)
        var model = Self.console([action], as: Fixture.me)
        model.press(.enter)
        let text = model.screenText
        XCTAssertTrue(text.contains("Rule             none matched (the requester's values stand)"), text)
        XCTAssertTrue(text.contains("Requester asked  risk medium, 1 approval, ttl the server's default, no policy named"), text)
    }

    // MARK: - Rules as deciders in the history

    func testTheHistoryShowsARuleThatResolvedAnActionAsItsDecider() {
        var model = Fixture.model([])
        model.press(.char("H"))
        let rule = AppliedRule(id: "staging-restarts", reason: "restarts in staging are routine", outcome: .approve)
        var action = Fixture.action("old-1", kind: "infra.restart", summary: "Restart the staging API")
        action.rule = rule
        action.status = .approved
        action.decisions = [Decision(approver: rule.decider, verdict: .approve, reason: rule.reason, at: Fixture.now, digest: action.digest)]
        model.update(.historyPage(generation: model.history.generation, items: [action].map(HistoryItem.init), next: nil))
        let list = model.screenText
        XCTAssertTrue(list.contains("approved  med  infra.restart    by policy:staging-restarts · Restart t"), list)
        model.press(.enter)
        let detail = model.screenText
        XCTAssertTrue(detail.contains("Closed: approved at submission by policy:staging-restarts"), detail)
        XCTAssertTrue(detail.contains("approve policy:staging-restarts"), detail)
        XCTAssertTrue(detail.contains("Rule requires    approved at submission, by policy:staging-restarts"), detail)
    }
}
