import XCTest

@testable import TollgateCore

/// The server's frames, byte for byte, and their round trip through `SSEParser`.
final class SSEEncoderTests: XCTestCase {
    // MARK: - Frames

    func testEventFrame() {
        XCTAssertEqual(text(SSEEncoder.event(id: 42, type: "action", data: "{}")), "id: 42\nevent: action\ndata: {}\n\n")
    }

    func testEventWithoutIdOrType() {
        XCTAssertEqual(text(SSEEncoder.event(id: nil, type: nil, data: "x")), "data: x\n\n")
        XCTAssertEqual(text(SSEEncoder.event(id: nil, type: "", data: "x")), "data: x\n\n")
        XCTAssertEqual(text(SSEEncoder.event(id: nil, type: nil, data: "")), "data: \n\n")
    }

    func testDataIsSplitOnEveryLineBreak() {
        XCTAssertEqual(
            text(SSEEncoder.event(id: nil, type: nil, data: "a\nb\r\nc\rd\n")),
            "data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n"
        )
    }

    func testLineBreaksInTypeAreRemoved() {
        XCTAssertEqual(text(SSEEncoder.event(id: 1, type: "act\r\nion\n", data: "x")), "id: 1\nevent: action\ndata: x\n\n")
    }

    func testComment() {
        XCTAssertEqual(text(SSEEncoder.comment("keepalive")), ": keepalive\n")
        XCTAssertEqual(text(SSEEncoder.comment("")), ": \n")
        XCTAssertEqual(text(SSEEncoder.comment("a\r\nb\rc\n")), ": a\n: b\n: c\n: \n")
    }

    func testCommentCannotInjectAnEvent() {
        var parser = SSEParser()
        let stream = SSEEncoder.comment("x\n\nevent: reset\ndata: injected\n\n") + SSEEncoder.event(id: 1, type: "t", data: "real")
        XCTAssertEqual(parser.feed(stream), [SSEEvent(type: "t", data: "real", lastEventID: "1")])
    }

    func testRetry() {
        XCTAssertEqual(text(SSEEncoder.retry(ms: 2000)), "retry: 2000\n")
        XCTAssertEqual(text(SSEEncoder.retry(ms: -5)), "retry: 0\n")
        var parser = SSEParser()
        XCTAssertEqual(parser.feed(SSEEncoder.retry(ms: 2500) + SSEEncoder.event(id: nil, type: nil, data: "a")), [SSEEvent(data: "a")])
        XCTAssertEqual(parser.reconnectionTime, 2500)
    }

    func testNegativeAndExtremeIds() {
        var parser = SSEParser()
        let frames = SSEEncoder.event(id: .max, type: nil, data: "a") + SSEEncoder.event(id: .min, type: nil, data: "b")
        XCTAssertEqual(parser.feed(frames).map(\.lastEventID), [String(Int64.max), String(Int64.min)])
    }

    // MARK: - Round trips

    static let hostile: [String] = [
        "", "plain", " leading space", "  two spaces", "trailing space ", "a\nb", "a\r\nb", "a\rb", "\n", "\r", "\r\n",
        "\r\n\r\n", "\n\n\n", "ends with LF\n", "ends with CR\r", "\r\nstarts with CRLF", "\u{0}nul\u{0}in\u{0}it",
        "\u{FEFF}BOM at start", "mid\u{FEFF}BOM", "emoji 😀 👩‍👩‍👧 🇺🇦 ✓ é", "data: injected\n\nevent: reset\ndata: x",
        ": comment-like", "id: 99", "retry: 1", "event: reset", "\u{1B}[31mred\u{1B}[0m", "tab\there",
        "\u{2028}line separator\u{2029}", "\u{85}next line", String(repeating: "long ", count: 2000),
        "{\"json\":\"with \\n escapes\",\"n\":[1,2,3]}",
    ]

    func testHostileStringsRoundTripOneByOne() {
        for (i, data) in Self.hostile.enumerated() {
            let frame = SSEEncoder.event(id: Int64(i), type: "action", data: data)
            let expected = [SSEEvent(type: "action", data: Self.lfNormalised(data), lastEventID: String(i))]
            for (label, chunks) in SSEParserTests.splits(of: frame) where label == "whole" || label == "byte by byte" || frame.count < 200 {
                var parser = SSEParser()
                var events: [SSEEvent] = []
                for chunk in chunks { events += parser.feed(chunk) }
                XCTAssertEqual(events, expected, "\(data.debugDescription), \(label)")
            }
        }
    }

    func testStringsWithoutCRRoundTripExactly() {
        for data in Self.hostile where !data.unicodeScalars.contains("\r") {
            var parser = SSEParser()
            XCTAssertEqual(parser.feed(SSEEncoder.event(id: nil, type: nil, data: data)).map(\.data), [data])
        }
    }

    func testWholeStreamOfHostileFramesRoundTrips() {
        var stream = SSEEncoder.retry(ms: 1000)
        var expected: [SSEEvent] = []
        for (i, data) in Self.hostile.enumerated() {
            stream += SSEEncoder.comment("keepalive \(data)")
            stream += SSEEncoder.event(id: Int64(i), type: i.isMultiple(of: 2) ? data : nil, data: data)
            let type = i.isMultiple(of: 2) && !data.isEmpty ? Self.withoutLineBreaks(data) : "message"
            expected.append(SSEEvent(type: type.isEmpty ? "message" : type, data: Self.lfNormalised(data), lastEventID: String(i)))
        }
        var whole = SSEParser()
        XCTAssertEqual(whole.feed(stream), expected)
        var byteByByte = SSEParser()
        var events: [SSEEvent] = []
        for byte in stream { events += byteByByte.feed([byte]) }
        XCTAssertEqual(events, expected)
        XCTAssertEqual(byteByByte.reconnectionTime, 1000)
    }

    func testMegabyteOfDataRoundTrips() {
        let data = String(repeating: "0123456789abcdef\n", count: 65_536)
        var parser = SSEParser()
        XCTAssertEqual(parser.feed(SSEEncoder.event(id: 1, type: "action", data: data)).map(\.data), [data])
    }

    // MARK: - Helpers

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// What the event-stream format can carry: CRLF and CR become LF.
    static func lfNormalised(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n", afterCR {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            out.append(afterCR ? "\n" : scalar)
        }
        return String(out)
    }

    private static func withoutLineBreaks(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\n" && $0 != "\r" }))
    }
}
