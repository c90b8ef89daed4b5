import Foundation
import XCTest

@testable import TollgateCore

/// Decoding errors of values from outside say what was expected and never quote what was sent:
/// a server passes their explanation back to the client.
final class DecodingExplanationTests: XCTestCase {
    func testAnUnknownEnumValueOrTimeIsExplainedWithoutBeingQuoted() throws {
        let secret = "password=S3CRET-Zx9Qw8"
        let cases: [(body: String, decode: (Data) throws -> Any, expected: String)] = [
            (
                #"{"kind":"k","summary":"s","risk":"\#(secret)"}"#, { d in try d.withUnsafeBytes { try ActionRequest(json: $0) } },
                "expected low, medium, high or critical"
            ),
            (#"{"verdict":"\#(secret)","digest":"d"}"#, { d in try d.withUnsafeBytes { try DecisionRequest(json: $0) } }, "expected approve or deny"),
            (
                #"{"id":"a","status":"\#(secret)"}"#, { d in try JSONDecoder().decode(Action.self, fromUntrusted: d) },
                "expected pending, approved, denied, expired or cancelled"
            ),
            (#"{"id":"a","kind":"\#(secret)"}"#, { d in try JSONDecoder().decode(Requester.self, fromUntrusted: d) }, "expected agent, pipeline or human"),
            (
                #"{"id":"a","roles":["\#(secret)"]}"#, { d in try JSONDecoder().decode(Principal.self, fromUntrusted: d) },
                "expected agent, approver, auditor or breakglass"
            ),
            (#""\#(secret)""#, { d in try JSONDecoder().decode(Timestamp.self, fromUntrusted: d) }, "expected an RFC 3339 time such as 2026-11-21T04:23:48Z"),
        ]
        for (body, decode, expected) in cases {
            do {
                _ = try decode(Data(body.utf8))
                XCTFail("accepted \(body)")
            } catch let DecodingError.dataCorrupted(context) {
                XCTAssertEqual((context.underlyingError as? DecodingExplanation)?.text, expected, body)
                XCTAssertFalse("\(context)".contains("S3CRET"), "\(context)")
            }
        }
    }
}
