import TollgateCore
import XCTest

@testable import TollgateServer

/// What each kind of committed change adds to the metrics' counters, with the changes made by
/// the real decision rules (`DecisionRules`), as the ledger would commit them.
final class TransitionTallyTests: XCTestCase {
    private static let created = Timestamp(milliseconds: 1_700_000_000_000)
    private static let alice = Principal(id: "alice", roles: [.approver])
    private static let bob = Principal(id: "bob", roles: [.approver])

    private static func pending(approvals: Int = 1, risk: Risk = .high) -> Action {
        var action = Action(
            id: "act_01hzz0000000000000000000000", createdAt: created, expiresAt: created.adding(seconds: 3_600),
            requester: Requester(id: "agent-1"), kind: "db.migrate", summary: "migrate", risk: risk,
            policy: Policy(id: "p", reason: "r"), requiredApprovals: approvals)
        action.digest = ActionDigest.compute(action)
        return action
    }

    private static func decide(_ action: Action, by approver: Principal, _ verdict: Verdict, afterSeconds seconds: Double) throws -> Action {
        try DecisionRules.decide(
            action, by: approver, DecisionRequest(verdict: verdict, reason: "checked", digest: action.digest), at: created.adding(seconds: seconds))
    }

    private static func tally(_ previous: Action?, _ current: Action) -> TransitionTally {
        TransitionTally([Ledger.Transition(previous: previous, current: current)])
    }

    func testASubmissionLeftPendingIsASubmissionOnly() {
        let tally = Self.tally(nil, Self.pending())
        XCTAssertEqual(tally.submissions, 1)
        XCTAssertEqual(tally.decisions, [:])
        XCTAssertEqual(tally.resolutions, [:])
        XCTAssertEqual(tally.decisionLatencies, [])
    }

    /// A policy's `approve` or `deny` outcome: submitted, decided by `policy:<id>` and resolved in
    /// one commit, which took nobody any time to decide.
    func testASubmissionResolvedByAPolicyIsASubmissionADecisionAndAResolution() {
        for verdict in Verdict.allCases {
            var action = Self.pending()
            action.decisions = [Decision(approver: "policy:auto", verdict: verdict, reason: "routine", at: Self.created, digest: action.digest)]
            action.status = verdict == .approve ? .approved : .denied
            action.resolvedAt = Self.created
            let tally = Self.tally(nil, action)
            XCTAssertEqual(tally.submissions, 1)
            XCTAssertEqual(tally.decisions, [verdict: 1])
            XCTAssertEqual(tally.resolutions, [action.status: 1])
            XCTAssertEqual(tally.decisionLatencies, [], "an outcome at submission is not a person's decision time")
        }
    }

    func testTheFirstOfTwoApprovalsIsADecisionAndNoResolution() throws {
        let submitted = Self.pending(approvals: 2)
        let partial = try Self.decide(submitted, by: Self.alice, .approve, afterSeconds: 30)
        XCTAssertEqual(partial.status, .pending)
        let tally = Self.tally(submitted, partial)
        XCTAssertEqual(tally.submissions, 0)
        XCTAssertEqual(tally.decisions, [.approve: 1])
        XCTAssertEqual(tally.resolutions, [:])
        XCTAssertEqual(tally.decisionLatencies, [])
    }

    func testTheFinalApprovalResolvesWithTheTimeSinceSubmission() throws {
        let partial = try Self.decide(Self.pending(approvals: 2), by: Self.alice, .approve, afterSeconds: 30)
        let approved = try Self.decide(partial, by: Self.bob, .approve, afterSeconds: 90)
        XCTAssertEqual(approved.status, .approved)
        let tally = Self.tally(partial, approved)
        XCTAssertEqual(tally.decisions, [.approve: 1], "only bob's decision is new")
        XCTAssertEqual(tally.resolutions, [.approved: 1])
        XCTAssertEqual(tally.decisionLatencies, [90_000], "created_at to resolved_at, not since the first approval")
    }

    func testADenialIsADecisionAndAResolution() throws {
        let submitted = Self.pending()
        let denied = try Self.decide(submitted, by: Self.alice, .deny, afterSeconds: 4.5)
        let tally = Self.tally(submitted, denied)
        XCTAssertEqual(tally.decisions, [.deny: 1])
        XCTAssertEqual(tally.resolutions, [.denied: 1])
        XCTAssertEqual(tally.decisionLatencies, [4_500])
    }

    func testAnExpiryIsAResolutionWithoutADecision() throws {
        let submitted = Self.pending()
        let expired = try XCTUnwrap(DecisionRules.expiring(submitted, at: submitted.expiresAt.adding(seconds: 1)))
        let tally = Self.tally(submitted, expired)
        XCTAssertEqual(tally.decisions, [:])
        XCTAssertEqual(tally.resolutions, [.expired: 1])
        XCTAssertEqual(tally.decisionLatencies, [], "an expiry is nobody's decision")
    }

    func testACancellationIsAResolutionWithoutADecision() throws {
        let submitted = Self.pending()
        let cancelled = try DecisionRules.cancel(submitted, by: Principal(id: "agent-1", roles: [.agent]), at: Self.created.adding(seconds: 5))
        let tally = Self.tally(submitted, cancelled)
        XCTAssertEqual(tally.decisions, [:])
        XCTAssertEqual(tally.resolutions, [.cancelled: 1])
        XCTAssertEqual(tally.decisionLatencies, [])
    }

    /// An idempotent replay answers with the action as it stands: the same before and after.
    /// The escalation mark changes a pending action without a decision.
    func testAChangeThatDecidesNothingCountsNothing() throws {
        let approved = try Self.decide(Self.pending(), by: Self.alice, .approve, afterSeconds: 10)
        var escalated = Self.pending()
        escalated.escalatedAt = Self.created.adding(seconds: 3_300)
        for (previous, current) in [(approved, approved), (Self.pending(), Self.pending()), (Self.pending(), escalated)] {
            XCTAssertEqual(Self.tally(previous, current), TransitionTally([]))
        }
    }

    func testACommitOfSeveralTransitionsAddsThemAllUp() throws {
        let submitted = Self.pending()
        let denied = try Self.decide(submitted, by: Self.alice, .deny, afterSeconds: 2)
        let other = Self.pending(approvals: 2)
        let partial = try Self.decide(other, by: Self.bob, .approve, afterSeconds: 3)
        let tally = TransitionTally([
            Ledger.Transition(previous: nil, current: submitted), Ledger.Transition(previous: submitted, current: denied),
            Ledger.Transition(previous: other, current: partial),
        ])
        XCTAssertEqual(tally.submissions, 1)
        XCTAssertEqual(tally.decisions, [.deny: 1, .approve: 1])
        XCTAssertEqual(tally.resolutions, [.denied: 1])
        XCTAssertEqual(tally.decisionLatencies, [2_000])
    }

    /// Replicas' clocks may disagree: a resolution stamped before the creation is no negative time.
    func testAResolutionBeforeTheCreationTimeCountsAsNoTime() throws {
        let submitted = Self.pending()
        var denied = try Self.decide(submitted, by: Self.alice, .deny, afterSeconds: 1)
        denied.resolvedAt = Self.created.adding(seconds: -2)
        XCTAssertEqual(Self.tally(submitted, denied).decisionLatencies, [0])
    }
}
