import Foundation
import XCTest

@_spi(Testing) @testable import TollgateCore

/// A member name twice in one object, anywhere in a body, is refused: the single-pass readers
/// give up on it, and the decoding they fall back to throws an error that names the key (when
/// it looks like a field name) and the object, never a value.
final class DuplicateKeyTests: XCTestCase {
    private static let submission =
        #"{"kind":"data.export","summary":"s","risk":"low","context":[{"key":"k","value":"v"}],"policy":{"id":"p","reason":"r"},"diffs":[{"title":"t","text":"-a\n+b"}]}"#
    private static let decision = #"{"verdict":"approve","reason":"ok","digest":"sha256:d"}"#

    /// Bodies with one name given twice, each with the path the error must name.
    static let submissionCases: [(body: String, path: String, key: String)] = [
        (#"{"kind":"data.export","summary":"s","risk":"low","risk":"critical"}"#, "body", "risk"),
        (#"{"kind":"data.export","summary":"s","kind":"x.y"}"#, "body", "kind"),
        (#"{"kind":"data.export","summary":"s","on_behalf_of":"bob","on_behalf_of":"alice"}"#, "body", "on_behalf_of"),
        (#"{"kind":"data.export","summary":"s","digest":1,"digest":2}"#, "body", "digest"),  // known elsewhere, unknown here
        (#"{"verdict":1,"kind":"data.export","summary":"s","\u0076erdict":2}"#, "body", "verdict"),
        (#"{"kind":"data.export","summary":"s","context":[{"key":"a","value":"1","value":"2"}]}"#, "context[0]", "value"),
        (#"{"kind":"data.export","summary":"s","context":[{"key":"a","value":"1"},{"key":"b","key":"c","value":"2"}]}"#, "context[1]", "key"),
        (#"{"kind":"data.export","summary":"s","policy":{"id":"p","reason":"r","id":"q"}}"#, "policy", "id"),
        (#"{"kind":"data.export","summary":"s","diffs":[{"title":"t","text":"x","text":"y"}]}"#, "diffs[0]", "text"),
        (#"{"kind":"data.export","summary":"s","status":{"requester":[{"id":1,"id":2}]}}"#, "status.requester[0]", "id"),
        (#"{"kind":"data.export","summary":"s","at":[[{"text":{},"text":[]}]]}"#, "at[0][0]", "text"),
        (#"{"kind":"data.export","summary":"s","risk":"low","risk":"low"}"#, "body", "risk"),  // even with equal values
        (#"{"kind":"data.export","summary":"s","risk":"low",}"#.replacingOccurrences(of: ",}", with: #","risk":"high",}"#), "body", "risk"),
    ]

    func testEverySubmissionWithARepeatedNameIsRefusedByBothPaths() throws {
        for (body, path, key) in Self.submissionCases {
            let bytes = Array(body.utf8)
            XCTAssertNil(bytes.withUnsafeBytes { ActionRequest.readJSON($0) }, "the fast reader gives up on \(body)")
            let error = try Self.explanation { try bytes.withUnsafeBytes { try ActionRequest(json: $0) } }
            XCTAssertEqual(error.path, path, body)
            XCTAssertEqual(error.text, "key \"\(key)\" appears twice; each key may appear only once in an object", body)
        }
        // The same bodies without the repeat are read, and fast.
        XCTAssertNotNil(Array(Self.submission.utf8).withUnsafeBytes { ActionRequest.readJSON($0) })
    }

    func testEveryDecisionWithARepeatedNameIsRefusedByBothPaths() throws {
        for member in [#""verdict":"deny""#, #""reason":"x""#, #""digest":"sha256:e""#, #""other":null"#] {
            let body = Self.decision.dropLast() + "," + member + "," + member + "}"
            let bytes = Array(body.utf8)
            XCTAssertNil(bytes.withUnsafeBytes { DecisionRequest.readJSON($0) }, body)
            let error = try Self.explanation { try bytes.withUnsafeBytes { try DecisionRequest(json: $0) } }
            XCTAssertEqual(error.path, "body", body)
        }
        XCTAssertNotNil(Array(Self.decision.utf8).withUnsafeBytes { DecisionRequest.readJSON($0) })
    }

    func testTheFallbackAloneRefusesWhatTheFastReaderNeverSees() throws {
        // Each body makes the fast reader give up for another reason first (a BOM, a non-ASCII
        // name, a fraction, a trailing comma, UTF-16), so only the fallback can catch the repeat.
        let cases: [(Data, String)] = [
            (Data([0xEF, 0xBB, 0xBF] + Array(#"{"kind":"k","summary":"s","risk":"low","risk":"high"}"#.utf8)), "body"),
            (Data(#"{"kind":"k","summary":"s","é":1,"é":2}"#.utf8), "body"),
            (Data(#"{"kind":"k","summary":"s","e\u0301":1,"é":2}"#.utf8), "body"),  // one name to String equality
            (Data(#"{"kind":"k","summary":"s","required_approvals":1.0,"risk":"low","risk":"high"}"#.utf8), "body"),
            (Data(#"{"kind":"k","summary":"s","risk":"low","risk":"high",}"#.utf8), "body"),
            (try XCTUnwrap(#"{"kind":"k","summary":"s","risk":"low","risk":"high"}"#.data(using: .utf16LittleEndian)), "body"),
            (try XCTUnwrap(#"{"kind":"k","summary":"s","risk":"low","risk":"high"}"#.data(using: .utf16)), "body"),
        ]
        for (data, path) in cases {
            XCTAssertNil(data.withUnsafeBytes { ActionRequest.readJSON($0) })
            let error = try Self.explanation { try data.withUnsafeBytes { try ActionRequest(json: $0) } }
            XCTAssertEqual(error.path, path)
            // And for every other type decoded from outside.
            XCTAssertThrowsError(try JSONDecoder().decode(ActionRequest.self, fromUntrusted: data))
        }
        // Without the repeat, those forms still decode as JSONDecoder decodes them.
        let fine = #"{"kind":"k","summary":"s","é":1,"required_approvals":1.0,"risk":"high",}"#
        XCTAssertEqual(try Self.request(Data(fine.utf8)).risk, .high)
        XCTAssertEqual(try JSONDecoder().decode(ActionRequest.self, fromUntrusted: try XCTUnwrap(fine.data(using: .utf16))).risk, .high)
    }

    func testAnActionWithARepeatedNameIsRefusedWhereverItComesFrom() throws {
        let action =
            #"{"id":"act_1","status":"pending","created_at":"2026-11-21T04:00:00.000Z","expires_at":"2026-11-21T05:00:00.000Z","requester":{"id":"bot","on_behalf_of":"bob","on_behalf_of":"alice"},"kind":"k","summary":"s","risk":"low","policy":{"id":"p","reason":"r"},"required_approvals":1,"digest":"d"}"#
        XCTAssertNil(Array(action.utf8).withUnsafeBytes { Action.readJSON($0) })
        let error = try Self.explanation { try Action(json: Data(action.utf8)) }
        XCTAssertEqual(error.path, "requester")
        XCTAssertThrowsError(try Action(json: action))
        XCTAssertThrowsError(try Action(json: Array(action.utf8)))
    }

    func testANameThatIsNotAFieldNameIsNotQuoted() throws {
        for name in ["S3CRET", "c5e8f1a2b3d4e6f7a8b9c0d1", "hunter", "password=hunter2", "ghp_A1b2C3d4E5f6", "a b", "x\u{200B}", "Kind", "kind ", "1abc", ""] {
            let quoted = String(decoding: try JSONEncoder().encode(name), as: UTF8.self)
            let body = #"{"kind":"k","summary":"s","# + quoted + ":1," + quoted + ":2}"
            let error = try Self.explanation { try Self.request(Data(body.utf8)) }
            XCTAssertEqual(
                error.text, "a key appears twice (not quoted: it is none of the protocol's member names); each key may appear only once in an object")
            if !name.isEmpty { XCTAssertFalse(error.full.contains(name), error.full) }
            // Nor is it quoted as part of a path.
            let nested = #"{"kind":"k","summary":"s","# + quoted + #":{"a":1,"a":2}}"#
            let inner = try Self.explanation { try Self.request(Data(nested.utf8)) }
            XCTAssertEqual(inner.path, "…")
        }
    }

    // MARK: - Helpers

    private static func request(_ data: Data) throws -> ActionRequest { try data.withUnsafeBytes { try ActionRequest(json: $0) } }

    /// What `attempt` threw: the path of its `DecodingError` and the explanation it carries.
    private static func explanation(_ attempt: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) throws -> (
        path: String, text: String, full: String
    ) {
        do {
            _ = try attempt()
        } catch let DecodingError.dataCorrupted(context) {
            let explanation = try XCTUnwrap(context.underlyingError as? DecodingExplanation, "\(context)", file: file, line: line)
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let shown = path.isEmpty ? "body" : String(path.drop { $0 == "." })
            return (shown, explanation.text, "\(context)")
        }
        XCTFail("accepted", file: file, line: line)
        return ("", "", "")
    }
}
