import Foundation
import XCTest

@_spi(Testing) @testable import TollgateCore

/// `Action(json:)` and its single-pass reader: the same value as `JSONDecoder` for every input it
/// reads, nil (and so `JSONDecoder`'s own error) for every input `JSONDecoder` rejects.
final class ActionJSONReaderTests: XCTestCase {
    // MARK: - Equivalence on valid actions

    func testEncodedActionsReadFastAndEqual() throws {
        for options: JSONEncoder.OutputFormatting in [[.withoutEscapingSlashes, .sortedKeys], [], [.prettyPrinted]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = options
            for action in Self.sampleActions {
                let bytes = [UInt8](try encoder.encode(action))
                XCTAssertEqual(Self.fast(bytes), action, "options \(options.rawValue): \(String(decoding: bytes, as: UTF8.self).prefix(200))")
                try assertAgrees(bytes, fast: true)
            }
        }
    }

    func testGeneratedDocumentsReadFastAndEqual() throws {
        for seed in 0..<400 {
            var random = SplitMix64(seed: UInt64(seed))
            let doc = JSONDoc.action(&random)
            var style = JSONDocStyle(seed: UInt64(seed) &* 31)
            let bytes = style.write(doc)
            let expected = try XCTUnwrap(
                try? Self.decoder(bytes), "generated document \(seed) does not decode: \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            XCTAssertEqual(Self.fast(bytes), expected, "document \(seed): \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            try assertAgrees(bytes, fast: true)
        }
    }

    func testOptionalMembersAbsentNullOrPresent() throws {
        let minimal = try XCTUnwrap(Self.fast(Array(Self.minimal.utf8)))
        XCTAssertNil(minimal.resolvedAt)
        XCTAssertEqual(minimal.requester.kind, .agent)
        XCTAssertEqual(minimal.context, [])
        XCTAssertEqual(minimal.redactions, 0)
        let nulls =
            Self.minimal.dropLast()
            + #", "resolved_at": null, "command": null, "resource": null, "environment": null, "justification": null, "context": null, "diffs": null, "decisions": null, "redactions": null}"#
        XCTAssertEqual(Self.fast(Array(nulls.utf8)), minimal)
        try assertAgrees(Array(nulls.utf8), fast: true)
        for (member, value) in [
            ("requester", #"{"id":"bot","kind":null,"on_behalf_of":null,"session":null}"#),
            ("diffs", #"[{"title":"t","text":"x","format":null}]"#),
            ("decisions", #"[{"approver":"a","verdict":"deny","reason":null,"at":"2026-11-21T04:00:00Z","digest":"d"}]"#),
        ] {
            try assertAgrees(Self.replacing(member, with: value), fast: true)
        }
        XCTAssertEqual(Self.fast(Self.replacing("diffs", with: #"[{"title":"t","text":"x","format":null}]"#))?.diffs.first?.format, "unified")
        XCTAssertEqual(
            Self.fast(Self.replacing("decisions", with: #"[{"approver":"a","verdict":"deny","at":"2026-11-21T04:00:00Z","digest":"d"}]"#))?.decisions.first?
                .reason, "")
    }

    func testStringsWithEveryEscapeAndScript() throws {
        let texts = [
            #"quote " backslash \ slash / "#, "controls \u{0}\u{1}\u{8}\u{C}\n\r\t\u{1F}\u{7F}",
            "café, naïve, Ελληνικά, 日本語, עברית, العربية", "emoji 😀 🧑‍💻 🇪🇺 and e\u{301} combining",
            "line separator \u{2028} and \u{2029}, BOM \u{FEFF}, \u{FFFF} and \u{10FFFF}", "",
            String(repeating: "long ascii ", count: 20_000), String(repeating: "ü😀", count: 20_000),
        ]
        for (n, text) in texts.enumerated() {
            for escapeNonASCII in [false, true] {
                var style = JSONDocStyle(seed: UInt64(n), escapeNonASCII: escapeNonASCII, escapeSlash: n % 2 == 0, escapeLetters: true)
                let doc = JSONDoc.object(
                    Self.minimalMembers.map { ($0.0, $0.0 == "summary" ? .string(text) : $0.1) }
                        + [("command", .string(text)), ("context", .array([.object([("key", .string(text)), ("value", .string(text))])]))])
                let bytes = style.write(doc)
                let action = try XCTUnwrap(Self.fast(bytes), "text \(n), escaped \(escapeNonASCII)")
                XCTAssertEqual(Array(action.summary.utf8), Array(text.utf8))
                XCTAssertEqual(action.context.first?.value, text)
                try assertAgrees(bytes, fast: true)
            }
        }
    }

    func testEscapedMemberNamesAndValues() throws {
        let escaped =
            #"{"\u0069d":"act_1","st\u0061tus":"\u0070ending","created_at":"\u0032026-11-21T04:00:00.000Z","expires_at":"2026-11-21T05:00:00.000Z","requester":{"id":"bot","kind":"hum\u0061n"},"kind":"k","summary":"\ud83d\ude00","risk":"low","policy":{"id":"p","reason":"r"},"required_approvals":1,"digest":"d"}"#
        let action = try XCTUnwrap(Self.fast(Array(escaped.utf8)))
        XCTAssertEqual(action.id, "act_1")
        XCTAssertEqual(action.requester.kind, .human)
        XCTAssertEqual(action.summary, "😀")
        try assertAgrees(Array(escaped.utf8), fast: true)
    }

    func testTimestampForms() throws {
        for time in [
            "2026-11-21T04:23:48Z", "2026-11-21t04:23:48z", "2026-11-21 04:23:48.1Z", "2026-11-21T04:23:48.123456789Z",
            "2026-11-21T04:23:48+05:30", "2026-11-21T04:23:48.5-08:00", "2024-02-29T23:59:60Z", "0001-01-01T00:00:00Z",
        ] {
            try assertAgrees(Self.replacing("created_at", with: "\"\(time)\""), fast: true)
        }
        for time in [
            "2026-11-21", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-21T04:23:48", "2026-11-21T04:23:48.Z",
            "2026-11-21T24:00:00Z", "2026-11-21T04:23:48+5:30", "2026-11-21T04:23:48Z ", "２026-11-21T04:23:48Z",
        ] {
            try assertAgrees(Self.replacing("created_at", with: "\"\(time)\""))
        }
    }

    func testUnknownMembersOfEveryKindAnywhere() throws {
        let values = [
            #"null"#, #"true"#, #"false"#, #"0"#, #"-0"#, #"-12.5e+3"#, #"1E400"#, #"123456789012345678901234567890"#,
            #""\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00""#, #"[]"#, #"{}"#, #"[1,[2,[3,{"a":[{}]}]]]"#,
            #"{"id":"not this one","status":"x","nested":{"required_approvals":"x"}}"#,
        ]
        for value in values {
            let extra = #"  "zz_unknown" : "# + value + " ,\n"
            let top = "{" + extra + Self.minimal.dropFirst()
            try assertAgrees(Array(top.utf8), fast: true)
            try assertAgrees(Self.replacing("requester", with: #"{"x":"# + value + #","id":"bot"}"#), fast: true)
            try assertAgrees(Self.replacing("policy", with: #"{"id":"p","x":"# + value + #","reason":"r"}"#), fast: true)
        }
    }

    // MARK: - Inputs JSONDecoder treats its own way

    func testDuplicateMembers() throws {
        let top = Self.minimal.dropLast() + #","id":"act_2"}"#
        try assertAgrees(Array(top.utf8))
        XCTAssertNil(Self.fast(Array(top.utf8)))
        try assertAgrees(Self.replacing("requester", with: #"{"id":"a","id":"b"}"#))
        try assertAgrees(Self.replacing("requester", with: #"{"id":"a","\u0069d":"b"}"#))
        // Unknown names may not repeat either, at any depth: the reader gives up and the
        // document is refused (`DuplicateKeyTests` has the rest).
        for body in [Self.minimal.dropLast() + #","x":1,"x":2}"#, Self.minimal.dropLast() + #","x":{"y":1,"y":2}}"#] {
            try assertAgrees(Array(body.utf8))
            XCTAssertNil(Self.fast(Array(body.utf8)))
            XCTAssertThrowsError(try Action(json: Array(body.utf8)))
        }
    }

    func testIntegerForms() throws {
        for number in ["0", "1", "-1", "-0", "12", "999999999999999999", "-999999999999999999"] {
            try assertAgrees(Self.replacing("required_approvals", with: number), fast: true)
            try assertAgrees(Self.replacing("redactions", with: number), fast: true)
        }
        for number in [
            "1.0", "1e0", "1E2", "10e-1", "-0.0", "2.5", "1e-400", "1e400", "01", "+1", "-", "1.", ".5",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
            "\"1\"", "true", "null", "[]", "{}", "0x10", "Infinity", "NaN",
        ] {
            try assertAgrees(Self.replacing("required_approvals", with: number))
            try assertAgrees(Self.replacing("redactions", with: number))
        }
    }

    func testEnumValues() throws {
        for status in ActionStatus.allCases { try assertAgrees(Self.replacing("status", with: "\"\(status.rawValue)\""), fast: true) }
        for value in ["\"Pending\"", "\"pending \"", "\"\"", "\"approve\"", "1", "null", "\"ｐending\""] {
            try assertAgrees(Self.replacing("status", with: value))
            try assertAgrees(Self.replacing("risk", with: value))
            try assertAgrees(Self.replacing("requester", with: #"{"id":"bot","kind":"# + value + "}"))
        }
    }

    func testNonASCIIMemberNames() throws {
        // Kelvin sign K and a decomposed ï: JSONDecoder compares names as `String`s; the reader
        // leaves every non-ASCII name to it.
        for name in ["\u{212A}ind", "i\u{308}d", "ïd", "日本"] {
            try assertAgrees(Array((Self.minimal.dropLast() + ",\"\(name)\":1}").utf8))
        }
    }

    func testWrongTypeInEveryMember() throws {
        var random = SplitMix64(seed: 7)
        let full = JSONDoc.action(&random, unknownMembers: false)
        let odd: [JSONDoc] = [
            .literal("1"), .literal("-1"), .literal("1.5"), .literal("true"), .literal("null"),
            .string("x"), .string("2026-11-21T04:00:00Z"), .array([]), .object([]),
        ]
        var variants = 0
        for replacement in odd {
            for variant in full.replacingEachValue(with: replacement) {
                var style = JSONDocStyle(seed: 1)
                try assertAgrees(style.write(variant))
                variants += 1
            }
        }
        XCTAssertGreaterThan(variants, 100)
    }

    func testTruncationAtEveryOffset() throws {
        var random = SplitMix64(seed: 3)
        var style = JSONDocStyle(seed: 5, escapeNonASCII: true, escapeSlash: true, escapeLetters: true)
        let bytes = style.write(JSONDoc.action(&random))
        try assertAgrees(bytes, fast: true)
        for end in 0..<bytes.count {
            try assertAgrees(Array(bytes[..<end]))
        }
    }

    func testCorruptionAtEveryOffset() throws {
        var random = SplitMix64(seed: 11)
        var style = JSONDocStyle(seed: 13, escapeNonASCII: true)
        let bytes = style.write(JSONDoc.action(&random))
        for offset in bytes.indices {
            for replacement: UInt8 in [0x22, 0x5C, 0x7D, 0x2C, 0x00, 0xFF, 0x20] where bytes[offset] != replacement {
                var corrupted = bytes
                corrupted[offset] = replacement
                try assertAgrees(corrupted)
            }
        }
    }

    func testInvalidUTF8() throws {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let inKnown = Array(#"{"summary":"a"#.utf8) + bad + Array(Self.minimal.utf8.dropFirst(#"{"summary":"s"#.utf8.count))
            XCTAssertNil(Self.fast(inKnown))
            try assertAgrees(inKnown)
            try assertAgrees(Array(Self.minimal.dropLast().utf8) + Array(#","x":""#.utf8) + bad + Array(#""}"#.utf8))
            try assertAgrees(Array(Self.minimal.dropLast().utf8) + Array(#","x":1"#.utf8) + bad + Array("}".utf8))
        }
    }

    func testLoneSurrogates() throws {
        for escape in [#"\ud800"#, #"\udc00"#, #"\ud800x"#, #"\ud800\u0041"#, #"\ud800\ud800"#, #"\udfff\ud800"#, #"\uD83D"#] {
            try assertAgrees(Self.replacing("summary", with: "\"a\(escape)b\""))
            XCTAssertNil(Self.fast(Self.replacing("summary", with: "\"a\(escape)b\"")))
            try assertAgrees(Array((Self.minimal.dropLast() + ",\"x\":\"\(escape)\"}").utf8))
        }
    }

    func testOddDocuments() throws {
        let oddities: [[UInt8]] = [
            [], Array(" ".utf8), Array("null".utf8), Array("[]".utf8), Array("{}".utf8), Array(#""x""#.utf8),
            [0xEF, 0xBB, 0xBF] + Array(Self.minimal.utf8), Array(Self.minimal.utf8) + [0],
            Array((Self.minimal + " x").utf8), Array((Self.minimal + "\u{C}").utf8), Array((" \r\n\t" + Self.minimal + "\n").utf8),
            Array((Self.minimal.dropLast() + ",}").utf8), Array(("[" + Self.minimal + "]").utf8), Array((Self.minimal + Self.minimal).utf8),
            Array(Self.minimal.replacingOccurrences(of: ":", with: " : ").utf8),
            Array(Self.minimal.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
        ]
        for bytes in oddities { try assertAgrees(bytes) }
    }

    func testDeepNestingDoesNotCrash() throws {
        for depth in [50, 99, 100, 300, 511, 512, 10_000] {
            for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
                let value = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
                try assertAgrees(Array((Self.minimal.dropLast() + ",\"x\":" + value + "}").utf8), fast: depth < 99)
                // Unbalanced: never closed.
                try assertAgrees(Array((Self.minimal.dropLast() + ",\"x\":" + String(repeating: open, count: depth)).utf8))
            }
        }
    }

    func testEveryEntryPointAgrees() throws {
        for action in Self.sampleActions {
            let data = try JSONEncoder().encode(action)
            let text = String(decoding: data, as: UTF8.self)
            XCTAssertEqual(try Action(json: data), action)
            XCTAssertEqual(try Action(json: [UInt8](data)), action)
            XCTAssertEqual(try Action(json: text), action)
            XCTAssertEqual(try data.withUnsafeBytes { try Action(json: $0) }, action)
        }
        XCTAssertThrowsError(try Action(json: "")) { error in
            XCTAssertEqual(String(describing: error), Self.decoderError([]).map { String(describing: $0) })
        }
    }

    // MARK: - JSONDecoder's trap

    func testUntrustedDecodingThrowsWhereJSONDecoderTraps() {
        // 513 levels opened, the last `[` the last character: JSONDecoder itself would trap here.
        let text = String(repeating: "[", count: 513)
        let encodings: [[UInt8]] = [
            Array(text.utf8), [0xEF, 0xBB, 0xBF] + Array(text.utf8), Self.encode(text, .utf16LittleEndian),
            Self.encode(text, .utf16BigEndian), Self.encode(text, .utf32LittleEndian), Self.encode(text, .utf32BigEndian),
            [0xFF, 0xFE] + Self.encode(text, .utf16LittleEndian), [0xFE, 0xFF] + Self.encode(text, .utf16BigEndian),
            [0, 0, 0xFE, 0xFF] + Self.encode(text, .utf32BigEndian),
            Array((Self.minimal.dropLast() + ",\"x\":" + String(repeating: "[", count: 512)).utf8),
        ]
        for bytes in encodings {
            XCTAssertThrowsError(try JSONDecoder().decode(Action.self, fromUntrusted: Data(bytes))) { error in
                XCTAssertEqual(
                    String(describing: error), "DecodingError.dataCorrupted: Data was corrupted. Debug description: The given data was not valid JSON.")
            }
            XCTAssertThrowsError(try Action(json: bytes))
        }
    }

    func testUntrustedDecodingMatchesJSONDecoderWhereItDoesNotTrap() throws {
        // Texts ending in `[` (or bytes that look so) that JSONDecoder survives: the guard must
        // answer exactly as it does, including where a conversion drops a trailing odd byte.
        let texts = ["[", "{\"x\":[", String(repeating: "[", count: 512), String(repeating: "[", count: 514), #"{"x":"a["#, "{}["]
        var inputs: [[UInt8]] = []
        for text in texts {
            inputs += [
                Array(text.utf8), Self.encode(text, .utf16LittleEndian), Self.encode(text, .utf16BigEndian),
                Self.encode(text, .utf32LittleEndian), Self.encode(text, .utf32BigEndian),
            ]
        }
        inputs += [
            [0x7B, 0, 0x7D, 0, 0x5B], [0, 0x7B, 0, 0x7D, 0x5B], [0xFF, 0xFE, 0x7B, 0, 0x7D, 0, 0x5B],
            [0x7B, 0, 0, 0, 0x7D, 0, 0, 0, 0x5B, 0], [0x5B, 0], [0, 0x5B], [0xFE, 0xFF, 0, 0, 0x5B], [0x5B, 0, 0x5B], [],
        ]
        for bytes in inputs {
            let expected = Result { try JSONDecoder().decode(Action.self, from: Data(bytes)) }
            let guarded = Result { try JSONDecoder().decode(Action.self, fromUntrusted: Data(bytes)) }
            switch (expected, guarded) {
            case (.failure(let want), .failure(let got)): XCTAssertEqual(String(describing: got), String(describing: want), "\(bytes.prefix(12))")
            default: XCTFail("\(bytes.prefix(12)): JSONDecoder \(expected), guarded \(guarded)")
            }
        }
    }

    func testFeedEventsThatWouldTrapAreMalformed() {
        let data = String(repeating: "[", count: 513)
        for type in ["action", "sync"] {
            XCTAssertThrowsError(try FeedEvent.decode(SSEEvent(type: type, data: data, lastEventID: "7"))) { error in
                XCTAssertEqual((error as? MalformedFeedEvent)?.reason, "data is not valid JSON: \(String(repeating: "[", count: 40).debugDescription)")
            }
        }
    }

    private static func encode(_ text: String, _ encoding: String.Encoding) -> [UInt8] {
        [UInt8](text.data(using: encoding) ?? Data())
    }

    // MARK: - Timestamp

    func testTimestampParsesOnlyWholeTimes() {
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-21T04:23:48.123Z")?.milliseconds, 1_795_235_028_123)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-21 04:23:48.123+01:00")?.milliseconds, 1_795_231_428_123)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-21t04:23:48.123z"), Timestamp(rfc3339: "2026-11-21T04:23:48.123Z"))
        for text in ["", "2026-11-21T04:23:48", "2026-11-21X04:23:48Z", "2026-11-21T04:23:48Zjunk", "2026-11-21T04:23:48+01:0"] {
            XCTAssertNil(Timestamp(rfc3339: text), text)
        }
    }

    // MARK: - The check

    /// `Action(json:)` in each form gives what `JSONDecoder` gives, value or error; the fast
    /// reader alone gives the same value or nil, nil whenever `JSONDecoder` throws, and a value
    /// when `fast` says it must.
    private func assertAgrees(_ bytes: [UInt8], fast mustBeFast: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let shown = String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
        let fast = Self.fast(bytes)
        do {
            let expected = try Self.decoder(bytes)
            if let fast { XCTAssertEqual(fast, expected, "fast reader differs on \(shown)", file: file, line: line) }
            XCTAssertEqual(try Action(json: bytes), expected, file: file, line: line)
            XCTAssertEqual(try Action(json: Data(bytes)), expected, file: file, line: line)
            if mustBeFast { XCTAssertNotNil(fast, "the fast reader gave up on \(shown)", file: file, line: line) }
        } catch {
            XCTAssertNil(fast, "the fast reader read what JSONDecoder rejects (\(error)): \(shown)", file: file, line: line)
            XCTAssertFalse(mustBeFast, "JSONDecoder rejects \(shown): \(error)", file: file, line: line)
            let attempts: [(String, () throws -> Action)] = [("bytes", { try Action(json: bytes) }), ("data", { try Action(json: Data(bytes)) })]
            for (form, attempt) in attempts {
                XCTAssertThrowsError(try attempt(), "\(form): \(shown)", file: file, line: line) { thrown in
                    XCTAssertEqual(String(describing: thrown), String(describing: error), "\(form): \(shown)", file: file, line: line)
                }
            }
        }
        // The String entry point sees only valid UTF-8, as any `String` holds.
        if let text = String(validating: bytes, as: UTF8.self) {
            let expected = Result { try Self.decoder(bytes) }
            let got = Result { try Action(json: text) }
            switch (expected, got) {
            case (.success(let expected), .success(let got)): XCTAssertEqual(got, expected, file: file, line: line)
            case (.failure(let expected), .failure(let got)):
                XCTAssertEqual(String(describing: got), String(describing: expected), file: file, line: line)
            default: XCTFail("Action(json: String) and JSONDecoder disagree on \(shown)", file: file, line: line)
            }
        }
    }

    private static func fast(_ bytes: [UInt8]) -> Action? { bytes.withUnsafeBytes { Action.readJSON($0) } }
    /// `JSONDecoder`, spared its trap on a text ending in `[` (see `testUntrustedDecoding…`).
    private static func decoder(_ bytes: [UInt8]) throws -> Action { try JSONDecoder().decode(Action.self, fromUntrusted: Data(bytes)) }
    private static func decoderError(_ bytes: [UInt8]) -> (any Error)? {
        do { _ = try decoder(bytes); return nil } catch { return error }
    }

    // MARK: - Fixtures

    private static let minimalMembers: [(String, JSONDoc)] = [
        ("id", .string("act_1")), ("status", .string("pending")), ("created_at", .string("2026-11-21T04:00:00.000Z")),
        ("expires_at", .string("2026-11-21T05:00:00.000Z")), ("requester", .object([("id", .string("bot"))])),
        ("kind", .string("k")), ("summary", .string("s")), ("risk", .string("low")),
        ("policy", .object([("id", .string("p")), ("reason", .string("r"))])), ("required_approvals", .literal("1")),
        ("digest", .string("d")),
    ]

    /// The required members only, in the order of `minimalMembers`, with `"summary":"s"` first-but-one.
    static let minimal =
        #"{"summary":"s","id":"act_1","status":"pending","created_at":"2026-11-21T04:00:00.000Z","expires_at":"2026-11-21T05:00:00.000Z","requester":{"id":"bot"},"kind":"k","risk":"low","policy":{"id":"p","reason":"r"},"required_approvals":1,"digest":"d"}"#

    /// `minimal` with `member` set to the raw JSON `value`.
    static func replacing(_ member: String, with value: String) -> [UInt8] {
        var members = minimalMembers.filter { $0.0 != member }.map { ($0.0, $0.1) }
        members.insert((member, .literal(value)), at: min(3, members.count))
        var style = JSONDocStyle(seed: 0, spacing: false)
        return style.write(.object(members))
    }

    static let sampleActions: [Action] = {
        let t = Timestamp(milliseconds: 1_795_320_000_123)
        let full = Action(
            id: "act_01hw", status: .denied, createdAt: t, expiresAt: t.adding(seconds: 3600), resolvedAt: t.adding(seconds: 60),
            requester: Requester(id: "ci@agents", kind: .pipeline, onBehalfOf: "alice@example.com", session: "run-1"),
            kind: "db.query", summary: "UPDATE \"orders\" SET x = 'y' \\ done\n😀 café", command: "psql -c 'select 1'",
            resource: "postgres://db/orders", environment: "production", risk: .critical,
            policy: Policy(id: "prod-db", reason: "needs a human"), justification: "\u{1B}[2J hostile \u{202E} text",
            context: [ContextEntry(key: "ticket", value: "https://t.example.com/OPS-1"), ContextEntry(key: "", value: "")],
            diffs: [ActionDiff(title: "main.tf", text: "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"), ActionDiff(title: "t", format: "raw", text: "")],
            requiredApprovals: 2,
            decisions: [
                Decision(approver: "bob", verdict: .approve, reason: "", at: t, digest: "sha256:aa"),
                Decision(approver: "carol", verdict: .deny, reason: "no", at: t.adding(seconds: 1), digest: "sha256:bb"),
            ],
            redactions: 3, digest: "sha256:" + String(repeating: "ab", count: 32))
        let bare = Action(
            id: "a", createdAt: Timestamp(milliseconds: -86_400_001), expiresAt: t, requester: Requester(id: "r"),
            kind: "", summary: "", risk: .low, policy: Policy(id: "", reason: ""), requiredApprovals: -3)
        return [full, bare]
    }()
}

// MARK: - Hand-written JSON

/// A JSON document built by hand, so a test controls what `JSONEncoder` never writes: member
/// order, white space, escapes, nulls and unknown members.
private indirect enum JSONDoc: Sendable {
    /// `null`, `true`, `false`, a number, or any raw text, written as given.
    case literal(String)
    case string(String)
    case array([JSONDoc])
    case object([(String, JSONDoc)])

    /// A random action that `JSONDecoder` accepts and the fast reader must read: optional members
    /// absent, null or set, defaults spelled out or not, members shuffled, unknown ones mixed in.
    static func action(_ random: inout SplitMix64, unknownMembers: Bool = true) -> JSONDoc {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
        func text() -> String {
            let pieces = [
                "deploy", " ", "prod-db", "\"quoted\"", "back\\slash", "a/b", "\n", "\t", "\u{1}", "é", "日本",
                "😀", "🧑‍💻", "\u{2028}", "\u{202E}", "e\u{301}", "s3://bucket/key", "{\"json\": [1]}",
            ]
            return (0..<Int(random.next() % 12)).map { _ in pick(pieces) }.joined()
        }
        func time() -> JSONDoc {
            .string(pick(["2026-11-21T04:00:00.000Z", "2026-11-21T04:00:00Z", "1999-12-31T23:59:59.999+01:00", "2026-02-28t00:00:00.5z"]))
        }
        /// Absent, null, or `value`, for a member `decodeIfPresent` reads.
        func optional(_ name: String, _ value: @autoclosure () -> JSONDoc, into members: inout [(String, JSONDoc)]) {
            switch random.next() % 3 {
            case 0: break
            case 1: members.append((name, .literal("null")))
            default: members.append((name, value()))
            }
        }
        func unknown(depth: Int) -> JSONDoc {
            switch random.next() % (depth > 4 ? 4 : 6) {
            case 0: return .literal(pick(["null", "true", "false"]))
            case 1: return .literal(pick(["0", "-0", "12", "-1.5", "6.02e23", "1E-9", "123456789012345678901234567890"]))
            case 2, 3: return .string(text())
            case 4: return .array((0..<Int(random.next() % 4)).map { _ in unknown(depth: depth + 1) })
            default: return .object((0..<Int(random.next() % 4)).map { n in ("u\(n)", unknown(depth: depth + 1)) })
            }
        }
        func object(_ members: [(String, JSONDoc)]) -> JSONDoc {
            var members = members
            if unknownMembers {
                for n in 0..<Int(random.next() % 3) { members.append(("zz_\(n)", unknown(depth: 0))) }
            }
            if chance(60) {
                for i in members.indices.reversed() { members.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            }
            return .object(members)
        }

        var requester: [(String, JSONDoc)] = [("id", .string(text()))]
        optional("kind", .string(pick(RequesterKind.allCases).rawValue), into: &requester)
        optional("on_behalf_of", .string(text()), into: &requester)
        optional("session", .string(text()), into: &requester)

        var members: [(String, JSONDoc)] = [
            ("id", .string("act_" + text())), ("status", .string(pick(ActionStatus.allCases).rawValue)),
            ("created_at", time()), ("expires_at", time()), ("requester", object(requester)),
            ("kind", .string(text())), ("summary", .string(text())), ("risk", .string(pick(Risk.allCases).rawValue)),
            ("policy", object([("id", .string(text())), ("reason", .string(text()))])),
            ("required_approvals", .literal(pick(["1", "2", "0", "-1", "-0", "999999999999999999"]))),
            ("digest", .string("sha256:" + text())),
        ]
        optional("resolved_at", time(), into: &members)
        optional("escalated_at", time(), into: &members)
        optional("command", .string(text()), into: &members)
        optional("resource", .string(text()), into: &members)
        optional("environment", .string(text()), into: &members)
        optional("justification", .string(text()), into: &members)
        optional("redactions", .literal(pick(["0", "1", "7"])), into: &members)
        optional(
            "context",
            .array(
                (0..<Int(random.next() % 8)).map { _ in
                    object([("key", .string(text())), ("value", .string(text()))])
                }), into: &members)
        optional(
            "diffs",
            .array(
                (0..<Int(random.next() % 3)).map { _ in
                    var diff: [(String, JSONDoc)] = [("title", .string(text())), ("text", .string(text() + "\n-a\n+b\n"))]
                    optional("format", .string(pick(["unified", "raw"])), into: &diff)
                    return object(diff)
                }), into: &members)
        optional(
            "decisions",
            .array(
                (0..<Int(random.next() % 3)).map { _ in
                    var decision: [(String, JSONDoc)] = [
                        ("approver", .string(text())), ("verdict", .string(pick(Verdict.allCases).rawValue)),
                        ("at", time()), ("digest", .string(text())),
                    ]
                    optional("reason", .string(text()), into: &decision)
                    return object(decision)
                }), into: &members)
        return object(members)
    }

    /// One copy of `self` per value in it (members' values and elements, at any depth), that value
    /// replaced by `replacement`.
    func replacingEachValue(with replacement: JSONDoc) -> [JSONDoc] {
        switch self {
        case .literal, .string:
            return []
        case .array(let items):
            return items.indices.flatMap { i -> [JSONDoc] in
                var replaced = items
                replaced[i] = replacement
                return [.array(replaced)]
                    + items[i].replacingEachValue(with: replacement).map { inner in
                        var copy = items
                        copy[i] = inner
                        return .array(copy)
                    }
            }
        case .object(let members):
            return members.indices.flatMap { i -> [JSONDoc] in
                var replaced = members
                replaced[i].1 = replacement
                return [.object(replaced)]
                    + members[i].1.replacingEachValue(with: replacement).map { inner in
                        var copy = members
                        copy[i].1 = inner
                        return .object(copy)
                    }
            }
        }
    }
}

/// How a `JSONDoc` is written: white space between tokens, and which characters are escaped.
private struct JSONDocStyle {
    var random: SplitMix64
    var escapeNonASCII: Bool
    var escapeSlash: Bool
    /// Writes some ASCII letters as `\u00XX`, which JSON allows and `JSONEncoder` never does.
    var escapeLetters: Bool
    var spacing: Bool

    init(seed: UInt64, escapeNonASCII: Bool? = nil, escapeSlash: Bool? = nil, escapeLetters: Bool? = nil, spacing: Bool = true) {
        random = SplitMix64(seed: seed)
        self.escapeNonASCII = escapeNonASCII ?? (seed % 3 == 0)
        self.escapeSlash = escapeSlash ?? (seed % 5 == 0)
        self.escapeLetters = escapeLetters ?? (seed % 7 == 0)
        self.spacing = spacing
    }

    mutating func write(_ doc: JSONDoc) -> [UInt8] {
        var out: [UInt8] = []
        space(&out)
        write(doc, into: &out)
        space(&out)
        return out
    }

    private mutating func space(_ out: inout [UInt8]) {
        guard spacing, random.next() % 4 == 0 else { return }
        out += Array([" ", "\n", "\t", "\r\n  ", "   \t"][Int(random.next() % 5)].utf8)
    }

    private mutating func write(_ doc: JSONDoc, into out: inout [UInt8]) {
        switch doc {
        case .literal(let raw):
            out += Array(raw.utf8)
        case .string(let text):
            writeString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                write(item, into: &out)
                space(&out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, (name, value)) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                writeString(name, into: &out)
                space(&out)
                out.append(UInt8(ascii: ":"))
                space(&out)
                write(value, into: &out)
                space(&out)
            }
            space(&out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeString(_ text: String, into out: inout [UInt8]) {
        func escape(_ unit: UInt16, into out: inout [UInt8], upper: Bool) {
            out += Array(("\\u" + String(repeating: "0", count: 4 - String(unit, radix: 16).count) + String(unit, radix: 16, uppercase: upper)).utf8)
        }
        out.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += Array(#"\""#.utf8)
            case "\\": out += Array(#"\\"#.utf8)
            case "/" where escapeSlash: out += Array(#"\/"#.utf8)
            case "\n": out += Array(#"\n"#.utf8)
            case "\r": out += Array(#"\r"#.utf8)
            case "\t": out += Array(#"\t"#.utf8)
            case "\u{8}": out += Array(#"\b"#.utf8)
            case "\u{C}": out += Array(#"\f"#.utf8)
            case "\u{0}"..."\u{1F}": escape(UInt16(scalar.value), into: &out, upper: random.next() % 2 == 0)
            case "a"..."z" where escapeLetters && random.next() % 8 == 0:
                escape(UInt16(scalar.value), into: &out, upper: false)
            default:
                if scalar.isASCII || !escapeNonASCII {
                    out += Array(String(scalar).utf8)
                } else {
                    let upper = random.next() % 2 == 0
                    for unit in String(scalar).utf16 { escape(unit, into: &out, upper: upper) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
