import Foundation
import XCTest

@testable import TollgateCore

/// `Action.risk(json:)`: the top-level risk of an action's JSON, the full decoder's answer,
/// without decoding the rest; nothing nested or quoted passes for it.
final class ActionRiskReaderTests: XCTestCase {
    private static let now = Timestamp(milliseconds: 1_700_000_000_000)

    private static func action(risk: Risk, claimed: Risk, text: String = "export") -> Action {
        Action(
            id: "act_1", createdAt: now, expiresAt: now.adding(seconds: 60), requester: Requester(id: "agent-1"), kind: "data.export",
            summary: text, risk: risk, policy: Policy(id: "p", reason: text), context: [ContextEntry(key: "risk", value: text)],
            claimed: RequesterClaim(risk: claimed, requiredApprovals: 1), digest: "d")
    }

    private static func risk(_ text: String) -> Risk? {
        var text = text
        return text.withUTF8 { Action.risk(json: UnsafeRawBufferPointer($0)) }
    }

    func testTheRiskOfEncodedActionsIsTheDecodersWhateverTheClaimAndTheText() throws {
        for risk in Risk.allCases {
            // The claim asked for another risk (a rule raised it); agent text spells a risk too.
            let action = Self.action(risk: risk, claimed: risk == .low ? .critical : .low, text: "\"risk\":\"low\", \"risk\": \"critical\"")
            for json in [String(decoding: action.encodedJSON, as: UTF8.self), String(decoding: try JSONEncoder().encode(action), as: UTF8.self)] {
                XCTAssertEqual(Self.risk(json), risk, json)
                XCTAssertEqual(try Action(json: json).risk, risk)
            }
        }
    }

    /// Nested objects named `risk` before the top-level one are skipped, not taken for it.
    func testANestedRiskBeforeTheTopLevelOneIsNotIt() {
        XCTAssertEqual(Self.risk(#"{"claimed":{"risk":"low"},"context":[{"key":"risk","value":"low"}],"risk":"high"}"#), .high)
    }

    func testAnythingButAnObjectWithAValidRiskIsNil() {
        for json in ["", "[]", "\"risk\"", "{}", #"{"claimed":{"risk":"low"}}"#, #"{"risk":"severe"}"#, #"{"risk":3}"#, #"{"risk":null}"#, "{\"risk\""] {
            XCTAssertNil(Self.risk(json), json)
        }
    }
}
