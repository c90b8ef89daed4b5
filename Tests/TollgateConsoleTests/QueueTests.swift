import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// The queue: order, selection by id, sorting, filtering, and what the feed does to it.
final class QueueTests: XCTestCase {
    private func selectedID(_ model: TestConsole) -> String? { model.queueList.id?.id }

    func testMostUrgentFirst() {
        let model = Fixture.model([
            Fixture.action("act-low", risk: .low, expiresIn: 100),
            Fixture.action("act-crit-late", risk: .critical, expiresIn: 900),
            Fixture.action("act-crit-soon", risk: .critical, expiresIn: 200),
            Fixture.action("act-high", risk: .high),
        ])
        let rows = model.screenText.split(separator: "\n").dropFirst(2).prefix(4).map(String.init)
        XCTAssertTrue(rows[0].contains("(act-crit-soon)"), rows[0])
        XCTAssertTrue(rows[1].contains("(act-crit-late)"), rows[1])
        XCTAssertTrue(rows[2].contains("(act-high)"), rows[2])
        XCTAssertTrue(rows[3].contains("(act-low)"), rows[3])
        XCTAssertTrue(rows[0].hasPrefix("▶ CRIT"), "the selection starts on the most urgent row")
    }

    func testSortCyclesAndKeepsTheSelection() {
        var model = Fixture.model(Fixture.queue(6))
        model.press(.char("j"), .char("j"))
        let before = selectedID(model)
        model.press(.char("s"))
        XCTAssertEqual(model.queue.sort, .newest)
        XCTAssertTrue(model.screenText.contains("Sorted by newest"))
        XCTAssertEqual(selectedID(model), before, "sorting keeps the same action selected")
        model.press(.char("s"), .char("s"), .char("s"))
        XCTAssertEqual(model.queue.sort, .urgency)
    }

    func testNewArrivalsAboveDoNotMoveTheSelection() {
        var model = Fixture.model(Fixture.queue(60), width: 120, height: 30)
        model.press(.char("j"), .char("j"), .char("j"), .char("j"), .char("j"))
        let before = model.frame()
        let selectedRow = (0..<before.height).first { before[0, $0].text == "▶" }
        let id = selectedID(model)
        for i in 0..<5 {
            _ = model.receive(Fixture.action("new-\(i)", risk: .critical, expiresIn: 30), seq: nil)
        }
        let after = model.frame()
        XCTAssertEqual(selectedID(model), id, "the cursor stays on the action")
        XCTAssertEqual((0..<after.height).first { after[0, $0].text == "▶" }, selectedRow, "and on the same screen row")
        XCTAssertTrue(model.screenText.contains("65 pending"))
    }

    func testSelectedRowVanishingSelectsItsNeighbour() {
        var model = Fixture.model(Fixture.queue(5))
        model.press(.char("j"))
        let id = try? XCTUnwrap(selectedID(model))
        var gone = model.queueAction(ActionKey(server: .first, id: id ?? ""))
        gone?.status = .expired
        if let gone { _ = model.receive(gone, seq: nil) }
        XCTAssertEqual(selectedID(model), id, "a resolved row lingers so its outcome can be read")
        XCTAssertTrue(model.screenText.contains("[expired]"))
        _ = model.update(.tick(Fixture.now.adding(seconds: 30)))
        XCTAssertNotEqual(selectedID(model), id)
        XCTAssertNotNil(selectedID(model))
        XCTAssertTrue(model.screenText.contains("4 pending"))
    }

    /// Over SSH every byte counts: `j` must change the gutter marks and the position, not repaint rows.
    func testCursorMoveChangesAHandfulOfCells() {
        var model = Fixture.model(Fixture.queue(1_000), width: 120, height: 40)
        model.press(.char("j"))
        let before = model.frame()
        model.press(.char("j"))
        let after = model.frame()
        let changed = zip(before.cells, after.cells).filter { $0 != $1 }.count
        XCTAssertLessThanOrEqual(changed, 4, "two markers and the position digit")
        _ = model.update(.tick(Fixture.now.adding(seconds: 1)))
        let ticked = model.frame()
        let rows = Set(zip(after.cells, ticked.cells).enumerated().filter { $0.element.0 != $0.element.1 }.map { $0.offset / 120 })
        XCTAssertTrue(rows.allSatisfy { (2..<38).contains($0) }, "a tick changes countdowns only, never the header or bars")
    }

    func testMovementKeys() {
        var model = Fixture.model(Fixture.queue(100), width: 80, height: 24)
        model.press(.char("G"))
        XCTAssertTrue(model.screenText.contains("100/100"))
        model.press(.char("g"))
        XCTAssertTrue(model.screenText.contains(" 1/100"))
        model.press(.pageDown)
        XCTAssertTrue(model.screenText.contains(" 20/100"), model.screenText)
        model.press(.pageUp, .down, .down, .up)
        XCTAssertTrue(model.screenText.contains(" 2/100"))
        model.press(.char("k"), .char("k"), .char("k"))
        XCTAssertTrue(model.screenText.contains(" 1/100"), "k at the top stays on the top")
    }

    func testSlashFiltersAsYouTypeAndEscClears() {
        var model = Fixture.model(Fixture.queue(30))
        model.press(.char("/"))
        model.type("number 2")
        XCTAssertTrue(model.screenText.contains("Request number 2 "))
        XCTAssertFalse(model.screenText.contains("Request number 3 "))
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("filter: \"number 2\""))
        model.press(.escape)
        XCTAssertTrue(model.screenText.contains("Request number 3 "))
    }

    func testATextFilterFindsActionsThatArriveAfterItAndAfterItWasClearedAndSetAgain() {
        var model = Fixture.model(Fixture.queue(10))
        model.press(.char("/"))
        model.type("payments")
        model.press(.enter)
        XCTAssertEqual(model.queue.count, 0)
        _ = model.receive(Fixture.action("act-pay1", summary: "Roll out PAYMENTS 2.14"), seq: nil)
        XCTAssertEqual(model.queue.count, 1, "an arrival is searched case-insensitively while the filter is on")
        model.press(.escape)
        XCTAssertEqual(model.queue.count, 11)
        _ = model.receive(Fixture.action("act-pay2", summary: "Payments refund export"), seq: nil)
        model.press(.char("/"))
        model.type("paym")
        XCTAssertEqual(model.queue.count, 2, "an action that arrived while no filter was on is found too")
        model.type("ents r")
        XCTAssertEqual(model.queue.count, 1, "typing on narrows")
        XCTAssertTrue(model.screenText.contains("Payments refund export"))
    }

    func testFilterCommand() {
        var model = Fixture.model(Fixture.queue(8))
        model.press(.char(":"))
        model.type("filter risk=high,critical env=production")
        model.press(.enter)
        let text = model.screenText
        XCTAssertFalse(text.contains(" low "))
        XCTAssertTrue(text.contains("CRIT"))
        XCTAssertEqual(model.queue.count, 4, "four of eight match")
        model.press(.char(":"))
        model.type("filter risk=extreme")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("risk=extreme: expected low, medium, high or critical"))
    }

    func testResetKeepsRowsUntilSyncThenDropsWhatWasNotResent() {
        var model = Fixture.model(Fixture.queue(3))
        _ = model.update(.feed(.event(.reset), from: .first))
        XCTAssertTrue(model.screenText.contains("3 pending"))
        _ = model.receive(Fixture.queue(3)[1], seq: 9)
        let effects = model.update(.feed(.event(.sync(seq: 10, pending: 1)), from: .first))
        XCTAssertTrue(model.screenText.contains("1 pending"))
        XCTAssertEqual(effects, [.refreshActions(["act-0000", "act-0002"])], "the cache learns how the dropped ones ended")
    }

    func testStaleReplayCannotReopenAResolvedAction() {
        var model = Fixture.model([Fixture.action("act-1")])
        var denied = Fixture.action("act-1")
        denied.status = .denied
        _ = model.receive(denied, seq: 5)
        _ = model.receive(Fixture.action("act-1"), seq: 3)
        XCTAssertTrue(model.screenText.contains("0 pending"))
    }

    func testCachedPendingIsKnownButNotAnnounced() {
        var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: "s"))
        _ = model.update(.cachedPending([Fixture.action("c1", risk: .critical)], from: .first))
        _ = model.update(.feed(.event(.sync(seq: 1, pending: 1)), from: .first))
        XCTAssertEqual(model.receive(Fixture.action("c1", risk: .critical), seq: 2), [])
        XCTAssertTrue(model.screenText.contains("1 pending"))
    }

    func testCountdownTicks() {
        var model = Fixture.model([Fixture.action("act-1", expiresIn: 65)])
        XCTAssertTrue(model.screenText.contains("1m05s"))
        _ = model.update(.tick(Fixture.now.adding(seconds: 10)))
        XCTAssertTrue(model.screenText.contains("55s"))
        _ = model.update(.tick(Fixture.now.adding(seconds: 70)))
        XCTAssertTrue(model.screenText.contains("expired"))
    }

    func testConnectionStatesInTheHeader() {
        var model = Fixture.model()
        XCTAssertTrue(model.screenText.contains("live"))
        _ = model.update(.feed(.state(.offline("connection refused")), from: .first))
        _ = model.update(.feed(.state(.reconnecting(at: Fixture.now.adding(seconds: 4.2), attempt: 2)), from: .first))
        XCTAssertTrue(model.screenText.contains("reconnecting in 5s (try 2): connection refused"), model.screenText)
        _ = model.update(.feed(.state(.unauthorised("401 unauthenticated")), from: .first))
        XCTAssertTrue(model.screenText.contains("UNAUTHORISED: 401 unauthenticated"))
        XCTAssertEqual(model.press(.char("r")), [.reconnect])
    }
}
