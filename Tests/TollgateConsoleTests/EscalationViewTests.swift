import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Escalated pending actions: first in the queue whatever the sort, soonest expiry first, the
/// others in their own order; marked in the alert role and by characters that need no colour;
/// the detail says when the escalation started.
final class EscalationViewTests: XCTestCase {
    private func escalated(_ action: Action) -> Action {
        var copy = action
        copy.escalatedAt = Fixture.now.adding(seconds: -5)
        return copy
    }

    private func order(_ model: TestConsole) -> [ActionKey] {
        (0..<model.queue.count).compactMap { model.queue.id(at: $0) }
    }

    /// Eight actions of every risk and expiry; `e-late` and `e-soon` escalated.
    private func mixed() -> [Action] {
        [
            Fixture.action("c-1", risk: .critical, createdSecondsAgo: 50, expiresIn: 900),
            Fixture.action("h-1", risk: .high, createdSecondsAgo: 40, expiresIn: 300),
            escalated(Fixture.action("e-late", risk: .critical, createdSecondsAgo: 10, expiresIn: 240)),
            Fixture.action("m-1", risk: .medium, createdSecondsAgo: 30, expiresIn: 100),
            escalated(Fixture.action("e-soon", risk: .low, createdSecondsAgo: 90, expiresIn: 60)),
            Fixture.action("l-1", risk: .low, createdSecondsAgo: 20, expiresIn: 50),
        ]
    }

    func testEscalatedActionsComeFirstSoonestExpiryFirstAndTheRestKeepTheirOrder() {
        var model = Fixture.model(mixed())
        XCTAssertEqual(order(model), ["e-soon", "e-late", "c-1", "h-1", "m-1", "l-1"], "urgency: risk, then time left")
        _ = model.update(.key(.char("s")))
        XCTAssertEqual(model.queue.sort, .newest)
        XCTAssertEqual(order(model), ["e-soon", "e-late", "l-1", "m-1", "h-1", "c-1"])
        _ = model.update(.key(.char("s")))
        XCTAssertEqual(order(model), ["e-soon", "e-late", "c-1", "h-1", "m-1", "l-1"], "oldest")
        _ = model.update(.key(.char("s")))
        XCTAssertEqual(model.queue.sort, .kind)
        XCTAssertEqual(order(model).prefix(2), ["e-soon", "e-late"])
    }

    func testAnEscalationArrivingMovesTheRowFirstAndAFilterFollows() {
        var model = Fixture.model(Fixture.queue(40))
        let last = order(model).last ?? ""
        let action = Fixture.queue(40).first { $0.id == last.id }
        guard let action else { return XCTFail("no last row") }
        _ = model.receive(escalated(action), seq: 90)
        XCTAssertEqual(order(model).first, last)
        XCTAssertEqual(order(model).count, 40)
        _ = model.update(.key(.char("/")))
        _ = model.type("Request number")
        _ = model.update(.key(.enter))
        XCTAssertEqual(model.queue.id(at: 0), last, "the filtered list keeps the same order")
    }

    func testAResolvedEscalatedRowKeepsItsPlaceWhileItLingers() {
        var model = Fixture.model(mixed())
        var approved = escalated(Fixture.action("e-late", risk: .critical, createdSecondsAgo: 10, expiresIn: 240))
        approved.status = .approved
        _ = model.receive(approved, seq: 9)
        XCTAssertEqual(order(model).prefix(2), ["e-soon", "e-late"])
        XCTAssertFalse(rowLine("e-late", model).contains("ESCALATED"), "the outcome is what it shows now")
    }

    private func rowLine(_ id: String, _ model: TestConsole) -> String {
        model.screenText.split(separator: "\n").first { $0.contains("(\(id))") }.map(String.init) ?? ""
    }

    func testTheQueueMarksEscalatedRowsInTheAlertRoleAndWithoutColour() throws {
        let model = Fixture.model(mixed())
        let frame = model.frame()
        let lines = frame.plainText.split(separator: "\n", omittingEmptySubsequences: false)
        let y = try XCTUnwrap(lines.firstIndex { $0.contains("(e-late)") })
        let line = lines[y]
        XCTAssertEqual(Array(line)[1], "!", "a gutter mark a narrow summary cannot cut: \(line)")
        XCTAssertEqual(frame[1, y].role, .alert)
        let word = try XCTUnwrap(line.range(of: "ESCALATED "))
        let x = line.distance(from: line.startIndex, to: word.lowerBound)
        XCTAssertEqual(Set((x..<x + 9).map { frame[$0, y].role }), [.alert])
        XCTAssertFalse(rowLine("c-1", model).contains("ESCALATED"))
        XCTAssertNotEqual(Array(rowLine("c-1", model))[1], "!")
        // Monochrome themes draw the alert role in reverse video too; the words stand without it.
        let mono = try Snapshot.shippedTheme("monochrome")
        XCTAssertFalse(mono[.alert].monochrome.isEmpty)
    }

    func testTheHeaderCountsEscalations() {
        let model = Fixture.model(mixed())
        let header = model.screenText.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(header.contains("6 pending 2 ESCALATED"), header)
    }

    func testTheDetailSaysWhenTheEscalationStarted() throws {
        var model = Fixture.model(mixed())
        _ = model.press(.enter)
        let text = model.screenText
        XCTAssertTrue(text.contains("Escalated        2026-11-18 11:06:35Z (about to expire undecided)"), text)
        XCTAssertTrue(text.contains(" PENDING · expires in 1m00s · ESCALATED · approvals 0/1"), text)
        let frame = model.frame()
        let lines = frame.plainText.split(separator: "\n", omittingEmptySubsequences: false)
        let y = try XCTUnwrap(lines.firstIndex { $0.contains(" PENDING ") })
        let x = try XCTUnwrap(lines[y].range(of: "ESCALATED")).lowerBound
        let column = lines[y].distance(from: lines[y].startIndex, to: x)
        XCTAssertEqual(Set((column..<column + 9).map { frame[$0, y].role }), [.alert])
        _ = model.press(.escape, .down, .down)
        _ = model.press(.enter)
        XCTAssertFalse(model.screenText.contains("Escalated "), "c-1 is not escalated")
    }

    func testMovingTheSelectionOverEscalatedRowsChangesOnlyTheMarkerColumn() {
        var model = Fixture.model(mixed())
        let before = model.frame()
        _ = model.press(.down)
        let after = model.frame()
        var changed: Set<Int> = []
        let rows = before.plainText.split(separator: "\n", omittingEmptySubsequences: false).indices.filter { y in
            before.plainText.split(separator: "\n", omittingEmptySubsequences: false)[y].contains("Export customers table")
        }
        XCTAssertEqual(rows.count, 6)
        for y in rows {
            for x in 0..<before.width where before[x, y] != after[x, y] { changed.insert(x) }
        }
        XCTAssertEqual(changed, [0], "the escalation mark sits beside the selection marker, never under it")
    }
}
