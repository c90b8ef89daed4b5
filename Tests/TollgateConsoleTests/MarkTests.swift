import TollgateClient
import TollgateCore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// Marking rows (`space`, `V`, `*`, `u`) and bulk decisions on them: the preview, what it
/// leaves out and why, the one reason, the default-No confirmation, what is sent and the results.
final class MarkTests: XCTestCase {
    /// Five medium actions in a known urgency order (act-1 first), each with its own digest.
    static func five() -> [Action] {
        (1...5).map { i in
            var action = Fixture.action("act-\(i)", summary: "Bulk candidate \(i)", expiresIn: Double(100 * i + 300))
            action.digest = "sha256:" + String(repeating: "\(i)\(i)", count: 32)
            return action
        }
    }

    private func sent(_ effects: [Effect]) -> [DecisionIntent] {
        effects.compactMap { effect in
            if case .sendDecision(let intent) = effect { return intent }
            return nil
        }
    }

    private func marked(_ model: TestConsole) -> [String] { model.marks.keys.map(\.id).sorted() }

    private func line(_ model: TestConsole, containing text: String) -> String {
        model.screenText.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? "<no line with \(text)>"
    }

    private func bulk(_ model: TestConsole) -> BulkState? {
        if case .bulk(let state) = model.screen { return state }
        return nil
    }

    // MARK: - Marking

    func testSpaceMarksMovesDownAndUnmarks() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "))
        XCTAssertEqual(marked(model), ["act-1"])
        XCTAssertEqual(model.queueList.id, "act-2", "space moves down")
        model.press(.char(" "))
        XCTAssertEqual(marked(model), ["act-1", "act-2"])
        model.press(.char("k"), .char(" "))
        XCTAssertEqual(marked(model), ["act-1"], "space on a marked row unmarks it")
    }

    func testMarkedRowsCarryAGlyphAndTheStatusLineCountsThem() {
        var escalated = Fixture.action("act-0", summary: "About to expire", expiresIn: 60)
        escalated.escalatedAt = Fixture.now.adding(seconds: -5)
        var model = Fixture.model([escalated] + Self.five())
        let before = line(model, containing: "Bulk candidate 1")
        XCTAssertTrue(before.hasPrefix("  med "), "no marks: the gutter is two columns, as ever: \(before)")
        model.press(.char(" "), .char(" "))
        let row = line(model, containing: "About to expire")
        XCTAssertEqual(Array(row).prefix(4).map(String.init), [" ", "!", "●", "m"], "escalation and mark each keep a cell: \(row)")
        XCTAssertTrue(line(model, containing: "Bulk candidate 1").hasPrefix("  ●med "), line(model, containing: "Bulk candidate 1"))
        XCTAssertTrue(line(model, containing: "Bulk candidate 2").hasPrefix("▶  med "), "the selection, no mark, then the risk")
        XCTAssertTrue(model.screenText.contains("2 marked"), "the status line counts the marks")
        XCTAssertTrue(model.screenText.contains("u unmark"))

        var ascii = Fixture.model(Self.five(), asciiOnly: true)
        ascii.press(.char(" "))
        XCTAssertTrue(line(ascii, containing: "Bulk candidate 1").hasPrefix("  *med "), line(ascii, containing: "Bulk candidate 1"))
        FrameCheck.assertWellFormed(ascii.frame())
    }

    func testAResolvedRowCannotBeMarked() {
        var model = Fixture.model(Self.five())
        var approved = Self.five()[0]
        approved.status = .approved
        model.receive(approved, seq: 9)
        XCTAssertEqual(model.queueList.id, "act-1", "lingering on screen, selected")
        model.press(.char(" "))
        XCTAssertEqual(marked(model), [])
        XCTAssertTrue(model.screenText.contains("only pending actions can be marked"))
    }

    func testARangeFollowsTheCursorDownAndBackAndEndsOnV() {
        var model = Fixture.model(Self.five())
        model.press(.char("V"))
        XCTAssertEqual(marked(model), ["act-1"], "the anchor is marked at once")
        model.press(.char("j"), .char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-2", "act-3"])
        _ = model.update(.tick(Fixture.now.adding(seconds: 5)))
        XCTAssertTrue(model.screenText.contains("3 marked (range: V ends it)"), "once the toast is gone, the status line says it")
        model.press(.char("k"))
        XCTAssertEqual(marked(model), ["act-1", "act-2"], "moving back towards the anchor unmarks")
        model.press(.char("V"))
        model.press(.char("j"), .char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-2"], "the range ended; its marks stayed and moving no longer marks")
    }

    func testARangeUpwardsAndAcrossItsAnchor() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "))  // act-1 marked before the range: it stays whatever the range does
        model.press(.char("j"), .char("j"))  // on act-4
        model.press(.char("V"), .char("k"))
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4"])
        model.press(.char("j"), .char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-4", "act-5"], "across the anchor: the other side is marked, this side unmarked")
        model.press(.char("k"), .char("k"), .char("k"))
        XCTAssertEqual(marked(model), ["act-1", "act-2", "act-3", "act-4"])
    }

    func testARangeAcrossAFilterChange() {
        var actions = Self.five()
        actions[1].risk = .low  // act-2, and it stays in the order: low sorts last
        var model = Fixture.model(actions)
        // Order: act-1, act-3, act-4, act-5 (medium), act-2 (low).
        model.press(.char("V"), .char("j"), .char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4"])
        model.press(.char(":"))
        model.type("filter risk=medium env=production")
        model.press(.enter)
        model.press(.char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4", "act-5"], "the range goes on in the filtered list")
        model.press(.char(":"))
        model.type("filter risk=low")
        model.press(.enter)
        XCTAssertEqual(model.queue.count, 1)
        model.press(.char("j"))
        XCTAssertNil(model.marks.range, "the row the range started on is hidden: the range ends")
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4", "act-5"], "and what it marked stays, hidden or not")
        XCTAssertTrue(model.screenText.contains("Range ended"))
    }

    func testARangeKeepsTheRowsAFilterHides() {
        var actions = Self.five()
        actions[2].environment = "staging"  // act-3
        var model = Fixture.model(actions)
        model.press(.char("V"), .char("j"), .char("j"))
        XCTAssertEqual(marked(model), ["act-1", "act-2", "act-3"])
        model.press(.char(":"))
        model.type("filter env=production")
        model.press(.enter)
        model.press(.char("k"))
        XCTAssertEqual(marked(model), ["act-1", "act-2", "act-3"], "act-3 is hidden, not passed back over: still marked")
    }

    func testStarMarksWhatTheFilterShowsAndUClears() {
        var actions = Self.five()
        actions[0].risk = .high
        actions[3].risk = .high
        var model = Fixture.model(actions)
        model.press(.char(":"))
        model.type("filter risk=high")
        model.press(.enter)
        model.press(.char("*"))
        XCTAssertEqual(marked(model), ["act-1", "act-4"], "only what the filter shows")
        XCTAssertTrue(model.screenText.contains("Marked the 2 pending the filter shows"))
        model.press(.escape)
        XCTAssertEqual(marked(model), ["act-1", "act-4"], "clearing the filter keeps the marks")
        model.press(.char("u"))
        XCTAssertEqual(marked(model), [])
        XCTAssertFalse(model.screenText.contains("2 marked"), model.screenText)
        XCTAssertFalse(model.isAvailable(.clearMarks), "no u hint without marks")
        model.press(.char("*"))
        XCTAssertEqual(marked(model).count, 5, "no filter: everything pending")
    }

    func testMarksOfResolvedActionsAreDroppedAndThePreviewSaysSo() {
        var model = Fixture.model(Self.five())
        model.press(.char("*"))
        var approved = Self.five()[1]
        approved.status = .approved
        model.receive(approved, seq: 10)
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4", "act-5"])
        model.press(.char("d"))
        XCTAssertTrue(model.screenText.contains("1 dropped since marking (resolved or gone)"), model.screenText)
        var denied = Self.five()[2]
        denied.status = .denied
        model.receive(denied, seq: 11)
        XCTAssertEqual(bulk(model)?.included.map(\.id), ["act-1", "act-4", "act-5"], "the preview follows the marks")
        XCTAssertTrue(model.screenText.contains("2 dropped since marking (resolved or gone), 1 while this preview was open"), model.screenText)
        XCTAssertTrue(model.screenText.contains("Deny 3 marked actions"))
    }

    func testAMarkLeavesWithItsServer() {
        var model = FleetTests.fleet([Fixture.action("act-1")], [Fixture.action("act-2")])
        model.press(.char("*"))
        XCTAssertEqual(model.marks.count, 2)
        model.press(.char(":"))
        model.type("ctx prod")
        model.press(.enter)
        XCTAssertEqual(model.marks.keys, [ActionKey(server: FleetTests.prod, id: "act-1")], "staging is no longer followed")
    }

    // MARK: - Without marks, nothing changes

    func testWithoutMarksAAndDDecideTheSelectedAction() {
        var model = Fixture.model(Self.five())
        model.press(.char("d"))
        guard case .reason(.deny, let id)? = model.prompt?.kind else { return XCTFail("the single deny prompt") }
        XCTAssertEqual(id, "act-1")
        guard case .queue = model.screen else { return XCTFail("no preview without marks") }
    }

    func testInTheDetailAAndDDecideThatActionEvenWithMarks() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "), .enter)
        model.press(.char("d"))
        guard case .reason(.deny, let id)? = model.prompt?.kind else { return XCTFail("the detail's own deny") }
        XCTAssertEqual(id, "act-2")
    }

    // MARK: - The deny preview

    func testTheDenyPreviewListsTheMarkedActionsAndAsksOneReason() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "), .char("j"), .char(" "), .char(" "))
        XCTAssertEqual(marked(model), ["act-1", "act-3", "act-4"])
        XCTAssertTrue(model.screenText.contains("d deny 3 marked"), "the hint says what d does now")
        model.press(.char("d"))
        let text = model.screenText
        XCTAssertTrue(text.contains("Deny 3 marked actions"), text)
        for summary in ["Bulk candidate 1", "Bulk candidate 3", "Bulk candidate 4"] { XCTAssertTrue(text.contains(summary), summary) }
        XCTAssertFalse(text.contains("Bulk candidate 2"))
        XCTAssertFalse(text.contains("SERVER"), "one server: no server column")
        for title in ["RISK", "KIND", "SUMMARY", "REQUESTER"] { XCTAssertTrue(text.contains(title), title) }
        XCTAssertTrue(line(model, containing: "Bulk candidate 3").contains("etl-bot for"), "the requester")
        XCTAssertTrue(text.contains("Reason to deny all 3:"))
        XCTAssertTrue(text.contains("1  Not expected"), "the canned reasons are offered")
    }

    func testAnEmptyReasonIsRefusedAndCannedReasonsWork() {
        var model = Fixture.model(Self.five())
        model.press(.char("*"), .char("d"), .enter)
        XCTAssertTrue(model.screenText.contains("a deny needs a reason"))
        model.press(.char("2"))
        XCTAssertEqual(model.prompt?.editor.text, CannedReasons.deny[1])
        model.press(.enter)
        guard case .bulkConfirm(.deny, let reason)? = model.prompt?.kind else { return XCTFail("the confirmation") }
        XCTAssertEqual(reason, CannedReasons.deny[1])
        XCTAssertTrue(model.screenText.contains("Deny 5 marked actions with reason \"Too risky"), model.screenText)
        XCTAssertTrue(model.screenText.contains("[y/N]"))
    }

    func testAnyKeyButYCancelsAndSendsNothing() {
        for key in [Key.enter, .char("n"), .escape, .char("x"), .char("d"), .char("j"), .down, .char(" ")] {
            var model = Fixture.model(Self.five())
            model.press(.char("*"), .char("d"))
            model.type("wrong target")
            model.press(.enter)
            XCTAssertEqual(model.press(key), [], "\(key) must not deny")
            XCTAssertNil(model.prompt)
            guard case .queue = model.screen else { return XCTFail("\(key): the preview closes") }
            XCTAssertEqual(model.marks.count, 5, "\(key): the marks stay")
            XCTAssertTrue(model.screenText.contains("Not denied: the confirmation needs y"), model.screenText)
            XCTAssertTrue(model.outcomes.isEmpty, "nothing on its way")
        }
    }

    func testAPasteIsNoConfirmation() {
        var model = Fixture.model(Self.five())
        model.press(.char("*"), .char("d"))
        model.type("wrong target")
        model.press(.enter)
        XCTAssertEqual(model.update(.paste("y")), [])
        XCTAssertNil(model.prompt)
        guard case .queue = model.screen else { return XCTFail("the preview closes") }
        XCTAssertEqual(model.marks.count, 5)
    }

    func testEscapeClosesThePreviewWithTheMarksKept() {
        var model = Fixture.model(Self.five())
        model.press(.char("*"), .char("d"))
        model.type("half a rea")
        XCTAssertEqual(model.press(.escape), [])
        guard case .queue = model.screen else { return XCTFail("closed") }
        XCTAssertNil(model.prompt)
        XCTAssertEqual(model.marks.count, 5)
    }

    func testYDeniesEachThroughSendWithItsOwnDigest() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "), .char(" "), .char("j"), .char(" "))
        model.press(.char("d"))
        model.type("not during the freeze")
        model.press(.enter)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(
            intents,
            [1, 2, 4].map { i in
                DecisionIntent(
                    actionID: ActionKey(stringLiteral: "act-\(i)"), verdict: .deny, reason: "not during the freeze",
                    digest: "sha256:" + String(repeating: "\(i)\(i)", count: 32))
            }, "one decision per marked action, in queue order, each with the digest shown")
        XCTAssertEqual(marked(model), [], "what was sent is unmarked")
        XCTAssertEqual(model.outcomes["act-2"]?.text, "sending deny...", "each row shows its own decision on its way")
        let text = model.screenText
        XCTAssertTrue(text.contains("Bulk deny: 3 sent"), text)
        XCTAssertTrue(text.contains("RESULT"))
        XCTAssertTrue(text.contains("0 accepted · 0 refused or too late · 3 waiting for an answer"), text)
        XCTAssertTrue(text.contains("reason: not during the freeze"))
    }

    func testTheResultsFillInAsAnswersArriveAndStayUntilClosed() {
        var model = Fixture.model(Self.five())
        model.press(.char("V"), .char("j"), .char("j"), .char("d"))
        model.type("wrong target")
        model.press(.enter)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(intents.count, 3)
        var denied = Self.five()[0]
        denied.status = .denied
        _ = model.update(.decisionResult(intents[0], .accepted(denied)))
        var approved = Self.five()[1]
        approved.status = .approved
        _ = model.update(
            .decisionResult(intents[1], .rejected(status: 409, code: .alreadyResolved, message: "already approved", action: approved)))
        _ = model.update(.decisionResult(intents[2], .rejected(status: 403, code: .forbidden, message: "no approver role", action: nil)))
        XCTAssertTrue(line(model, containing: "Bulk candidate 1").contains("denied by you"), model.screenText)
        XCTAssertTrue(line(model, containing: "Bulk candidate 2").contains("too late: already approved"))
        XCTAssertTrue(line(model, containing: "Bulk candidate 3").contains("refused: not an approver"))
        XCTAssertTrue(model.screenText.contains("1 accepted · 2 refused or too late · 0 waiting for an answer"))
        // The rows leave the queue once their linger is over; the results keep them.
        _ = model.update(.tick(Fixture.now.adding(seconds: 60)))
        XCTAssertFalse(model.queue.contains("act-1"))
        XCTAssertTrue(line(model, containing: "Bulk candidate 1").contains("denied by you"), model.screenText)
        model.press(.char("j"), .pageDown)
        XCTAssertNotNil(self.bulk(model), "scrolling keeps the results")
        model.press(.char("q"))
        guard case .queue = model.screen else { return XCTFail("q closes the results") }
    }

    func testAnUndeliveredDecisionWaitsThenFillsIn() {
        var model = Fixture.model(Self.five())
        model.press(.char(" "), .char("d"))
        model.type("wrong target")
        model.press(.enter)
        let intents = sent(model.press(.char("y")))
        _ = model.update(.decisionResult(intents[0], .undelivered("connection refused")))
        XCTAssertTrue(line(model, containing: "Bulk candidate 1").contains("not sent yet, retrying"))
        XCTAssertTrue(model.screenText.contains("0 accepted · 0 refused or too late · 1 waiting"))
        var denied = Self.five()[0]
        denied.status = .denied
        _ = model.update(.decisionResult(intents[0], .accepted(denied)))
        XCTAssertTrue(model.screenText.contains("1 accepted · 0 refused or too late · 0 waiting"))
    }

    func testAnActionThatResolvesBeforeYIsNotSent() {
        var model = Fixture.model(Self.five())
        model.press(.char("*"), .char("d"))
        model.type("wrong target")
        model.press(.enter)
        var approved = Self.five()[3]
        approved.status = .approved
        model.receive(approved, seq: 12)
        XCTAssertTrue(model.screenText.contains("Deny 4 marked actions with reason"), "the question follows: \(model.screenText)")
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(intents.map(\.actionID.id), ["act-1", "act-2", "act-3", "act-5"])
    }

    // MARK: - The approve preview

    func testABulkApprovalLeavesOutWhatItMustAndSaysWhy() {
        var own = Fixture.action("act-own", summary: "My own request", requester: Fixture.me.id, onBehalfOf: nil)
        own.digest = "sha256:own"
        var voted = Fixture.action("act-voted", summary: "Already voted on", required: 2)
        voted.decisions = [Decision(approver: Fixture.me.id, verdict: .approve, reason: "", at: Fixture.now, digest: voted.digest)]
        var ruled = Fixture.action("act-ruled", summary: "Needs security")
        ruled.rule = AppliedRule(
            id: "prod-data-export", reason: "Exports need security", risk: .medium, groups: [GroupMinimum(group: "security", count: 1)],
            maxTTLSeconds: 3_600, justificationRequired: false)
        let critical = Fixture.action("act-crit", risk: .critical, summary: "Grant admin")
        let expiring = Fixture.action("act-late", summary: "Nearly gone", expiresIn: 30)
        let fine = Fixture.action("act-ok", risk: .high, summary: "A fine one")
        var model = Fixture.model([own, voted, ruled, critical, expiring, fine])
        _ = model.update(.tick(Fixture.now.adding(seconds: 31)))
        model.press(.char("*"))
        XCTAssertEqual(model.marks.count, 6)
        XCTAssertTrue(model.screenText.contains("a approve 6 marked"))
        model.press(.char("a"))
        guard let state = bulk(model) else { return XCTFail("the preview") }
        XCTAssertEqual(state.included.map(\.id), ["act-ok"])
        let why = Dictionary(uniqueKeysWithValues: state.excluded.map { ($0.row.id, $0.why) })
        XCTAssertEqual(why["act-crit"], "critical actions are reviewed one at a time")
        XCTAssertEqual(why["act-own"]?.hasPrefix("You requested this action"), true)
        XCTAssertEqual(why["act-voted"], "You have already decided this action")
        XCTAssertEqual(why["act-ruled"], "You are not in security, which this still needs")
        XCTAssertEqual(why["act-late"], "Expired: it can no longer be decided")
        let text = model.screenText
        XCTAssertTrue(text.contains("Approve 1 of 6 marked actions"), text)
        XCTAssertTrue(text.contains("5 left out, listed below"))
        XCTAssertTrue(text.contains("Left out (they stay marked):"))
        XCTAssertTrue(text.contains("left out: critical actions are reviewed one at a time"))
        XCTAssertTrue(text.contains("left out: You are not in security"))
        XCTAssertTrue(text.contains("Approve the 1 listed? Enter goes on"))
        XCTAssertEqual(model.press(.char("y")), [], "y before the confirmation does nothing")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("Approve 1 marked action, none of them critical? [y/N]"), model.screenText)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(intents, [DecisionIntent(actionID: "act-ok", verdict: .approve, reason: "", digest: fine.digest)])
        XCTAssertEqual(model.marks.count, 5, "the ones left out stay marked, to be looked at one at a time")
        XCTAssertTrue(model.screenText.contains("Left out, not sent (still marked):"))
    }

    func testABulkApprovalWithNothingToApproveOnlyExplains() {
        var model = Fixture.model([Fixture.action("act-crit", risk: .critical)])
        model.press(.char(" "), .char("a"))
        XCTAssertNil(model.prompt, "nothing to confirm")
        XCTAssertTrue(model.screenText.contains("Approve: none of the 1 marked action"), model.screenText)
        XCTAssertTrue(model.screenText.contains("the preview says why"))
        XCTAssertEqual(model.press(.char("y")), [])
        model.press(.escape)
        guard case .queue = model.screen else { return XCTFail("Esc closes") }
    }

    // MARK: - Two servers

    func testMarksAcrossTwoServersGoEachToItsOwnServer() {
        // carol asked for act-1 on prod: her token there may not decide it; on staging the token is bob's.
        let carols = Fixture.action("act-1", requester: Fixture.me.id, onBehalfOf: nil)
        var other = Fixture.action("act-2", summary: "Staging export")
        other.digest = "sha256:staging"
        var model = FleetTests.fleet([carols, Fixture.action("act-3", summary: "Prod export")], [carols, other])
        model.press(.char("*"), .char("d"))
        guard let state = bulk(model) else { return XCTFail("the preview") }
        XCTAssertEqual(state.excluded.map(\.row.key), [ActionKey(server: FleetTests.prod, id: "act-1")], "each server judges by its own identity")
        XCTAssertTrue(model.screenText.contains("SERVER"), "several servers: the preview names each one's")
        XCTAssertTrue(line(model, containing: "Staging export").contains("staging"))
        model.type("wrong target")
        model.press(.enter)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(
            Set(intents.map(\.actionID)),
            [
                ActionKey(server: FleetTests.staging, id: "act-1"), ActionKey(server: FleetTests.staging, id: "act-2"),
                ActionKey(server: FleetTests.prod, id: "act-3"),
            ])
        XCTAssertEqual(intents.first { $0.actionID.id == "act-2" }?.digest, "sha256:staging")
        let staged = intents.first { $0.actionID == ActionKey(server: FleetTests.staging, id: "act-1") }
        guard let staged else { return XCTFail("the staging act-1") }
        var denied = carols
        denied.status = .denied
        _ = model.update(.decisionResult(staged, .accepted(denied)))
        XCTAssertEqual(bulk(model)?.results[staged.actionID]?.accepted, true, "the answer lands on the staging row")
        XCTAssertEqual(bulk(model)?.results[ActionKey(server: FleetTests.prod, id: "act-3")]?.accepted, false)
        // An answer about an action this bulk did not send (an older decision's retry) is not one of its results.
        let elsewhere = DecisionIntent(actionID: ActionKey(server: FleetTests.prod, id: "act-1"), verdict: .deny, reason: "x", digest: carols.digest)
        _ = model.update(.decisionResult(elsewhere, .undelivered("connection refused")))
        XCTAssertNil(bulk(model)?.results[elsewhere.actionID])
    }

    // MARK: - Long lists and hostile text

    func testALongPreviewScrollsUnderTheReasonPrompt() {
        var model = Fixture.model(
            Fixture.queue(40).map {
                var a = $0; a.risk = .medium; return a
            }, width: 80, height: 24)
        model.press(.char("*"), .char("d"))
        model.press(.pageDown)
        XCTAssertEqual(bulk(model)?.scroll, 17)
        XCTAssertEqual(model.prompt?.editor.text, "", "scrolling types nothing")
        model.press(.pageDown, .pageDown)
        XCTAssertEqual(bulk(model)?.scroll, 22, "stops at the last full page")
        model.press(.up)
        XCTAssertEqual(bulk(model)?.scroll, 21)
        model.type("wrong target")
        model.press(.enter)
        XCTAssertEqual(sent(model.press(.char("y"))).count, 40)
        _ = model.update(.tick(Fixture.now.adding(seconds: 5)))
        model.press(.char("G"))
        XCTAssertTrue(model.screenText.contains("lines 23-40 of 40"), model.screenText)
    }

    func testAgentTextInThePreviewIsSanitised() {
        let hostile = Fixture.action(
            "act-1", kind: "k\u{1B}[2Jind", summary: "Deny me\u{1B}]0;pwned\u{07} \u{202E}txt.exe", requester: "bot\u{9B}31m")
        var model = Fixture.model([hostile])
        model.press(.char(" "), .char("d"))
        let frame = model.frame()
        FrameCheck.assertWellFormed(frame)
        XCTAssertFalse(frame.plainText.contains("\u{1B}"))
        XCTAssertTrue(frame.plainText.contains("Deny me"))
    }
}
