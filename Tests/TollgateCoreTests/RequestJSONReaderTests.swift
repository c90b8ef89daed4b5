import Foundation
import XCTest

@_spi(Testing) @testable import TollgateCore

/// `ActionRequest(json:)` and `DecisionRequest(json:)`: the same value as `JSONDecoder` for every
/// body the single-pass readers read, and `JSONDecoder`'s own value or error for every other.
final class RequestJSONReaderTests: XCTestCase {
    // MARK: - Submissions

    func testEncodedRequestsReadFastAndEqual() throws {
        for options: JSONEncoder.OutputFormatting in [[], [.sortedKeys], [.withoutEscapingSlashes, .prettyPrinted]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = options
            for seed in 0..<600 {
                var random = SplitMix64(seed: UInt64(seed))
                let request = GeneratedValues.request(&random)
                let bytes = [UInt8](try encoder.encode(request))
                // The reader leaves integers of 19 digits or more to JSONDecoder (they may overflow).
                let plainNumbers = [request.requiredApprovals, request.ttlSeconds ?? 0].allSatisfy { $0.magnitude < 1_000_000_000_000_000_000 }
                if plainNumbers { XCTAssertEqual(Self.fastRequest(bytes), request, "request \(seed), options \(options.rawValue)") }
                assertAgrees(bytes, ActionRequest.self, mustBeFast: plainNumbers)
            }
        }
    }

    func testDefaultsWhenAbsentOrNull() throws {
        let minimal = #"{"kind":"data.export","summary":"s"}"#
        let request = try XCTUnwrap(Self.fastRequest(Array(minimal.utf8)))
        XCTAssertEqual(request, ActionRequest(kind: "data.export", summary: "s"))
        XCTAssertEqual(request.risk, .medium)
        XCTAssertEqual(request.requiredApprovals, 1)
        let nulls =
            #"{"kind":"k","summary":"s","command":null,"resource":null,"environment":null,"risk":null,"policy":null,"justification":null,"context":null,"diffs":null,"required_approvals":null,"ttl_seconds":null,"on_behalf_of":null,"session":null}"#
        XCTAssertEqual(Self.fastRequest(Array(nulls.utf8)), ActionRequest(kind: "k", summary: "s"))
        assertAgrees(Array(nulls.utf8), ActionRequest.self, mustBeFast: true)
        assertAgrees(
            Array(#"{"kind":"k","summary":"s","diffs":[{"title":"t","text":"x","format":null}],"policy":{"id":"p","reason":"r"}}"#.utf8), ActionRequest.self,
            mustBeFast: true)
    }

    func testWrongTypeInEveryMember() {
        let members = [
            "kind", "summary", "command", "resource", "environment", "risk", "policy", "justification", "context",
            "diffs", "required_approvals", "ttl_seconds", "on_behalf_of", "session",
        ]
        let values = [
            "1", "-1", "1.5", "1e2", "1.0", "9223372036854775808", "true", "null", "\"x\"", "\"low\"", "\"LOW\"", "[]", "{}",
            "[{}]", "[{\"key\":1,\"value\":\"v\"}]", "{\"id\":null,\"reason\":\"r\"}", "\"\\u0000\"", "[\"x\"]",
        ]
        for member in members {
            for value in values {
                let rest = member == "kind" ? #""summary":"s""# : member == "summary" ? #""kind":"k""# : #""kind":"k","summary":"s""#
                assertAgrees(Array("{\(rest),\"\(member)\":\(value)}".utf8), ActionRequest.self)
            }
        }
        assertAgrees(Array(#"{"summary":"s"}"#.utf8), ActionRequest.self)
        assertAgrees(Array(#"{"kind":"k"}"#.utf8), ActionRequest.self)
    }

    func testOddBodies() {
        let minimal = #"{"kind":"k","summary":"s"}"#
        let bodies: [[UInt8]] = [
            [], Array(" ".utf8), Array("null".utf8), Array("[]".utf8), Array("{}".utf8), Array(#""x""#.utf8), Array("[".utf8),
            [0xEF, 0xBB, 0xBF] + Array(minimal.utf8), Array(minimal.utf8) + [0], Array((minimal + " x").utf8),
            Array(#"{"kind":"k","summary":"s",}"#.utf8), Array(#"{"kind":"k","summary":"s","kind":"j"}"#.utf8),
            Array(#"{"kind":"k","summary":"s","x":1,"x":2}"#.utf8), Array(#"{"\u006bind":"k","summary":"s"}"#.utf8),
            Array(#"{"kind":"k","summary":"\ud800"}"#.utf8), Array(#"{"kind":"k","summary":"a"#.utf8) + [0xFF] + Array(#""}"#.utf8),
            Array(minimal.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
            Array((#"{"kind":"k","summary":"s","context":"# + String(repeating: "[", count: 512)).utf8),
            Array((#"{"kind":"k","summary":"s","x":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}").utf8),
        ]
        for body in bodies {
            assertAgrees(body, ActionRequest.self)
            assertAgrees(body, DecisionRequest.self)
        }
    }

    func testTruncationAndCorruptionAtEveryOffset() throws {
        var random = SplitMix64(seed: 42)
        var request = GeneratedValues.request(&random)
        request.policy = Policy(id: "p\u{1}/é", reason: "r")
        request.context = [ContextEntry(key: "k\"", value: "v\\")]
        let bytes = [UInt8](try JSONEncoder().encode(request))
        for end in 0..<bytes.count { assertAgrees(Array(bytes[..<end]), ActionRequest.self) }
        for offset in bytes.indices {
            for replacement: UInt8 in [0x22, 0x5C, 0x7D, 0x2C, 0x00, 0xFF] where bytes[offset] != replacement {
                var corrupted = bytes
                corrupted[offset] = replacement
                assertAgrees(corrupted, ActionRequest.self)
            }
        }
    }

    // MARK: - Decisions

    func testDecisionsReadFastAndEqual() throws {
        for seed in 0..<600 {
            var random = SplitMix64(seed: UInt64(seed) &+ 5_000)
            let decision = GeneratedValues.decision(&random)
            let bytes = [UInt8](try JSONEncoder().encode(decision))
            XCTAssertEqual(Self.fastDecision(bytes), decision, "decision \(seed)")
            assertAgrees(bytes, DecisionRequest.self, mustBeFast: true)
        }
        for body in [
            #"{"verdict":"approve","digest":"d"}"#, #"{"verdict":"deny","reason":null,"digest":"d"}"#,
            #"{"verdict":"Approve","digest":"d"}"#, #"{"verdict":"approve"}"#, #"{"digest":"d"}"#,
            #"{"verdict":"approve","digest":null}"#, #"{"verdict":"approve","reason":1,"digest":"d"}"#,
            #"{"verdict":"approve","digest":"d","digest":"e"}"#, #"{"verdict":null,"digest":"d"}"#,
        ] {
            assertAgrees(Array(body.utf8), DecisionRequest.self)
        }
        let decision = #"{"verdict":"approve","reason":"checked \"it\"","digest":"sha256:ab"}"#
        let bytes = Array(decision.utf8)
        for end in 0..<bytes.count { assertAgrees(Array(bytes[..<end]), DecisionRequest.self) }
    }

    // MARK: - The check

    /// A type's two ways in: the fast reader alone, and `init(json:)`.
    private struct Readers<T>: Sendable {
        var fast: @Sendable (UnsafeRawBufferPointer) -> T?
        var full: @Sendable (UnsafeRawBufferPointer) throws -> T
    }

    private static let requestReaders = Readers(fast: ActionRequest.readJSON, full: { try ActionRequest(json: $0) })
    private static let decisionReaders = Readers(fast: DecisionRequest.readJSON, full: { try DecisionRequest(json: $0) })

    private func assertAgrees(_ bytes: [UInt8], _: ActionRequest.Type, mustBeFast: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        assertAgrees(bytes, Self.requestReaders, mustBeFast: mustBeFast, file: file, line: line)
    }

    private func assertAgrees(_ bytes: [UInt8], _: DecisionRequest.Type, mustBeFast: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        assertAgrees(bytes, Self.decisionReaders, mustBeFast: mustBeFast, file: file, line: line)
    }

    /// `init(json:)` gives what `JSONDecoder` gives, value or error (same description); the fast
    /// reader alone gives the same value or nil, nil whenever `JSONDecoder` throws.
    private func assertAgrees<T: Decodable & Equatable>(
        _ bytes: [UInt8], _ readers: Readers<T>, mustBeFast: Bool,
        file: StaticString, line: UInt
    ) {
        let shown = String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription
        let fast = bytes.withUnsafeBytes(readers.fast)
        let expected = Result { try JSONDecoder().decode(T.self, fromUntrusted: Data(bytes)) }
        let got = Result { try bytes.withUnsafeBytes(readers.full) }
        switch (expected, got) {
        case (.success(let want), .success(let have)):
            XCTAssertEqual(have, want, shown, file: file, line: line)
            if let fast { XCTAssertEqual(fast, want, "fast reader differs on \(shown)", file: file, line: line) }
            if mustBeFast { XCTAssertNotNil(fast, "the fast reader gave up on \(shown)", file: file, line: line) }
        case (.failure(let want), .failure(let have)):
            XCTAssertEqual(String(describing: have), String(describing: want), shown, file: file, line: line)
            XCTAssertNil(fast, "the fast reader read what JSONDecoder rejects: \(shown)", file: file, line: line)
            XCTAssertFalse(mustBeFast, "JSONDecoder rejects \(shown): \(want)", file: file, line: line)
        default:
            XCTFail("JSONDecoder \(expected), init(json:) \(got) on \(shown)", file: file, line: line)
        }
    }

    private static func fastRequest(_ bytes: [UInt8]) -> ActionRequest? { bytes.withUnsafeBytes { ActionRequest.readJSON($0) } }
    private static func fastDecision(_ bytes: [UInt8]) -> DecisionRequest? { bytes.withUnsafeBytes { DecisionRequest.readJSON($0) } }
}
