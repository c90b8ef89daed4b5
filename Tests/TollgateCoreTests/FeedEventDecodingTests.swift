import XCTest

@testable import TollgateCore

/// `FeedEvent.decode`: protocol.md's feed events from parsed server-sent events.
final class FeedEventDecodingTests: XCTestCase {
    // MARK: - Good events

    func testActionEventWithSequenceNumber() throws {
        let action = Self.sampleAction()
        let decoded = try FeedEvent.decode(SSEEvent(type: "action", data: try Self.json(action), lastEventID: "17"))
        XCTAssertEqual(decoded, .action(action, seq: 17))
    }

    func testActionThroughEncoderAndParser() throws {
        let action = Self.sampleAction()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = String(decoding: try encoder.encode(action), as: UTF8.self)
        XCTAssertTrue(json.contains("\n"), "pretty printing spreads the action over several data lines")
        var parser = SSEParser()
        let events = parser.feed(SSEEncoder.event(id: 5, type: "action", data: json))
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(try events.map { try FeedEvent.decode($0) }, [.action(action, seq: 5)])
    }

    func testActionSequenceNumberNeedsDecimalDigits() throws {
        let data = try Self.json(Self.sampleAction())
        for id in ["", "abc", "+5", "-5", " 5", "5 ", "99999999999999999999", "٥"] {
            let decoded = try FeedEvent.decode(SSEEvent(type: "action", data: data, lastEventID: id))
            XCTAssertEqual(decoded, .action(Self.sampleAction(), seq: nil), "id \(id.debugDescription)")
        }
        let max = try FeedEvent.decode(SSEEvent(type: "action", data: data, lastEventID: String(Int64.max)))
        XCTAssertEqual(max, .action(Self.sampleAction(), seq: .max))
    }

    func testActionIgnoresUnknownFields() throws {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.json(Self.sampleAction()).utf8)) as? [String: Any])
        object["future_field"] = ["nested": true]
        let data = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        XCTAssertEqual(try FeedEvent.decode(SSEEvent(type: "action", data: data, lastEventID: "3")), .action(Self.sampleAction(), seq: 3))
    }

    func testSync() throws {
        XCTAssertEqual(try FeedEvent.decode(SSEEvent(type: "sync", data: #"{"seq": 12, "pending": 3}"#)), .sync(seq: 12, pending: 3))
        XCTAssertEqual(
            try FeedEvent.decode(SSEEvent(type: "sync", data: #"{"pending":0,"seq":0,"extra":"ignored"}"#)),
            .sync(seq: 0, pending: 0)
        )
    }

    func testResetIgnoresItsData() throws {
        XCTAssertEqual(try FeedEvent.decode(SSEEvent(type: "reset", data: "")), .reset)
        XCTAssertEqual(try FeedEvent.decode(SSEEvent(type: "reset", data: "not json at all {")), .reset)
    }

    func testUnknownTypes() throws {
        for type in ["message", "heartbeat", "Action", "action ", "", "\u{1B}[2J"] {
            XCTAssertEqual(try FeedEvent.decode(SSEEvent(type: type, data: "{")), .unknown(type: type))
        }
    }

    // MARK: - Malformed events

    func testMalformedJSON() {
        let error = malformed(SSEEvent(type: "action", data: "not json", lastEventID: "9"))
        XCTAssertEqual(error?.type, "action")
        XCTAssertEqual(error?.id, "9")
        XCTAssertEqual(error?.reason, #"data is not valid JSON: "not json""#)
        XCTAssertEqual(error?.description, #"malformed action event (id 9): data is not valid JSON: "not json""#)
    }

    func testEmptyData() {
        XCTAssertEqual(malformed(SSEEvent(type: "sync", data: ""))?.reason, "data is empty, expected JSON")
    }

    func testMissingField() throws {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.json(Self.sampleAction()).utf8)) as? [String: Any])
        var requester = try XCTUnwrap(object["requester"] as? [String: Any])
        requester["id"] = nil
        object["requester"] = requester
        let data = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        XCTAssertEqual(malformed(SSEEvent(type: "action", data: data))?.reason, #"missing field "requester.id""#)
    }

    func testWrongType() {
        let reason = malformed(SSEEvent(type: "sync", data: #"{"seq": "x", "pending": 1}"#))?.reason ?? ""
        XCTAssertTrue(reason.hasPrefix(#"at "seq": "#), reason)
        let top = malformed(SSEEvent(type: "sync", data: "[1, 2]"))?.reason ?? ""
        XCTAssertTrue(top.hasPrefix("at top level: "), top)
    }

    func testHostileTextIsOneShortInertLine() throws {
        // An agent-written timestamp that would clear the screen and spill over many lines.
        let hostile = "\u{1B}[2J\u{1B}]0;owned\u{7}\r\n\u{202E}\u{2028}" + String(repeating: "ab\ncd\r", count: 5_000)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.json(Self.sampleAction()).utf8)) as? [String: Any])
        object["created_at"] = hostile
        let data = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let error = try XCTUnwrap(malformed(SSEEvent(type: "action", data: data, lastEventID: "7\u{1B}[K\n" + hostile)))
        for text in [error.reason, error.id, error.description] {
            XCTAssertFalse(text.unicodeScalars.contains { Self.isRawControl($0) }, text.debugDescription)
        }
        XCTAssertLessThanOrEqual(error.reason.count, 200)
        XCTAssertLessThanOrEqual(error.id.count, 200)
        XCTAssertTrue(error.reason.hasPrefix(#"at "created_at": "#), error.reason)
        XCTAssertTrue(error.id.hasPrefix(#"7\u{1B}[K\u{A}\u{1B}[2J"#), error.id)
        XCTAssertTrue(error.id.hasSuffix("…"))
    }

    func testShortReasonIsNotCut() {
        let reason = malformed(SSEEvent(type: "sync", data: #"{"seq": 1}"#))?.reason
        XCTAssertEqual(reason, #"missing field "pending""#)
    }

    // MARK: - Helpers

    private func malformed(_ event: SSEEvent, file: StaticString = #filePath, line: UInt = #line) -> MalformedFeedEvent? {
        do throws(MalformedFeedEvent) {
            let decoded = try FeedEvent.decode(event)
            XCTFail("decoded \(decoded) from malformed data", file: file, line: line)
            return nil
        } catch {
            XCTAssertFalse(error.reason.isEmpty, file: file, line: line)
            return error
        }
    }

    private static func isRawControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || [0x2028, 0x2029, 0x202E].contains(scalar.value)
    }

    static func sampleAction() -> Action {
        Action(
            id: "act_01", createdAt: Timestamp(milliseconds: 1_763_699_028_123),
            expiresAt: Timestamp(milliseconds: 1_763_702_628_123),
            requester: Requester(id: "agent-7", kind: .agent, onBehalfOf: "alice@example.com", session: "s-1"),
            kind: "data.export", summary: "Export customers to S3", command: "pg_dump -t customers",
            resource: "postgres://prod-db/customers", environment: "production", risk: .high,
            policy: Policy(id: "prod-data", reason: "production data leaves the VPC"),
            justification: "quarterly report", context: [ContextEntry(key: "ticket", value: "OPS-12")],
            diffs: [ActionDiff(title: "bucket policy", text: "@@ -1 +1 @@\n-a\n+b\n")],
            requiredApprovals: 2, redactions: 1, digest: "sha256:00"
        )
    }

    static func json(_ action: Action) throws -> String {
        String(decoding: try JSONEncoder().encode(action), as: UTF8.self)
    }
}
