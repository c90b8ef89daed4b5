import Foundation
import XCTest

@testable import TollgateCore

/// `Action.encodedJSON` and `ActionDigest`'s one-pass document: byte for byte what `JSONEncoder`
/// and `JSONValue.canonicalBytes` write, on generated actions full of hostile text.
final class ActionJSONWriterTests: XCTestCase {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    // MARK: - The stored form

    func testEncodedJSONIsJSONEncodersBytes() throws {
        for seed in 0..<3_000 {
            var random = SplitMix64(seed: UInt64(seed))
            let action = GeneratedValues.action(&random)
            let expected = [UInt8](try Self.encoder.encode(action))
            let got = action.encodedJSON
            if got != expected {
                XCTFail(
                    "action \(seed):\nJSONEncoder \(String(decoding: expected, as: UTF8.self).debugDescription)\nwriter      \(String(decoding: got, as: UTF8.self).debugDescription)"
                )
                return
            }
        }
    }

    func testEncodedJSONReadsBack() throws {
        for seed in 0..<300 {
            var random = SplitMix64(seed: UInt64(seed) &+ 10_000)
            var action = GeneratedValues.action(&random)
            // Only years 0000-9999 are RFC 3339 times; the writer's other forms are checked above.
            let last: Int64 = 253_402_300_799_999
            func readable(_ t: Timestamp) -> Timestamp { Timestamp(milliseconds: abs(t.milliseconds % last)) }
            action.createdAt = readable(action.createdAt)
            action.expiresAt = readable(action.expiresAt)
            action.resolvedAt = action.resolvedAt.map(readable)
            action.decisions = action.decisions.map {
                var d = $0; d.at = readable(d.at); return d
            }
            XCTAssertEqual(try Action(json: action.encodedJSON), action, "action \(seed)")
        }
    }

    func testEveryEscapeAndLargeNumbers() throws {
        var every = ""
        for value in 0..<0x80 { every.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        every += "\u{80}\u{A0}\u{2028}\u{2029}\u{FEFF}\u{FFFF}\u{10FFFF}é😀🧑‍💻/</script>\\\"\r\n"
        var action = Self.fixed
        action.summary = every
        action.context = [ContextEntry(key: every, value: "/\\/"), ContextEntry(key: "", value: "")]
        for number in [0, 1, -1, Int.max, Int.min, 1_000_000_007] {
            action.requiredApprovals = number
            action.redactions = 0 &- number
            XCTAssertEqual(action.encodedJSON, [UInt8](try Self.encoder.encode(action)), "number \(number)")
        }
        let text = String(decoding: action.encodedJSON, as: UTF8.self)
        XCTAssertTrue(text.contains(#"\u0000\u0001"#) && text.contains(#"\b\t\n\u000b\f\r"#) && text.contains("\u{7F}") && text.contains("</script>"))
    }

    // MARK: - The digest document

    func testDigestDocumentIsTheCanonicalTree() {
        for seed in 0..<3_000 {
            var random = SplitMix64(seed: UInt64(seed) &+ 20_000)
            let action = GeneratedValues.action(&random)
            let expected = ActionDigest.document(of: action).canonicalBytes
            let got = ActionDigest.canonicalDocument(of: action)
            if got != expected {
                XCTFail(
                    "action \(seed):\ntree   \(String(decoding: expected, as: UTF8.self).debugDescription)\nwriter \(String(decoding: got, as: UTF8.self).debugDescription)"
                )
                return
            }
            XCTAssertEqual(ActionDigest.compute(action), SHA256Hex.prefixed(expected))
        }
    }

    func testDigestMatchesProtocolOneLiner() {
        // From protocol.md's Python one-liner run on `fixed`'s JSON (nulls, non-ASCII, controls, `/`).
        XCTAssertEqual(ActionDigest.compute(Self.fixed), "sha256:87e7948c12c5c7dc2f2dab225a05cdf540d0ddce879c4b8b794b47297ccf2498")
        var moved = Self.fixed
        moved.status = .denied
        moved.decisions = [Decision(approver: "bob", verdict: .deny, reason: "no", at: moved.createdAt, digest: "d")]
        moved.redactions = 9
        moved.resolvedAt = moved.expiresAt
        XCTAssertEqual(ActionDigest.compute(moved), ActionDigest.compute(Self.fixed), "members outside the document must not count")
    }

    // MARK: - Times and the canonical form

    func testTimestampDescriptionAgreesWithFoundationsCalendar() {
        var random = SplitMix64(seed: 99)
        // 1600-01-01 to 9999-12-31: where Foundation's Gregorian calendar is proleptic-free and
        // four-digit years hold. The oracle shares no code with ours.
        let first: Int64 = -11_676_096_000_000, last: Int64 = 253_402_300_799_999
        var values: [Int64] = [first, last, 0, -1, 1, 999, -86_400_000, -86_400_001, 951_782_400_000]
        for _ in 0..<20_000 { values.append(first + Int64(random.next() % UInt64(last - first))) }
        for ms in values {
            let t = Timestamp(milliseconds: ms)
            XCTAssertEqual(t.description, Self.foundationDescription(ms), "\(ms)")
            XCTAssertEqual(try Self.encoder.encode(t), try Self.encoder.encode(t.description))
        }
        XCTAssertEqual(Timestamp(milliseconds: 1_795_235_028_123).description, "2026-11-21T04:23:48.123Z")
        // Beyond four-digit years, the proleptic ISO calendar: year 0 is a leap year, 10000 has five digits.
        XCTAssertEqual(Timestamp(milliseconds: -62_167_219_200_000).description, "0000-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp(milliseconds: -62_135_596_800_001).description, "0000-12-31T23:59:59.999Z")
        XCTAssertEqual(Timestamp(milliseconds: 253_402_300_800_000).description, "10000-01-01T00:00:00.000Z")
    }

    func testCanonicalFormOfValues() {
        let value = JSONValue.object([
            "b": .array([.null, .bool(true), .bool(false), .int(-7)]), "a": .string("\u{1}\"/é"),
            "\u{FF61}": .int(1), "😀": .int(2), "": .object([:]),
        ])
        // Keys by UTF-16 code units: the surrogate pair of 😀 (D83D) sorts before U+FF61.
        XCTAssertEqual(value.canonicalString, #"{"":{},"a":"\u0001\"/é","b":[null,true,false,-7],"😀":2,"｡":1}"#)
    }

    // MARK: - Generated actions

    private static let fixed = Action(
        id: "act_01hw/é", createdAt: Timestamp(milliseconds: 1_795_320_000_123), expiresAt: Timestamp(milliseconds: 1_795_323_600_000),
        requester: Requester(id: "ci@agents", kind: .pipeline, onBehalfOf: nil, session: "run \u{1}\t1"),
        kind: "db.query", summary: "UPDATE \"orders\" \\ done\n😀 café </script>", command: nil, resource: "postgres://db/orders",
        environment: "production", risk: .critical, policy: Policy(id: "prod-db", reason: "needs a human\u{7F}"), justification: nil,
        context: [ContextEntry(key: "ticket", value: "https://t.example.com/OPS-1"), ContextEntry(key: "\u{2028}", value: "\u{1F}")],
        diffs: [ActionDiff(title: "main.tf", text: "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"), ActionDiff(title: "t", format: "raw", text: "")],
        requiredApprovals: 2, redactions: 1, digest: "sha256:00")

    /// RFC 3339 with milliseconds, from Foundation's Gregorian calendar in UTC.
    private static func foundationDescription(_ milliseconds: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        if let utc = TimeZone(secondsFromGMT: 0) { calendar.timeZone = utc }
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000)
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ v: Int?, _ width: Int) -> String {
            let s = String(v ?? -1)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))."
            + pad(Int(milliseconds - seconds * 1000), 3) + "Z"
    }
}
