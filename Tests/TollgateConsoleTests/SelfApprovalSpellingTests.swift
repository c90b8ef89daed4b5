import TollgateClient
@_spi(Testing) import TollgateCore
import XCTest

@testable import TollgateConsole

/// The console offers no verdict on an action done for the approver under any spelling of
/// their id, nor a second vote under another spelling: the same `Identity` rule the server
/// applies, through the exact path the keys and the hints bar take (`decisionBlocker`).
final class SelfApprovalSpellingTests: XCTestCase {
    func testNoSpellingOfMyIdInOnBehalfOfOffersMeAVerdict() {
        for spelling in IdentitySpellings.of(Fixture.me.id) {
            let action = Fixture.action("act-1", onBehalfOf: spelling)
            let row = QueueRow(action)
            XCTAssertTrue(row.isRequested(by: Fixture.me.id), spelling.debugDescription)
            var model = Fixture.model([action])
            for verdict in Verdict.allCases {
                XCTAssertEqual(
                    model.model.decisionBlocker(row, readOnly: false, verdict: verdict),
                    "You requested this action (or it runs on your behalf): someone else must decide it", spelling.debugDescription)
                XCTAssertFalse(model.model.canDecide(verdict), spelling.debugDescription)
            }
            let hints = model.frame().plainText.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertFalse(hints.contains("approve"), "\(spelling.debugDescription): \(hints)")
            XCTAssertEqual(model.press(.char("a")), [], spelling.debugDescription)
            XCTAssertEqual(model.press(.char("d")), [], spelling.debugDescription)
            XCTAssertNil(model.prompt, spelling.debugDescription)
        }
        // The requester id itself, spelt otherwise, too.
        let byMe = QueueRow(Fixture.action("act-2", requester: "CAROL@example.com.", onBehalfOf: nil))
        XCTAssertTrue(byMe.isRequested(by: Fixture.me.id))
    }

    func testAVoteUnderAnotherSpellingOfMyIdIsMine() {
        for spelling in IdentitySpellings.of(Fixture.me.id) {
            let vote = Decision(approver: spelling, verdict: .approve, reason: "", at: Fixture.now, digest: "sha256:" + String(repeating: "ab", count: 32))
            let action = Fixture.action("act-1", required: 2, decisions: [vote])
            let row = QueueRow(action)
            XCTAssertTrue(row.hasDecision(by: Fixture.me.id), spelling.debugDescription)
            let model = Fixture.model([action])
            XCTAssertEqual(
                model.model.decisionBlocker(row, readOnly: false, verdict: .approve), "You have already decided this action", spelling.debugDescription)
            // Two spellings of one approver are one approval of the two needed.
            let twice = Fixture.action(
                "act-1", required: 2, decisions: [vote, Decision(approver: Fixture.me.id, verdict: .approve, reason: "", at: Fixture.now, digest: vote.digest)])
            XCTAssertEqual(QueueRow(twice).approvalCount, 1, spelling.debugDescription)
        }
    }

    func testSomeoneElseIsStillOfferedTheVerdict() {
        var model = Fixture.model([Fixture.action("act-1", onBehalfOf: "carol@example.org")])
        XCTAssertTrue(model.model.canDecide(.approve))
        model.press(.char("a"))
        XCTAssertNotNil(model.prompt)
    }
}
