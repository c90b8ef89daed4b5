import TollgateCore
import XCTest

@testable import TollgateServer

/// No principal can be named like a rule: `policy:<id>` is the decider of a rule's outcome,
/// and an approver called `policy:prod-iam` would make a person's vote read as the rule's.
final class TokenRegistryIDTests: XCTestCase {
    private func file(id: String) -> String {
        "[[principals]]\nid = \"\(id)\"\nroles = [\"approver\"]\ntoken_sha256 = \"\(String(repeating: "a", count: 64))\"\n"
    }

    func testAnIDThatNamesARuleIsRefusedUnderAnySpelling() {
        for id in ["policy:prod-iam", "Policy:x", "POLICY:anything", "ｐｏｌｉｃｙ:x", "policy:"] {
            XCTAssertThrowsError(try TokenRegistry.parse(file(id: id), file: "tokens.toml"), id) { error in
                let message = (error as? ConfigError)?.description ?? "\(error)"
                XCTAssertTrue(message.contains("tokens.toml:2"), message)
                XCTAssertTrue(message.contains("policy:"), message)
            }
        }
    }

    func testIDsThatOnlyContainTheWordAreAccepted() throws {
        for id in ["policy-bot", "agent:policy", "my-policy:x", "policies:x"] {
            XCTAssertEqual(try TokenRegistry.parse(file(id: id), file: "tokens.toml").entries.map(\.principal.id), [id])
        }
    }
}
