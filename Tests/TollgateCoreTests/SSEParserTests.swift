import XCTest

@testable import TollgateCore

/// WHATWG HTML §9.2.6, point by point; every input is fed in every split (see `assertEvents`).
final class SSEParserTests: XCTestCase {
    // MARK: - Line endings

    func testLFLineEndings() {
        assertEvents("data: a\n\ndata: b\n\n", [event("a"), event("b")])
    }

    func testCRLineEndings() {
        assertEvents("data: a\r\rdata: b\r\r", [event("a"), event("b")])
    }

    func testCRLFLineEndings() {
        assertEvents("data: a\r\n\r\ndata: b\r\n\r\n", [event("a"), event("b")])
    }

    func testMixedLineEndings() {
        assertEvents("data: a\r\n\rdata: b\n\r\ndata: c\r\ndata: d\n\n", [event("a"), event("b"), event("c\nd")])
    }

    func testCRLFIsOneLineEndingEvenWhenSplitBetweenChunks() {
        // Were CR and LF two endings, the LF would be a blank line and dispatch "a" alone.
        assertEvents("data: a\r\ndata: b\r\n\r\n", [event("a\nb")])
    }

    func testCRThenCRLFIsALineEndingThenABlankLine() {
        assertEvents("data: a\r\r\ndata: b\r\n\r\n", [event("a"), event("b")])
    }

    func testCRAtChunkEndSurvivesEmptyChunks() {
        var parser = SSEParser()
        var events = parser.feed(Array("data: a\r".utf8))
        events += parser.feed([UInt8]())
        events += parser.feed(Array("\ndata: b\r".utf8))
        events += parser.feed([UInt8]())
        events += parser.feed(Array("\r".utf8))
        XCTAssertEqual(events, [event("a\nb")])
    }

    // MARK: - Byte order mark

    func testLeadingBOMIsStripped() {
        assertEvents("\u{FEFF}data: a\n\n", [event("a")])
    }

    func testOnlyOneLeadingBOMIsStripped() {
        // The second BOM is part of the field name, which is then unknown.
        assertEvents("\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n", [event("b")])
    }

    func testBOMLaterInTheStreamIsNotStripped() {
        assertEvents("data: a\n\n\u{FEFF}data: b\n\n", [event("a")])
    }

    func testPartialBOMPrefixIsContent() {
        // EF BB then "data": were the prefix dropped, "data: x" would dispatch.
        assertEvents([0xEF, 0xBB] + Array("data: x\n\ndata: y\n\n".utf8), [event("y")])
        assertEvents([0xEF] + Array("data: x\n\ndata: y\n\n".utf8), [event("y")])
    }

    func testBOMIsStrippedAgainAfterBeginStream() {
        var parser = SSEParser()
        var events = parser.feed(Array("\u{FEFF}data: a\n\n".utf8))
        parser.beginStream()
        events += parser.feed(Array("\u{FEFF}data: b\n\n".utf8))
        XCTAssertEqual(events, [event("a"), event("b")])
    }

    // MARK: - Fields

    func testCommentLinesAreIgnored() {
        assertEvents(":comment\ndata: a\n: another one\n:\n\n: alone\n\n", [event("a")])
    }

    func testFieldValueWithAndWithoutSpace() {
        assertEvents("data:a\n\ndata: a\n\ndata:  a\n\ndata:\ta\n\n", [event("a"), event("a"), event(" a"), event("\ta")])
    }

    func testFieldWithoutColonHasEmptyValue() {
        assertEvents("data\n\nevent\ndata\n\n", [event(""), event("")])
    }

    func testColonInsideValueIsKept() {
        assertEvents("data: a: b:c\n\n", [event("a: b:c")])
    }

    func testMultiLineDataJoinsWithLFAndDropsOneTrailingLF() {
        assertEvents("data: a\ndata: b\ndata\ndata: c\n\n", [event("a\nb\n\nc")])
        assertEvents("data: a\ndata:\n\n", [event("a\n")])
        assertEvents("data: YHOO\ndata: +2\ndata: 10\n\n", [event("YHOO\n+2\n10")])
    }

    func testUnknownFieldsAreIgnored() {
        assertEvents("foo: bar\nDATA: x\ndata : y\n data: w\nretryx: 5\ndata: z\n\n", [event("z")])
    }

    func testEventFieldSetsTypeForOneEvent() {
        assertEvents(
            "event: action\ndata: {}\n\ndata: plain\n\nevent:\ndata: empty type\n\n",
            [event("{}", type: "action"), event("plain"), event("empty type")]
        )
    }

    func testLastEventFieldWins() {
        assertEvents("event: a\nevent: b\ndata: x\n\n", [event("x", type: "b")])
    }

    // MARK: - id

    func testIdPersistsUntilChanged() {
        assertEvents(
            "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
            [event("a", id: "1"), event("b", id: "1"), event("c", id: "2")],
            lastEventID: "2"
        )
    }

    func testIdContainingNULIsIgnored() {
        assertEvents(
            Array("id: 1\ndata: a\n\nid: 2".utf8) + [0] + Array("x\ndata: b\n\n".utf8),
            [event("a", id: "1"), event("b", id: "1")],
            lastEventID: "1"
        )
    }

    func testEmptyIdResetsLastEventID() {
        assertEvents("id: 5\ndata: a\n\nid\ndata: b\n\n", [event("a", id: "5"), event("b", id: "")], lastEventID: "")
        assertEvents("id: 5\ndata: a\n\nid:\ndata: b\n\n", [event("a", id: "5"), event("b", id: "")], lastEventID: "")
    }

    func testIdWithoutDataUpdatesLastEventIDWithoutDispatching() {
        assertEvents("id: 7\n\n", [], lastEventID: "7")
        assertEvents("data: a\n\nid: 8\n\ndata: b\n\n", [event("a"), event("b", id: "8")], lastEventID: "8")
    }

    func testIdIsCommittedOnlyWhenTheEventDispatches() {
        // The event carrying id 9 never completes, so a reconnect must ask for it again.
        assertEvents("id: 3\ndata: a\n\ndata: b\nid: 9\n", [event("a", id: "3")], lastEventID: "3")
    }

    func testIdKeepsInvalidUTF8AsReplacement() {
        assertEvents(
            Array("id: ".utf8) + [0xFF] + Array("\ndata: a\n\n".utf8), [event("a", id: "\u{FFFD}")], lastEventID: "\u{FFFD}"
        )
    }

    // MARK: - retry

    func testRetryAcceptsOnlyASCIIDigits() {
        assertEvents("retry: 1500\n", [], retry: 1500)
        assertEvents("retry: 0\n", [], retry: 0)
        assertEvents("retry:250\n", [], retry: 250)
        for invalid in [
            "retry: 15x\n", "retry: -1\n", "retry:  100\n", "retry:\n", "retry\n", "retry: 1.5\n",
            "retry: ١٢\n", "retry: 99999999999999999999999\n", "retry: +1\n",
        ] {
            assertEvents(invalid, [])
        }
    }

    func testInvalidRetryKeepsTheLastValidOne() {
        assertEvents("retry: 1000\nretry: soon\nretry: \ndata: a\n\n", [event("a")], retry: 1000)
        assertEvents("retry: 1000\nretry: 2000\n", [], retry: 2000)
    }

    // MARK: - Dispatch

    func testDispatchOnlyOnBlankLine() {
        assertEvents("data: a\n", [])
        assertEvents("data: a\n \n\t\n", [])
        assertEvents("data: a\n \n\n", [event("a")])
    }

    func testEmptyDataBufferDoesNotDispatchAndResetsType() {
        assertEvents("event: foo\n\ndata: x\n\n", [event("x")])
        assertEvents("\n\n\n:c\n\n", [])
    }

    func testEventCutOffByEndOfStreamIsDiscarded() {
        for tail in ["data: b\n", "data: b", "data: b\r", "event: x\ndata: b\nid: 4"] {
            var parser = SSEParser()
            var events = parser.feed(Array(("data: a\n\n" + tail).utf8))
            parser.beginStream()
            events += parser.feed(Array("\n\ndata: c\n\n".utf8))
            XCTAssertEqual(events, [event("a"), event("c")], "tail \(tail.debugDescription)")
            XCTAssertEqual(parser.lastEventID, "", "tail \(tail.debugDescription)")
        }
    }

    func testBeginStreamKeepsLastEventIDAndRetry() {
        var parser = SSEParser()
        _ = parser.feed(Array("retry: 3000\nid: 41\ndata: a\n\nid: 42\ndata: cut".utf8))
        parser.beginStream()
        XCTAssertEqual(parser.lastEventID, "41")
        XCTAssertEqual(parser.reconnectionTime, 3000)
        XCTAssertEqual(parser.feed(Array("data: b\n\n".utf8)), [event("b", id: "41")])
    }

    // MARK: - UTF-8

    func testMultiByteCharactersSplitAnywhere() {
        assertEvents("event: é\ndata: é😀 ✓ 👩‍👩‍👧\n\n", [event("é😀 ✓ 👩‍👩‍👧", type: "é")])
    }

    func testInvalidUTF8BecomesReplacementCharacters() {
        assertEvents(Array("data: ".utf8) + [0xFF, 0x41, 0xC3] + Array("\n\n".utf8), [event("\u{FFFD}A\u{FFFD}")])
        // A sequence cut by a line ending is one maximal subpart: one U+FFFD, and the next line is intact.
        assertEvents(Array("data: ".utf8) + [0xE2, 0x82] + Array("\ndata: b\n\n".utf8), [event("\u{FFFD}\nb")])
        // Overlong and surrogate encodings are invalid, never smuggled NULs or halves.
        assertEvents(
            Array("data: ".utf8) + [0xC0, 0x80, 0xED, 0xA0, 0x80] + Array("\n\n".utf8),
            [event(String(repeating: "\u{FFFD}", count: 5))])
    }

    func testNULInDataIsKept() {
        assertEvents(Array("data: a".utf8) + [0] + Array("b\n\n".utf8), [event("a\u{0}b")])
    }

    // MARK: - Spec examples

    func testSpecExampleWithIds() {
        assertEvents(
            ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
            [event("first event", id: "1"), event("second event", id: "")],
            lastEventID: ""
        )
    }

    func testSpecExampleWithEmptyData() {
        assertEvents("data\n\ndata\ndata\n\ndata:", [event(""), event("\n")])
    }

    func testSpecExampleWithSpaces() {
        assertEvents("data:test\n\ndata: test\n\n", [event("test"), event("test")])
    }

    // MARK: - Limits

    func testOversizedEventIsDroppedAndCounted() {
        let long = String(repeating: "x", count: 40)
        assertEvents(
            "id: 3\ndata: \(long)\n\ndata: ok\n\n", [event("ok", id: "3")],
            lastEventID: "3", maxEventBytes: 16, oversized: 1
        )
    }

    func testOversizedDataAndLinesAreDropped() {
        let longLine = "data: \(String(repeating: "y", count: 30))\n\n"
        assertEvents(
            "data: 0123456789\ndata: 0123456789\n\n\(longLine): \(String(repeating: "c", count: 30))\ndata: ok\n\n",
            [], maxEventBytes: 20, oversized: 3
        )
        assertEvents("data: 0123456789\ndata: 0123456789\n\ndata: ok\n\n", [event("ok")], maxEventBytes: 20, oversized: 1)
    }

    func testLimitIsInclusive() {
        // A 13-byte line whose value plus the LF the data buffer adds is 8 bytes.
        assertEvents("data: 1234567\n\n", [event("1234567")], maxEventBytes: 13)
        assertEvents("data: 12345678\n\n", [], maxEventBytes: 13, oversized: 1)
    }

    // MARK: - API forms

    func testNonContiguousCollectionsAreAccepted() {
        var parser = SSEParser()
        let bytes = Array("data: a\n\n".utf8)
        XCTAssertEqual(parser.feed(bytes.lazy.map { $0 }), [event("a")])
    }

    func testCallbackFormDeliversTheSameEvents() {
        var parser = SSEParser()
        var seen: [SSEEvent] = []
        Array("data: a\n\nevent: t\ndata: b\n\n".utf8).withUnsafeBytes { parser.feed($0) { seen.append($0) } }
        XCTAssertEqual(seen, [event("a"), event("b", type: "t")])
    }

    // MARK: - Helpers

    private func event(_ data: String, type: String = "message", id: String = "") -> SSEEvent {
        SSEEvent(type: type, data: data, lastEventID: id)
    }

    private func assertEvents(
        _ input: String, _ expected: [SSEEvent], lastEventID: String = "", retry: Int? = nil,
        maxEventBytes: Int? = nil, oversized: Int = 0, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertEvents(
            Array(input.utf8), expected, lastEventID: lastEventID, retry: retry,
            maxEventBytes: maxEventBytes, oversized: oversized, file: file, line: line
        )
    }

    /// Feeds `input` whole, byte by byte, and split at every position into two chunks, through
    /// each feeding form, and checks the events and the final state are the same every time.
    private func assertEvents(
        _ input: [UInt8], _ expected: [SSEEvent], lastEventID: String = "", retry: Int? = nil,
        maxEventBytes: Int? = nil, oversized: Int = 0, file: StaticString = #filePath, line: UInt = #line
    ) {
        for (label, chunks) in Self.splits(of: input) {
            var parser = maxEventBytes.map { SSEParser(maxEventBytes: $0) } ?? SSEParser()
            var events: [SSEEvent] = []
            for (n, chunk) in chunks.enumerated() {
                switch n % 3 {
                case 0: events += parser.feed(chunk)
                case 1: chunk.withUnsafeBytes { events += parser.feed($0) }
                default: chunk.withUnsafeBytes { parser.feed($0) { events.append($0) } }
                }
            }
            XCTAssertEqual(events, expected, label, file: file, line: line)
            XCTAssertEqual(parser.lastEventID, lastEventID, "\(label): lastEventID", file: file, line: line)
            XCTAssertEqual(parser.reconnectionTime, retry, "\(label): reconnectionTime", file: file, line: line)
            XCTAssertEqual(parser.oversizedEvents, oversized, "\(label): oversizedEvents", file: file, line: line)
        }
    }

    /// Every way the brief asks for: whole, byte by byte, and every two-chunk split (empty chunks included).
    static func splits(of input: [UInt8]) -> [(String, [[UInt8]])] {
        var result: [(String, [[UInt8]])] = [("whole", [input]), ("byte by byte", input.map { [$0] })]
        for k in 0...input.count {
            result.append(("split at \(k)", [Array(input[..<k]), Array(input[k...])]))
        }
        return result
    }
}
