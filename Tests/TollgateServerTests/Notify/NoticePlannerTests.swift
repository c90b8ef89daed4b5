import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// What the planner says each committed change owes the notifiers, and when escalation windows
/// open: the events of each kind of transition (made by the real decision rules), who is told
/// (risk, environments as policy matches them, events subscribed), and escalations firing once.
final class NoticePlannerTests: XCTestCase {
    private static let created = Timestamp(milliseconds: 1_700_000_000_000)
    private static let expires = created.adding(seconds: 3_600)
    private static let alice = Principal(id: "alice", roles: [.approver])
    private static let bob = Principal(id: "bob", roles: [.approver])
    private static let agent = Principal(id: "agent-1", roles: [.agent])
    private static let json = #"{"id":"act_stored","summary":"as stored, masked"}"#

    // MARK: - Helpers

    private static func pending(approvals: Int = 1, risk: Risk = .high, environment: String? = "production") -> Action {
        var action = Action(
            id: "act_01hzz0000000000000000000000", createdAt: created, expiresAt: expires, requester: Requester(id: agent.id),
            kind: "db.migrate", summary: "migrate", environment: environment, risk: risk, policy: Policy(id: "p", reason: "r"),
            requiredApprovals: approvals)
        action.digest = ActionDigest.compute(action)
        return action
    }

    private static func decide(_ action: Action, by approver: Principal, _ verdict: Verdict, breakGlass: Bool = false) throws -> Action {
        let reason = breakGlass ? "the pager is on fire and nobody else is awake" : "checked"
        return try DecisionRules.decide(
            action, by: approver, DecisionRequest(verdict: verdict, reason: reason, digest: action.digest, breakGlass: breakGlass),
            at: created.adding(seconds: 60))
    }

    /// A submission a policy rule resolved at once, as the server stores it.
    private static func resolvedByRule(_ verdict: Verdict) -> Action {
        var action = pending()
        action.decisions = [Decision(approver: "policy:auto", verdict: verdict, reason: "routine", at: created, digest: action.digest)]
        action.status = verdict == .approve ? .approved : .denied
        action.resolvedAt = created
        return action
    }

    private static func events(_ previous: Action?, _ current: Action) -> [NotifierSettings.Event] {
        NoticePlanner.events(of: Ledger.Transition(previous: previous, current: current))
    }

    /// The notifiers of `[[notify]]` tables, one per entry: its id and the keys after `url`.
    private static func notifiers(_ tables: KeyValuePairs<String, String>) throws -> [NotifierSettings] {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        let text = tables.map { "[[notify]]\nid = \"\($0.key)\"\nurl = \"https://hooks.example.com/\($0.key)\"\n\($0.value)\n" }.joined(separator: "\n")
        try configuration.apply(fileText: text, file: "server.toml")
        return configuration.notifiers
    }

    private static func planner(_ tables: KeyValuePairs<String, String>) throws -> NoticePlanner {
        NoticePlanner(notifiers: try notifiers(tables))
    }

    /// (notifier, event) of each delivery `planner` plans for the change from `previous` to `current`.
    private static func told(_ planner: NoticePlanner, _ previous: Action?, _ current: Action) -> [String] {
        planner.deliveries(for: Ledger.Transition(previous: previous, current: current), json: json, at: created).map {
            "\($0.notifier) \($0.event.rawValue)"
        }
    }

    // MARK: - Events of a transition

    func testASubmissionLeftPendingIsPending() {
        XCTAssertEqual(Self.events(nil, Self.pending()), [.pending])
    }

    /// A rule's `approve` or `deny` resolves at submission: nobody is asked, so it is not pending.
    func testASubmissionResolvedByARuleIsResolvedAndNotPending() {
        for verdict in Verdict.allCases {
            XCTAssertEqual(Self.events(nil, Self.resolvedByRule(verdict)), [.resolved], "\(verdict)")
        }
    }

    func testAPartialApprovalAnnouncesNothing() throws {
        let submitted = Self.pending(approvals: 2)
        let partial = try Self.decide(submitted, by: Self.alice, .approve)
        XCTAssertEqual(partial.status, .pending)
        XCTAssertEqual(Self.events(submitted, partial), [])
    }

    func testTheFinalApprovalAndADenialAreResolved() throws {
        let submitted = Self.pending(approvals: 2)
        let partial = try Self.decide(submitted, by: Self.alice, .approve)
        let approved = try Self.decide(partial, by: Self.bob, .approve)
        XCTAssertEqual(approved.status, .approved)
        XCTAssertEqual(Self.events(partial, approved), [.resolved])
        let denied = try Self.decide(partial, by: Self.bob, .deny)
        XCTAssertEqual(Self.events(partial, denied), [.resolved])
    }

    func testABreakGlassApprovalIsResolvedAndBreakGlass() throws {
        let submitted = Self.pending(approvals: 3)
        let broken = try Self.decide(submitted, by: Principal(id: "carol", roles: [.approver, .breakglass]), .approve, breakGlass: true)
        XCTAssertEqual(broken.status, .approved)
        XCTAssertEqual(Self.events(submitted, broken), [.resolved, .breakGlass])
    }

    func testAnExpiryAndACancellationAreResolved() throws {
        let submitted = Self.pending()
        let expired = try XCTUnwrap(DecisionRules.expiring(submitted, at: Self.expires))
        XCTAssertEqual(Self.events(submitted, expired), [.resolved])
        let cancelled = try DecisionRules.cancel(submitted, by: Self.agent, at: Self.created.adding(seconds: 5))
        XCTAssertEqual(Self.events(submitted, cancelled), [.resolved])
    }

    /// A resolved action announced again would page someone twice for one outcome.
    func testAChangeOfAnAlreadyResolvedActionAnnouncesNothing() throws {
        let broken = try Self.decide(Self.pending(approvals: 3), by: Principal(id: "carol", roles: [.breakglass]), .approve, breakGlass: true)
        var touched = broken
        touched.escalatedAt = Self.created.adding(seconds: 90)
        XCTAssertEqual(Self.events(broken, touched), [])
        XCTAssertEqual(Self.events(broken, broken), [])
        let approved = try Self.decide(Self.pending(), by: Self.alice, .approve)
        var expiredAfter = approved
        expiredAfter.status = .expired
        XCTAssertEqual(Self.events(approved, expiredAfter), [], "resolved before: no second resolution")
    }

    /// Marking an action escalated is a feed event, not a transition the notifiers hear of:
    /// escalations are planned apart, once per window.
    func testAnEscalationUpdateAnnouncesNothing() {
        let submitted = Self.pending()
        var escalated = submitted
        escalated.escalatedAt = Self.expires.adding(seconds: -300)
        XCTAssertEqual(Self.events(submitted, escalated), [])
    }

    // MARK: - Deliveries

    func testWithoutNotifiersNothingIsPlanned() {
        let planner = NoticePlanner(notifiers: [])
        XCTAssertTrue(planner.isEmpty)
        XCTAssertEqual(Self.told(planner, nil, Self.pending()), [])
    }

    func testOnlyActionsAtLeastTheMinimumRiskAreTold() throws {
        let planner = try Self.planner(["all": "", "high": "min_risk = \"high\"", "critical": "min_risk = \"critical\""])
        XCTAssertFalse(planner.isEmpty)
        XCTAssertEqual(Self.told(planner, nil, Self.pending(risk: .low)), ["all pending"])
        XCTAssertEqual(Self.told(planner, nil, Self.pending(risk: .medium)), ["all pending"])
        XCTAssertEqual(Self.told(planner, nil, Self.pending(risk: .high)), ["all pending", "high pending"])
        XCTAssertEqual(Self.told(planner, nil, Self.pending(risk: .critical)), ["all pending", "high pending", "critical pending"])
    }

    /// An agent writes the environment; however it spells `production`, a notifier for
    /// production hears of it exactly when a policy rule for production matches it.
    func testEnvironmentsMatchAsPolicyMatchesThem() throws {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        try configuration.apply(
            fileText: """
                [[notify]]
                id = "prod"
                url = "https://hooks.example.com/prod"
                environments = ["production", "eu-*"]

                [[policy]]
                id = "prod"
                reason = "production"
                environments = ["production", "eu-*"]
                """, file: "server.toml")
        let planner = NoticePlanner(notifiers: configuration.notifiers)
        let told = [
            "production", "Production", "PRODUCTION", "production ", " production", "ｐｒｏｄｕｃｔｉｏｎ", "production.", "pro\u{200B}duction",
            "eu-west", "EU-West",
        ]
        let untold: [String?] = [nil, "", "staging", "production-eu", "prod", "productio", "eu", "us-east"]
        for environment in told.map(Optional.some) + untold {
            let policyMatches =
                configuration.policy.firstMatch(PolicySubject(kind: "db.migrate", environment: environment, resource: nil, requester: "agent-1")) != nil
            let isTold = Self.told(planner, nil, Self.pending(environment: environment)) == ["prod pending"]
            XCTAssertEqual(isTold, policyMatches, "\(environment.debugDescription): told \(isTold), policy matches \(policyMatches)")
            XCTAssertEqual(isTold, environment.map(told.contains) ?? false, "\(environment.debugDescription)")
        }
    }

    func testOnlyTheEventsSubscribedAreTold() throws {
        let planner = try Self.planner([
            "pending": "events = [\"pending\"]", "resolved": "events = [\"resolved\"]", "glass": "events = [\"break-glass\"]",
            "escalation": "events = [\"escalation\"]\nescalate_before_seconds = 60", "every": "",
        ])
        let submitted = Self.pending(approvals: 2)
        XCTAssertEqual(Self.told(planner, nil, submitted), ["pending pending", "every pending"])
        let broken = try Self.decide(submitted, by: Principal(id: "carol", roles: [.breakglass]), .approve, breakGlass: true)
        XCTAssertEqual(Self.told(planner, submitted, broken), ["resolved resolved", "glass break-glass", "every resolved", "every break-glass"])
        let denied = try Self.decide(submitted, by: Self.alice, .deny)
        XCTAssertEqual(Self.told(planner, submitted, denied), ["resolved resolved", "every resolved"])
        XCTAssertEqual(Self.told(planner, submitted, try Self.decide(submitted, by: Self.alice, .approve)), [], "a partial approval")
    }

    /// Every delivery carries the JSON it was given (the action as stored, masked), the
    /// action's id and the commit's time, under an id of its own.
    func testEachDeliveryCarriesTheStoredJSONUnderAUniqueId() throws {
        let planner = try Self.planner(["a": "", "b": ""])
        let submitted = Self.pending(approvals: 3)
        let broken = try Self.decide(submitted, by: Principal(id: "carol", roles: [.breakglass]), .approve, breakGlass: true)
        let now = Self.created.adding(seconds: 61)
        var ids: Set<String> = []
        var count = 0
        for _ in 0..<250 {
            let deliveries = planner.deliveries(for: Ledger.Transition(previous: submitted, current: broken), json: Self.json, at: now)
            XCTAssertEqual(deliveries.map { "\($0.notifier) \($0.event.rawValue)" }, ["a resolved", "a break-glass", "b resolved", "b break-glass"])
            for delivery in deliveries {
                XCTAssertEqual(delivery.actionJSON, Self.json)
                XCTAssertEqual(delivery.actionID, broken.id)
                XCTAssertEqual(delivery.createdAt, now)
                XCTAssertEqual(delivery.attempts, 0)
                XCTAssertTrue(delivery.id.hasPrefix("dlv_"), delivery.id)
                XCTAssertEqual(delivery.id.count, 30, delivery.id)
                XCTAssertTrue(delivery.id.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }, delivery.id)
                ids.insert(delivery.id)
                count += 1
            }
        }
        XCTAssertEqual(ids.count, count, "every delivery has an id of its own, even planned in the same millisecond")
    }

    // MARK: - Escalation windows

    /// `early` escalates 300 s before expiry and covers everything; `late`, 60 s before, covers
    /// critical actions only; `never` does not escalate.
    private static func escalating() throws -> NoticePlanner {
        try planner([
            "early": "events = [\"escalation\"]\nescalate_before_seconds = 300",
            "late": "events = [\"pending\", \"escalation\"]\nescalate_before_seconds = 60\nmin_risk = \"critical\"", "never": "",
        ])
    }

    func testTheWindowsTheLedgerQueries() throws {
        XCTAssertEqual(try Self.escalating().escalationWindows.map { "\($0.notifier) \($0.seconds)" }, ["early 300", "late 60"])
    }

    func testAWindowOpensExactlyItsTimeBeforeExpiryAndClosesAtExpiry() throws {
        let planner = try Self.escalating()
        let action = Self.pending(risk: .high)
        func at(_ secondsBeforeExpiry: Double) -> String {
            let (open, firing) = planner.escalations(of: action, at: Self.expires.adding(seconds: -secondsBeforeExpiry))
            return "open \(open) firing \(firing)"
        }
        XCTAssertEqual(at(3_000), "open [] firing []")
        XCTAssertEqual(at(300.001), "open [] firing []", "not a millisecond early")
        XCTAssertEqual(at(300), "open [\"early\"] firing [\"early\"]")
        XCTAssertEqual(at(60.001), "open [\"early\"] firing [\"early\"]")
        XCTAssertEqual(at(60), "open [\"early\", \"late\"] firing [\"early\"]", "late opens, but does not cover a high action")
        XCTAssertEqual(at(0.001), "open [\"early\", \"late\"] firing [\"early\"]")
        XCTAssertEqual(at(0), "open [] firing []", "at expiry the action is expiring, not escalating")
        XCTAssertEqual(at(-10), "open [] firing []")
    }

    func testAWindowFiresForTheNotifiersThatCoverTheAction() throws {
        let (open, firing) = try Self.escalating().escalations(of: Self.pending(risk: .critical), at: Self.expires.adding(seconds: -30))
        XCTAssertEqual(open, ["early", "late"])
        XCTAssertEqual(firing, ["early", "late"])
    }

    func testAResolvedActionNeverEscalates() throws {
        let planner = try Self.escalating()
        let submitted = Self.pending(risk: .critical)
        let resolved = [
            try Self.decide(submitted, by: Self.alice, .deny), try DecisionRules.cancel(submitted, by: Self.agent, at: Self.created),
            Self.resolvedByRule(.approve),
        ]
        for action in resolved {
            let (open, firing) = planner.escalations(of: action, at: Self.expires.adding(seconds: -30))
            XCTAssertEqual(open + firing, [], "\(action.status)")
        }
    }

    func testWithoutEscalatingNotifiersNothingOpens() throws {
        let planner = try Self.planner(["never": "", "pending": "events = [\"pending\"]"])
        XCTAssertEqual(planner.escalationWindows.count, 0)
        let (open, firing) = planner.escalations(of: Self.pending(), at: Self.expires.adding(seconds: -1))
        XCTAssertEqual(open + firing, [])
    }

    // MARK: - Escalation sweeps

    /// Only a window this sweep recorded first fires: one another sweep (or replica) recorded
    /// already has had its delivery.
    func testOnlyNewlyOpenWindowsFire() throws {
        let planner = try Self.escalating()
        let action = Self.pending(risk: .critical)
        let now = Self.expires.adding(seconds: -30)
        let first = planner.escalation(of: action, firing: ["early", "late"], newlyOpen: ["early", "late"], at: now)
        XCTAssertEqual(first.fire, ["early", "late"])
        XCTAssertEqual(first.escalated?.escalatedAt, now)
        XCTAssertEqual(first.escalated?.status, .pending)
        let partly = planner.escalation(of: action, firing: ["early", "late"], newlyOpen: ["late"], at: now)
        XCTAssertEqual(partly.fire, ["late"])
        let none = planner.escalation(of: action, firing: ["early", "late"], newlyOpen: [], at: now)
        XCTAssertEqual(none.fire, [])
        XCTAssertNil(none.escalated, "nothing new: nothing stored")
    }

    /// A window that opens on an action its notifier does not cover fires nothing and marks nothing.
    func testANewWindowThatDoesNotFireMarksNothing() throws {
        let result = try Self.escalating().escalation(of: Self.pending(risk: .high), firing: ["early"], newlyOpen: ["late"], at: Self.expires)
        XCTAssertEqual(result.fire, [])
        XCTAssertNil(result.escalated)
    }

    /// `escalated_at` says when the action first escalated: a later window fires but keeps it.
    func testEscalatedAtIsSetOnce() throws {
        let planner = try Self.escalating()
        let firstAt = Self.expires.adding(seconds: -300)
        let first = try XCTUnwrap(planner.escalation(of: Self.pending(risk: .critical), firing: ["early"], newlyOpen: ["early"], at: firstAt).escalated)
        XCTAssertEqual(first.escalatedAt, firstAt)
        let later = planner.escalation(of: first, firing: ["early", "late"], newlyOpen: ["late"], at: Self.expires.adding(seconds: -60))
        XCTAssertEqual(later.fire, ["late"])
        XCTAssertNil(later.escalated, "already escalated: no second feed event, escalated_at unchanged")
    }
}
