import TollgateCore
import XCTest

@testable import TollgateConsole

/// The alert gate with a clock the test moves: a burst is one alert, never more than one a
/// second, and every event is counted in some alert.
final class AlertGateTests: XCTestCase {
    private let start = ContinuousClock.now

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    private func event(_ reason: AlertEvent.Reason = .arrived, risk: Risk = .high, summary: String = "Apply the plan") -> AlertEvent {
        AlertEvent(reason: reason, risk: risk, kind: "infra.apply", summary: summary)
    }

    /// Runs the gate as the UI loop does, asking every `step` ms up to `until`; events at the
    /// given times. Returns each alert with when it went out.
    private func run(events: [(Int, AlertEvent)], until end: Int, step: Int = 10) -> [(Int, Alert)] {
        var gate = AlertGate()
        var pending = events.sorted { $0.0 < $1.0 }[...]
        var fired: [(Int, Alert)] = []
        var t = 0
        while t <= end {
            while let next = pending.first, next.0 <= t {
                gate.offer(next.1, at: at(next.0))
                pending = pending.dropFirst()
            }
            if let alert = gate.take(at: at(t)) { fired.append((t, alert)) }
            t += step
        }
        return fired
    }

    func testALoneActionAlertsOnceItHasSettled() {
        var gate = AlertGate()
        XCTAssertNil(gate.due)
        gate.offer(event(), at: at(0))
        XCTAssertEqual(gate.due, at(500))
        XCTAssertNil(gate.take(at: at(499)), "not before the burst could be over")
        let alert = gate.take(at: at(500))
        XCTAssertEqual(alert?.total, 1)
        XCTAssertEqual(alert?.title, "new high action")
        XCTAssertEqual(alert?.others, "")
        XCTAssertNil(gate.take(at: at(10_000)), "sent once")
        XCTAssertNil(gate.due)
    }

    func testABurstIsOneAlertThatCountsEveryAction() {
        let burst = (0..<25).map { (i: Int) in (i * 40, event(summary: "action \(i)")) }
        let fired = run(events: burst, until: 10_000)
        XCTAssertEqual(fired.count, 1, "\(fired.map(\.0))")
        XCTAssertEqual(fired.first?.1.total, 25)
        XCTAssertEqual(fired.first?.1.title, "25 new actions")
        XCTAssertEqual(fired.first?.1.others, " (and 24 more)")
    }

    func testASteadyStreamAlertsAtMostOnceASecondAndCountsEverything() {
        let stream = (0..<40).map { (i: Int) in (i * 300, event()) }
        let fired = run(events: stream, until: 20_000, step: 7)
        XCTAssertGreaterThan(fired.count, 3, "a stream that never pauses still alerts")
        for (a, b) in zip(fired, fired.dropFirst()) {
            XCTAssertGreaterThanOrEqual(b.0 - a.0, 1_000, "alerts at \(a.0) and \(b.0) ms")
        }
        XCTAssertEqual(fired.reduce(0) { $0 + $1.1.total }, 40, "every event is in some alert")
        XCTAssertLessThanOrEqual(fired.first?.0 ?? .max, 2_010, "the first waits at most two seconds")
    }

    func testTheNextAlertWaitsASecondAfterTheLastOne() {
        var gate = AlertGate()
        gate.offer(event(), at: at(0))
        XCTAssertNotNil(gate.take(at: at(500)))
        gate.offer(event(), at: at(600))
        XCTAssertEqual(gate.due, at(1_500), "a second after the last alert, not settle after the event")
        XCTAssertNil(gate.take(at: at(1_100)))
        XCTAssertEqual(gate.take(at: at(1_500))?.total, 1)
    }

    func testAnEscalationIsTheHeadlineOfItsBurstThenTheRiskiestArrival() {
        var gate = AlertGate()
        gate.offer(event(risk: .high, summary: "first high"), at: at(0))
        gate.offer(event(risk: .critical, summary: "the critical one"), at: at(10))
        gate.offer(event(risk: .critical, summary: "a later critical"), at: at(20))
        XCTAssertEqual(gate.take(at: at(1_000))?.headline.summary, "the critical one")
        gate.offer(event(risk: .critical, summary: "critical"), at: at(2_000))
        gate.offer(event(.escalated, risk: .low, summary: "about to expire"), at: at(2_010))
        gate.offer(event(.escalated, risk: .medium, summary: "also expiring"), at: at(2_020))
        let alert = gate.take(at: at(3_000))
        XCTAssertEqual(alert?.headline.summary, "about to expire")
        XCTAssertEqual(alert?.title, "1 new action, 2 escalated")
        XCTAssertEqual(alert?.subject, "infra.apply: about to expire")
    }

    func testOneEscalationSaysSo() {
        var gate = AlertGate()
        gate.offer(event(.escalated, risk: .low), at: at(0))
        XCTAssertEqual(gate.take(at: at(500))?.title, "escalated low action")
    }

    func testAnEventKeepsABoundedSummary() {
        let long = AlertEvent(reason: .arrived, risk: .high, kind: String(repeating: "k", count: 5_000), summary: String(repeating: "s", count: 1 << 20))
        XCTAssertEqual(long.summary.count, AlertEvent.keptSummary)
        XCTAssertEqual(long.kind.count, AlertEvent.keptSummary)
    }
}
