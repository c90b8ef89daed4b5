import TollgateCore
import XCTest

@testable import TollgateConsole

/// The small parts: line editor, filters, frame writes, formatting.
final class UnitTests: XCTestCase {
    func testLineEditor() {
        var e = LineEditor(maxBytes: 8)
        for ch in "héllo" { e.insert(ch) }
        XCTAssertEqual(e.byteCount, 6)
        XCTAssertTrue(e.insert("!"))
        XCTAssertFalse(e.insert("é"), "would pass the cap")
        XCTAssertTrue(e.insert("?"))
        XCTAssertEqual(e.text, "héllo!?")
        e.moveLeft(); e.moveLeft(); e.backspace()
        XCTAssertEqual(e.text, "héll!?")
        e.deleteToStart()
        XCTAssertEqual(e.text, "!?")
        XCTAssertEqual(e.byteCount, 2)
        e.moveEnd(); e.deleteForward(); e.moveHome(); e.deleteForward()
        XCTAssertEqual(e.text, "?")
    }

    func testFilterParsing() throws {
        let f = try ActionFilter.parse("status=denied,expired risk=high env=production since=2026-11-01 Customers  export").get()
        XCTAssertEqual(f.statuses, [.denied, .expired])
        XCTAssertEqual(f.text, "customers export")
        XCTAssertEqual(f.since, Timestamp(rfc3339: "2026-11-01T00:00:00Z"))
        XCTAssertTrue(f.summary.contains("status=denied,expired"))
        for bad in ["status=nope", "since=yesterday", "colour=red", "risk="] {
            if case .success = ActionFilter.parse(bad) { XCTFail("\(bad) should fail") }
        }
        XCTAssertTrue(try ActionFilter.parse("").get().isEmpty)
    }

    func testFrameClipsAndKeepsWideGlyphsWhole() {
        var frame = Frame(size: Size(width: 6, height: 2))
        let wide = DisplayGlyph(text: "数", width: 2)
        frame.put([wide, wide, wide, wide], x: 0, y: 0, role: .body)
        XCTAssertEqual(frame.plainText, "数数数\n      \n")
        frame.put(label: "x", x: 1, y: 0, role: .dim)
        XCTAssertEqual(frame.plainText.split(separator: "\n")[0], " x数数", "overwriting half a glyph blanks the other half")
        frame.put([wide], x: 5, y: 1, role: .body)
        XCTAssertEqual(frame[5, 1].text, " ", "a wide glyph that does not fit becomes a space")
        frame.put(label: "zzzzzzzz", x: -3, y: 1, role: .body)
        frame.put(label: "zz", x: 4, y: 7, role: .body)
        frame.fill(x: 5, y: 0, count: -4, role: .danger)
        XCTAssertEqual(frame.width * frame.height, frame.cells.count)
    }

    func testDurations() {
        XCTAssertEqual(Format.duration(0), "0s")
        XCTAssertEqual(Format.duration(59), "59s")
        XCTAssertEqual(Format.duration(65), "1m05s")
        XCTAssertEqual(Format.duration(3_725), "1h02m")
        XCTAssertEqual(Format.duration(200_000), "2d07h")
        XCTAssertEqual(Format.countdown(599), "9m59s", "seconds in the last ten minutes")
        XCTAssertEqual(Format.countdown(600), "10m")
        XCTAssertEqual(Format.countdown(3_599), "59m", "whole minutes from ten minutes up")
        XCTAssertEqual(Format.countdown(3_725), "1h02m")
        XCTAssertEqual(Format.countdown(42), "42s")
        XCTAssertEqual(Format.secondsLeft(from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 1)), 1)
        XCTAssertEqual(Format.age(7_200), "2h")
    }

    func testQueueIndexStaysSortedUnderChurn() {
        var index = QueueIndex()
        var actions: [String: Action] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<2_000 {
            let id = "a\(Int.random(in: 0..<300, using: &generator))"
            if step % 5 == 4 {
                index.remove(ActionKey(server: .first, id: id))
                actions[id] = nil
            } else {
                let a = Fixture.action(
                    id, risk: Risk.allCases.randomElement(using: &generator) ?? .low,
                    expiresIn: Double(Int.random(in: 1..<10_000, using: &generator)))
                index.upsert(QueueRow(a))
                actions[id] = a
            }
        }
        let order = (0..<index.count).compactMap { index.id(at: $0) }
        XCTAssertEqual(order.count, actions.count)
        let expected = actions.values.map(QueueRow.init).sorted { QueueKey($0, sort: .urgency) < QueueKey($1, sort: .urgency) }.map(\.key)
        XCTAssertEqual(order, expected)
        for (i, id) in order.enumerated() { XCTAssertEqual(index.index(of: id), i) }
    }
}
