import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// What alerts (new pending actions at or above the minimum risk once live, escalations that
/// start), what never does (the cache, the first catch-up, what the console already knows),
/// and the terminal title's pending count.
final class AlertTests: XCTestCase {
    private func console(_ alerts: AlertSettings = AlertSettings(), title: Bool = false, live: Bool = true) -> TestConsole {
        var model = TestConsole(
            ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: "s", alerts: alerts, titleEnabled: title))
        _ = model.update(.feed(.state(.live), from: .first))
        if live { _ = model.update(.feed(.event(.sync(seq: 1, pending: 0)), from: .first)) }
        return model
    }

    private func alerts(_ effects: [Effect]) -> [AlertEvent] {
        effects.compactMap { if case .alert(let event) = $0 { event } else { nil } }
    }

    private func escalated(_ action: Action, secondsAgo: Double = 1) -> Action {
        var copy = action
        copy.escalatedAt = Fixture.now.adding(seconds: -secondsAgo)
        return copy
    }

    // MARK: - New actions

    func testANewActionAtOrAboveTheMinimumRiskAlertsOnceLive() {
        var model = console()
        XCTAssertEqual(alerts(model.receive(Fixture.action("a1", risk: .low), seq: 2)), [])
        XCTAssertEqual(alerts(model.receive(Fixture.action("a2", risk: .medium), seq: 3)), [])
        let high = alerts(model.receive(Fixture.action("a3", risk: .high, kind: "infra.apply", summary: "Apply"), seq: 4))
        XCTAssertEqual(high, [AlertEvent(reason: .arrived, risk: .high, kind: "infra.apply", summary: "Apply")])
        XCTAssertEqual(alerts(model.receive(Fixture.action("a4", risk: .critical), seq: 5)).map(\.reason), [.arrived])
        XCTAssertEqual(alerts(model.receive(Fixture.action("a3", risk: .high), seq: 6)), [], "an update of a known action is not new")
    }

    func testTheMinimumRiskIsTheConfiguredOne() {
        var low = console(AlertSettings(minRisk: .low))
        XCTAssertEqual(alerts(low.receive(Fixture.action("a1", risk: .low), seq: 2)).count, 1)
        var critical = console(AlertSettings(minRisk: .critical))
        XCTAssertEqual(alerts(critical.receive(Fixture.action("a1", risk: .high), seq: 2)), [])
        XCTAssertEqual(alerts(critical.receive(Fixture.action("a2", risk: .critical), seq: 3)).count, 1)
    }

    func testNothingAlertsBeforeTheFirstSync() {
        var model = console(live: false)
        _ = model.update(.cachedPending([Fixture.action("c1", risk: .critical)], from: .first))
        XCTAssertEqual(alerts(model.receive(Fixture.action("s1", risk: .critical), seq: 1)), [], "the first snapshot")
        XCTAssertEqual(alerts(model.receive(escalated(Fixture.action("s2", risk: .critical)), seq: 2)), [], "even escalated")
        XCTAssertEqual(alerts(model.receive(escalated(Fixture.action("c1", risk: .critical)), seq: 3)), [], "even newly so")
        _ = model.update(.feed(.event(.sync(seq: 3, pending: 3)), from: .first))
        XCTAssertEqual(alerts(model.receive(Fixture.action("c1", risk: .critical), seq: 4)), [], "the cached one is known")
        XCTAssertEqual(alerts(model.receive(Fixture.action("n1", risk: .critical), seq: 5)).count, 1)
    }

    func testAReconnectsCatchUpAlertsOnlyForWhatTheConsoleHasNeverSeen() {
        var model = console()
        _ = model.receive(Fixture.action("k1", risk: .critical), seq: 2)
        _ = model.update(.feed(.state(.offline("connection reset")), from: .first))
        _ = model.update(.feed(.state(.connecting), from: .first))
        XCTAssertEqual(alerts(model.receive(Fixture.action("k1", risk: .critical), seq: 2)), [], "replayed, already known")
        XCTAssertEqual(alerts(model.receive(Fixture.action("n1", risk: .critical), seq: 3)).count, 1, "arrived while away")
        _ = model.update(.feed(.event(.reset), from: .first))
        XCTAssertEqual(alerts(model.receive(Fixture.action("k1", risk: .critical), seq: 9)), [], "a snapshot after reset re-sends it")
        XCTAssertEqual(alerts(model.receive(Fixture.action("n1", risk: .critical), seq: 9)), [])
    }

    func testAnActionFetchedOrReadFromTheCacheIsNotAnArrival() {
        var model = console()
        XCTAssertEqual(alerts(model.update(.fetched([Fixture.action("f1", risk: .critical)], problem: nil, from: .first))), [])
        XCTAssertEqual(alerts(model.update(.cachedPending([Fixture.action("c1", risk: .critical)], from: .first))), [])
    }

    func testOffAlertsForNothing() {
        var model = console(AlertSettings(mode: .off, minRisk: .low))
        let pending = Fixture.action("a1", risk: .critical)
        XCTAssertEqual(alerts(model.receive(pending, seq: 2)), [])
        XCTAssertEqual(alerts(model.receive(escalated(pending), seq: 3)), [])
        XCTAssertEqual(alerts(model.receive(escalated(Fixture.action("a2")), seq: 4)), [])
    }

    // MARK: - Escalations

    func testAnEscalationStartingAlertsOnceWhateverTheRisk() {
        var model = console()
        let low = Fixture.action("e1", risk: .low, summary: "Low but expiring")
        XCTAssertEqual(alerts(model.receive(low, seq: 2)), [])
        let started = alerts(model.receive(escalated(low), seq: 3))
        XCTAssertEqual(started, [AlertEvent(reason: .escalated, risk: .low, kind: low.kind, summary: "Low but expiring")])
        XCTAssertEqual(alerts(model.receive(escalated(low), seq: 4)), [], "the same escalation again")
        XCTAssertEqual(alerts(model.receive(escalated(low, secondsAgo: 0), seq: 5)), [], "a later copy of it")
    }

    func testAnActionFirstSeenEscalatedAlertsOnceAsAnEscalation() {
        var model = console()
        XCTAssertEqual(alerts(model.receive(escalated(Fixture.action("e1", risk: .critical)), seq: 2)).map(\.reason), [.escalated])
        XCTAssertEqual(alerts(model.receive(escalated(Fixture.action("e2", risk: .low)), seq: 3)).map(\.reason), [.escalated])
    }

    func testAnEscalationSeenInAFetchedCopyAlertsAndTheFeedsCopyThenDoesNot() {
        var model = console()
        let pending = Fixture.action("e1", risk: .medium)
        _ = model.receive(pending, seq: 2)
        XCTAssertEqual(alerts(model.update(.fetched([escalated(pending)], problem: nil, from: .first))).map(\.reason), [.escalated])
        XCTAssertEqual(alerts(model.receive(escalated(pending), seq: 3)), [])
    }

    func testAResolvedActionNeverAlerts() {
        var model = console()
        var approved = escalated(Fixture.action("r1", risk: .critical))
        approved.status = .approved
        XCTAssertEqual(alerts(model.receive(approved, seq: 2)), [])
    }

    // MARK: - The title

    private func titles(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .setTitle(let title) = $0 { title } else { nil } }
    }

    func testTheTitleShowsThePendingCountAndChangesOnlyWithIt() {
        var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: "s", titleEnabled: true))
        XCTAssertEqual(titles(model.update(.feed(.state(.live), from: .first))), ["tollgate: 0 pending"], "from the first message on")
        XCTAssertEqual(titles(model.update(.feed(.event(.sync(seq: 1, pending: 0)), from: .first))), [])
        XCTAssertEqual(titles(model.receive(Fixture.action("a1"), seq: 2)), ["tollgate: 1 pending"])
        XCTAssertEqual(titles(model.receive(Fixture.action("a2", risk: .low), seq: 3)), ["tollgate: 2 pending"])
        XCTAssertEqual(titles(model.receive(Fixture.action("a2", risk: .low), seq: 4)), [], "the same count is not sent again")
        XCTAssertEqual(titles(model.update(.tick(Fixture.now.adding(seconds: 1)))), [], "nor on a tick")
        XCTAssertEqual(titles(model.press(.down)), [], "nor on a key")
        XCTAssertEqual(titles(model.receive(escalated(Fixture.action("a1")), seq: 5)), ["tollgate: 2 pending, 1 escalated"])
        var denied = escalated(Fixture.action("a1"))
        denied.status = .denied
        XCTAssertEqual(titles(model.receive(denied, seq: 6)), ["tollgate: 1 pending"], "a lingering row is no longer pending")
    }

    func testNoTitleWithoutTheOptionOrOffline() {
        var model = console(title: false)
        XCTAssertEqual(titles(model.receive(Fixture.action("a1"), seq: 2)), [])
        var offline = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: nil, titleEnabled: true))
        XCTAssertEqual(titles(offline.update(.resize(Size(width: 120, height: 40)))), [])
    }
}
