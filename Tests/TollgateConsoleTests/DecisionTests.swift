import TollgateClient
import TollgateCore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// Approve and deny: prompts, confirmations, what is refused up front, and every server answer.
final class DecisionTests: XCTestCase {
    private func intent(_ effects: [Effect]) -> DecisionIntent? {
        for effect in effects { if case .sendDecision(let intent) = effect { return intent } }
        return nil
    }

    // MARK: - Approve

    func testApproveAsksForConfirmationAndYSends() {
        var model = Fixture.model([Fixture.action("act-1", risk: .high)])
        XCTAssertEqual(model.press(.char("a")), [])
        let text = model.screenText
        XCTAssertTrue(text.contains("Approve data.export \"Export customers table (act-1)\", risk HIGH in production? [y/N]"), text)
        let sent = intent(model.press(.char("y")))
        XCTAssertEqual(sent, DecisionIntent(actionID: "act-1", verdict: .approve, reason: "", digest: Fixture.action("act-1").digest))
        XCTAssertTrue(model.screenText.contains("sending approve..."))
    }

    func testConfirmationDefaultsToNo() {
        for key in [Key.enter, .char("n"), .escape, .char("x"), .char("a")] {
            var model = Fixture.model([Fixture.action("act-1")])
            model.press(.char("a"))
            XCTAssertEqual(model.press(key), [], "\(key) must not approve")
            XCTAssertTrue(model.screenText.contains("Not approved"))
            XCTAssertNil(model.prompt)
        }
    }

    func testCriticalApprovalNeedsAReasonFirst() {
        var model = Fixture.model([Fixture.action("act-1", risk: .critical)])
        model.press(.char("a"))
        XCTAssertTrue(model.screenText.contains("Reason to approve (critical):"))
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("a critical action needs a reason"))
        model.type("checked with the DBA")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("[y/N]"))
        XCTAssertEqual(intent(model.press(.char("y")))?.reason, "checked with the DBA")
    }

    func testSelfApprovalIsNotOffered() {
        for action in [
            Fixture.action("act-1", requester: Fixture.me.id, onBehalfOf: nil),
            Fixture.action("act-2", onBehalfOf: Fixture.me.id),
        ] {
            var model = Fixture.model([action])
            let hints = model.frame().plainText.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertFalse(hints.contains("approve"), hints)
            XCTAssertFalse(hints.contains("deny"), hints)
            XCTAssertEqual(model.press(.char("a")), [])
            XCTAssertNil(model.prompt)
            XCTAssertTrue(model.screenText.contains("You requested this action"))
            model.press(.enter)
            XCTAssertTrue(model.screenText.contains("someone else must decide it"), "the detail says why")
        }
    }

    func testNothingIsOfferedBeforeWhoamiAnswers() {
        var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: "s"))
        _ = model.receive(Fixture.action("act-1"), seq: 1)
        XCTAssertEqual(model.press(.char("a")), [])
        XCTAssertTrue(model.screenText.contains("whoami"))
        _ = model.update(.identityFailed("connection refused", from: .first))
        XCTAssertEqual(model.update(.feed(.state(.live), from: .first)), [.fetchIdentity(.first)], "asked again once the server is back")
        _ = model.update(.identity(Fixture.me, from: .first))
        model.press(.char("a"))
        XCTAssertNotNil(model.prompt)
    }

    // MARK: - Deny

    func testDenyNeedsAReasonAndOffersCannedOnes() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("d"))
        let text = model.screenText
        XCTAssertTrue(text.contains("Reason to deny:"))
        XCTAssertTrue(text.contains("1  Not expected: nobody asked for this change"))
        XCTAssertEqual(model.press(.enter), [])
        XCTAssertTrue(model.screenText.contains("a deny needs a reason"))
        model.press(.char("3"))
        let sent = intent(model.press(.enter))
        XCTAssertEqual(sent?.verdict, .deny)
        XCTAssertEqual(sent?.reason, "Needs a ticket or change request first")
    }

    func testDenyEscCancels() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("d"))
        model.type("no")
        XCTAssertEqual(model.press(.escape), [])
        XCTAssertNil(model.prompt)
    }

    func testDenyCommandWithReason() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char(":"))
        model.type("deny wrong bucket")
        let sent = intent(model.press(.enter))
        XCTAssertEqual(sent?.reason, "wrong bucket")
        XCTAssertEqual(sent?.verdict, .deny)
    }

    func testApproveCommand() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char(":"))
        model.type("approve")
        model.press(.enter)
        XCTAssertEqual(intent(model.press(.char("y")))?.verdict, .approve)
    }

    // MARK: - Resolved while looking

    func testResolvedWhileLookingShowsABannerAndBlocksApprove() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.enter)
        var approved = Fixture.action("act-1")
        approved.status = .approved
        approved.decisions = [Decision(approver: "bob@example.com", verdict: .approve, reason: "", at: Fixture.now, digest: approved.digest)]
        _ = model.receive(approved, seq: 2)
        let text = model.screenText
        XCTAssertTrue(text.contains("RESOLVED while you were reading: now approved by bob@example.com"), text)
        XCTAssertEqual(model.press(.char("a")), [])
        XCTAssertNil(model.prompt)
        XCTAssertTrue(model.screenText.contains("Already approved"))
    }

    func testOnesOwnResolvingVoteIsConfirmedNotAnnounced() {
        for verdict in [Verdict.approve, .deny] {
            var model = Fixture.model([Fixture.action("act-1")])
            model.press(.enter)
            var resolved = Fixture.action("act-1")
            resolved.status = verdict == .approve ? .approved : .denied
            resolved.decisions = [Decision(approver: Fixture.me.id, verdict: verdict, reason: "ok", at: Fixture.now, digest: resolved.digest)]
            _ = model.receive(resolved, seq: 2)
            let text = model.screenText
            let expected =
                verdict == .approve
                ? "Your approval was recorded: the action is now approved"
                : "Your denial was recorded: the action is now denied"
            XCTAssertTrue(text.contains(expected), text)
            XCTAssertFalse(text.contains("while you were reading"), text)
        }
    }

    func testResolvedWhileConfirmingIsNotSent() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("a"))
        var expired = Fixture.action("act-1")
        expired.status = .expired
        _ = model.receive(expired, seq: 2)
        XCTAssertNil(intent(model.press(.char("y"))))
        XCTAssertTrue(model.screenText.contains("Not sent: Already expired"))
    }

    func testExpiredLocallyBlocksApprove() {
        var model = Fixture.model([Fixture.action("act-1", expiresIn: 5)])
        _ = model.update(.tick(Fixture.now.adding(seconds: 6)))
        XCTAssertEqual(model.press(.char("a")), [])
        XCTAssertTrue(model.screenText.contains("Expired"))
    }

    // MARK: - Outcomes

    private func decided(_ outcome: DecisionOutcome) -> String {
        var model = Fixture.model([Fixture.action("act-1"), Fixture.action("act-2", risk: .low)])
        model.press(.char("a"))
        guard let sent = intent(model.press(.char("y"))) else { return "nothing sent" }
        _ = model.update(.decisionResult(sent, outcome))
        return model.screenText
    }

    func testOutcomesInPlainWords() {
        var resolved = Fixture.action("act-1")
        resolved.status = .approved
        let cases: [(DecisionOutcome, String, String)] = [
            (.rejected(status: 409, code: .alreadyResolved, message: "x", action: resolved), "too late: already approved", "someone else resolved it first"),
            (.rejected(status: 410, code: .expired, message: "x", action: nil), "too late: expired", "it expired before your decision arrived"),
            (.rejected(status: 403, code: .selfApproval, message: "x", action: nil), "refused: your own request", "someone else must decide it"),
            (.rejected(status: 409, code: .digestMismatch, message: "x", action: nil), "refused: changed since shown", "digest mismatch"),
            (.rejected(status: 422, code: .reasonRequired, message: "x", action: nil), "refused: reason required", "needs a reason"),
            (.rejected(status: 409, code: .alreadyDecided, message: "x", action: nil), "you had already voted", "already decided"),
            (.undelivered("connection refused"), "not sent yet, retrying", "connection refused"),
        ]
        for (outcome, row, toast) in cases {
            let text = decided(outcome)
            let rows = text.split(separator: "\n")
            XCTAssertTrue(rows.dropFirst(2).prefix(2).contains { $0.contains(row) }, "row lacks \(row):\n\(text)")
            XCTAssertTrue(rows[rows.count - 2].contains(toast), "toast lacks \(toast): \(rows[rows.count - 2])")
        }
    }

    func testAcceptedApprovalWithQuorumLeft() {
        var model = Fixture.model([Fixture.action("act-1", required: 2)])
        model.press(.char("a"))
        guard let sent = intent(model.press(.char("y"))) else { return XCTFail("nothing sent") }
        var after = Fixture.action("act-1", required: 2)
        after.decisions = [Decision(approver: Fixture.me.id, verdict: .approve, reason: "", at: Fixture.now, digest: after.digest)]
        _ = model.update(.decisionResult(sent, .accepted(after)))
        let text = model.screenText
        XCTAssertTrue(text.contains("your approval is recorded (1/2)"), text)
        XCTAssertTrue(text.contains("1/2"))
        XCTAssertEqual(model.press(.char("a")), [], "one vote per approver")
        XCTAssertTrue(model.screenText.contains("already decided"))
    }

    func testASecondDecisionWhileSendingIsRefused() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("a"))
        model.press(.char("y"))
        XCTAssertEqual(model.press(.char("d")), [])
        XCTAssertTrue(model.screenText.contains("already being sent"))
    }

    func testReasonIsCappedAt4096Bytes() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("d"))
        model.type("x")
        model.type(String(repeating: "é", count: 3_000))
        XCTAssertEqual(model.prompt?.editor.byteCount, 4_095)
        XCTAssertTrue(model.screenText.contains("limit reached"))
        let sent = intent(model.press(.enter))
        XCTAssertEqual(sent?.reason.utf8.count, 4_095)
    }

    func testHistoryDetailIsReadOnly() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("H"))
        _ = model.update(.historyPage(generation: model.history.generation, items: [Fixture.action("old-1")].map(HistoryItem.init), next: nil))
        model.press(.enter)
        XCTAssertEqual(model.press(.char("a")), [])
        XCTAssertTrue(model.screenText.contains("History is read-only"))
    }
}
