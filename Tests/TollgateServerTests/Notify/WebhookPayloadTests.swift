import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// The `json` format as a receiver sees it: exactly four members around the action as stored,
/// and a signature a receiver can recompute — checked against RFC 4231's test vectors and
/// against Python's `hmac` on a real body, so it is HMAC-SHA256 as everyone else computes it.
final class WebhookPayloadTests: XCTestCase {
    private static let created = Timestamp(milliseconds: 1_700_000_000_000)
    private static let sentAt = Timestamp(milliseconds: 1_700_000_012_345)
    private static let key = Array("0123456789abcdef0123456789abcdef".utf8)

    /// An action whose text is hostile to anyone assembling JSON by hand, and not ASCII.
    private static func action() -> Action {
        var action = Action(
            id: "act_01hzz0000000000000000000000", createdAt: created, expiresAt: created.adding(seconds: 600),
            requester: Requester(id: "agent-1"), kind: "db.migrate",
            summary: #"migrate "orders" → ünïcödé 🚀","event":"resolved","delivery_id":"dlv_forged"}"#, environment: "production", risk: .high,
            policy: Policy(id: "p", reason: "r"))
        action.digest = ActionDigest.compute(action)
        return action
    }

    private static func delivery(_ event: NotifierSettings.Event = .pending, action: Action = action()) -> Ledger.Delivery {
        Ledger.Delivery(
            id: "dlv_01hzz0000000000000000000000", notifier: "hook", event: event, actionID: action.id,
            actionJSON: String(decoding: action.encodedJSON, as: UTF8.self), createdAt: created)
    }

    private static func notifier(secret: [UInt8]? = nil) -> NotifierSettings {
        var n = NotifierSettings(id: "hook", url: URL(fileURLWithPath: "/"))
        n.secret = secret
        return n
    }

    private static func headers(_ request: (body: [UInt8], headers: [(String, String)])) -> [String: String] {
        Dictionary(request.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: - The body

    func testTheBodyIsExactlyTheFourMembersAroundTheStoredAction() throws {
        let delivery = Self.delivery()
        let request = try WebhookPayload.request(for: delivery, notifier: Self.notifier(), sentAt: Self.sentAt)
        let expected =
            #"{"action":"# + delivery.actionJSON + #","delivery_id":"dlv_01hzz0000000000000000000000","event":"pending","sent_at":"2023-11-14T22:13:32.345Z"}"#
        XCTAssertEqual(String(decoding: request.body, as: UTF8.self), expected)
    }

    /// Whatever the agent wrote, the body parses to the same four members: agent text cannot
    /// add a member or change the event or the delivery id.
    func testTheBodyParsesAndAgentTextCannotForgeAMember() throws {
        for event in NotifierSettings.Event.allCases {
            let delivery = Self.delivery(event)
            let body = try WebhookPayload.request(for: delivery, notifier: Self.notifier(), sentAt: Self.sentAt).body
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["action", "delivery_id", "event", "sent_at"])
            XCTAssertEqual(object["delivery_id"] as? String, delivery.id)
            XCTAssertEqual(object["event"] as? String, event.rawValue)
            XCTAssertEqual((object["sent_at"] as? String).flatMap { Timestamp(rfc3339: $0) }, Self.sentAt)
            let action = try Action(json: try JSONSerialization.data(withJSONObject: try XCTUnwrap(object["action"])))
            XCTAssertEqual(action, Self.action(), "the action as stored, unchanged")
        }
    }

    // MARK: - Headers

    func testHeadersNameTheDeliveryAndEventAndNoSignatureWithoutASecret() throws {
        let delivery = Self.delivery(.breakGlass)
        let request = try WebhookPayload.request(for: delivery, notifier: Self.notifier(), sentAt: Self.sentAt)
        let headers = Self.headers(request)
        XCTAssertEqual(headers.count, request.headers.count, "each header once: \(request.headers)")
        XCTAssertEqual(headers["x-tollgate-delivery"], delivery.id)
        XCTAssertEqual(headers["x-tollgate-event"], "break-glass")
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertNil(headers["x-tollgate-signature"], "nothing to sign with")
        XCTAssertFalse(headers.keys.contains { $0.contains("signature") })
    }

    func testTheSignatureIsTheHMACOfTheBodyAndTheKeyIsNeverSent() throws {
        let request = try WebhookPayload.request(for: Self.delivery(), notifier: Self.notifier(secret: Self.key), sentAt: Self.sentAt)
        let headers = Self.headers(request)
        XCTAssertEqual(headers["x-tollgate-signature"], WebhookPayload.signature(of: request.body, secret: Self.key))
        let keyText = String(decoding: Self.key, as: UTF8.self)
        XCTAssertFalse(request.headers.contains { $0.1.contains(keyText) })
        XCTAssertFalse(String(decoding: request.body, as: UTF8.self).contains(keyText))
        // Each retry is sent again with its own sent_at, so it is signed again.
        let later = try WebhookPayload.request(for: Self.delivery(), notifier: Self.notifier(secret: Self.key), sentAt: Self.sentAt.adding(seconds: 2))
        XCTAssertEqual(Self.headers(later)["x-tollgate-delivery"], headers["x-tollgate-delivery"])
        XCTAssertNotEqual(Self.headers(later)["x-tollgate-signature"], headers["x-tollgate-signature"])
        XCTAssertEqual(Self.headers(later)["x-tollgate-signature"], WebhookPayload.signature(of: later.body, secret: Self.key))
    }

    // MARK: - The signature

    /// RFC 4231's HMAC-SHA256 test cases 1, 2, 4, 6 and 7: a short key, a text key, a key of
    /// its own pattern, and keys longer than SHA-256's block (hashed first).
    func testTheSignatureMatchesRFC4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                Array(1...25), [UInt8](repeating: 0xcd, count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array(
                    "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                        .utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ]
        for (key, data, mac) in cases {
            XCTAssertEqual(WebhookPayload.signature(of: data, secret: key), "sha256=" + mac)
        }
    }

    /// A receiver in another language verifies what the server sends: Python's standard
    /// `hmac` over the exact bytes of a real body (non-ASCII text in it) gives the header.
    func testTheSignatureVerifiesWithPythonsHMAC() throws {
        let request = try WebhookPayload.request(for: Self.delivery(), notifier: Self.notifier(secret: Self.key), sentAt: Self.sentAt)
        let signature = try XCTUnwrap(Self.headers(request)["x-tollgate-signature"])
        XCTAssertEqual(signature, try Self.pythonHMAC(request.body, key: Self.key))
        XCTAssertNotEqual(signature, try Self.pythonHMAC(request.body, key: Self.key + [0x21]), "another key, another signature")
        var tampered = request.body
        tampered[tampered.count - 3] ^= 1
        XCTAssertNotEqual(signature, try Self.pythonHMAC(tampered, key: Self.key), "a changed byte, another signature")
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `key`, as Python's `hmac` computes it.
    private static func pythonHMAC(_ body: [UInt8], key: [UInt8]) throws -> String {
        let script = "import hashlib, hmac, sys; print('sha256=' + hmac.new(bytes.fromhex(sys.argv[1]), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, key.map { String(format: "%02x", $0) }.joined()]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: body)
        try input.fileHandleForWriting.close()
        let answer = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 failed")
        return String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
