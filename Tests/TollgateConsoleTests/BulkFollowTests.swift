import TollgateClient
import TollgateCore
import TollgateSync
import XCTest

@testable import TollgateConsole

/// A bulk preview while it is open: the set it shows is the most that `y` can send (an action
/// that becomes decidable meanwhile is never added), its order is the one it opened with, and it
/// keeps up with what each message changes (resolved, gone, expired, hidden by a filter).
final class BulkFollowTests: XCTestCase {
    private func sent(_ effects: [Effect]) -> [DecisionIntent] {
        effects.compactMap { effect in
            if case .sendDecision(let intent) = effect { return intent }
            return nil
        }
    }

    private func bulk(_ model: TestConsole) -> BulkState? {
        if case .bulk(let state) = model.screen { return state }
        return nil
    }

    private func included(_ model: TestConsole) -> [String] { bulk(model)?.included.map(\.id) ?? [] }

    /// prod, where whoami has answered (carol), with act-1 and act-2; staging, where it has
    /// not yet, with act-3 to act-7: nothing on staging can be decided until it does.
    private func fleetAwaitingStaging() -> TestConsole {
        var model = TestConsole(
            ConsoleModel(
                now: Fixture.now, size: Size(width: 120, height: 40),
                servers: [
                    ServerState(name: "prod", url: "https://tollgate.prod.example.com"),
                    ServerState(name: "staging", url: "https://tollgate.staging.example.com"),
                ]))
        _ = model.update(.identity(Fixture.me, from: FleetTests.prod))
        let actions = [FleetTests.prod: [1, 2], FleetTests.staging: [3, 4, 5, 6, 7]]
        for server in [FleetTests.prod, FleetTests.staging] {
            let ids = actions[server] ?? []
            _ = model.update(.feed(.state(.live), from: server))
            for i in ids { model.receive(Fixture.action("act-\(i)", summary: "Candidate \(i)", expiresIn: Double(300 + 10 * i)), seq: nil, from: server) }
            _ = model.update(.feed(.event(.sync(seq: 1, pending: ids.count)), from: server))
        }
        return model
    }

    // MARK: - The set shown is the most that can be sent

    func testWhoamiAnsweringDuringTheConfirmationAddsNothingToTheApproval() {
        var model = fleetAwaitingStaging()
        model.press(.char("*"), .char("a"))
        XCTAssertEqual(included(model), ["act-1", "act-2"], "staging's five wait for whoami: left out")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("Approve 2 marked actions"), model.screenText)
        _ = model.update(.identity(FleetTests.bob, from: FleetTests.staging))
        XCTAssertEqual(included(model), ["act-1", "act-2"], "what became decidable is not added to what was read")
        XCTAssertTrue(model.screenText.contains("Approve 2 marked actions"), "the question is unchanged: \(model.screenText)")
        XCTAssertTrue(model.screenText.contains("5 more became eligible: reopen to include them"), model.screenText)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(intents.map(\.actionID), ["act-1", "act-2"].map { ActionKey(server: FleetTests.prod, id: $0) }, "y meant for 2 approves 2")
        XCTAssertEqual(model.marks.count, 5, "the five left out stay marked, for a preview of their own")
    }

    func testWhoamiAnsweringWhileTheDenyReasonIsTypedAddsNothing() {
        var model = fleetAwaitingStaging()
        model.press(.char("*"), .char("d"))
        model.type("wrong ta")
        _ = model.update(.identity(FleetTests.bob, from: FleetTests.staging))
        model.type("rget")
        model.press(.enter)
        XCTAssertTrue(model.screenText.contains("Deny 2 marked actions with reason \"wrong target\""), model.screenText)
        let intents = sent(model.press(.char("y")))
        XCTAssertEqual(intents.map(\.actionID), ["act-1", "act-2"].map { ActionKey(server: FleetTests.prod, id: $0) })
        XCTAssertEqual(intents.map(\.reason), ["wrong target", "wrong target"])
    }

    func testADecisionInFlightThatFailsDuringThePreviewIsNotAdded() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("j"), .char("d"))
        model.type("single deny")
        guard let single = sent(model.press(.enter)).first else { return XCTFail("the single deny is sent") }
        model.press(.char("*"), .char("d"))
        XCTAssertEqual(included(model), ["act-1", "act-3", "act-4", "act-5"], "act-2's deny is on its way: left out")
        model.type("wrong target")
        model.press(.enter)
        _ = model.update(.decisionResult(single, .rejected(status: 409, code: .digestMismatch, message: "changed", action: nil)))
        XCTAssertEqual(bulk(model)?.excluded.map(\.row.id), ["act-2"], "decidable again, yet still left out")
        XCTAssertEqual(sent(model.press(.char("y"))).map(\.actionID.id), ["act-1", "act-3", "act-4", "act-5"])
    }

    func testARowThatLeavesAndComesBackIsNotAddedAgain() {
        var model = fleetAwaitingStaging()
        model.press(.char("*"), .char("d"))
        var voted = Fixture.action("act-2", summary: "Candidate 2", expiresIn: 320)
        voted.decisions = [Decision(approver: Fixture.me.id, verdict: .approve, reason: "", at: Fixture.now, digest: voted.digest)]
        model.receive(voted, seq: 5, from: FleetTests.prod)
        XCTAssertEqual(included(model), ["act-1"], "already decided: it leaves the preview")
        model.receive(Fixture.action("act-2", summary: "Candidate 2", expiresIn: 320), seq: 6, from: FleetTests.prod)
        XCTAssertEqual(included(model), ["act-1"], "the set only ever shrinks while it is read")
    }

    // MARK: - Following what each message changes

    func testThePreviewKeepsTheOrderItOpenedWithAndShowsRowsAsTheyAreNow() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("*"), .char("d"))
        var escalated = MarkTests.five()[3]
        escalated.escalatedAt = Fixture.now
        escalated.summary = "Bulk candidate 4, escalated"
        model.receive(escalated, seq: 9)
        XCTAssertEqual(model.queue.id(at: 0), "act-4", "the queue puts the escalation first")
        XCTAssertEqual(included(model), ["act-1", "act-2", "act-3", "act-4", "act-5"], "the preview does not reorder under the reader")
        XCTAssertTrue(model.screenText.contains("Bulk candidate 4, escalated"), "the row itself is the current one")
    }

    func testAnActionExpiringWhileThePreviewIsOpenIsLeftOut() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("*"), .char("d"))
        _ = model.update(.tick(Fixture.now.adding(seconds: 450)))
        XCTAssertEqual(included(model), ["act-2", "act-3", "act-4", "act-5"], "act-1 expired at 400 s")
        XCTAssertEqual(bulk(model)?.excluded.map(\.why), ["Expired: it can no longer be decided"])
        _ = model.update(.tick(Fixture.now.adding(seconds: 650)))
        XCTAssertEqual(included(model), ["act-4", "act-5"])
        XCTAssertEqual(bulk(model)?.excluded.map(\.row.id), ["act-1", "act-2", "act-3"], "left out in the order the preview opened with")
    }

    func testAnActionGoneAtSyncLeavesThePreview() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("*"), .char("d"))
        _ = model.update(.feed(.event(.reset), from: .first))
        for action in MarkTests.five() where action.id != "act-3" { model.receive(action, seq: nil) }
        _ = model.update(.feed(.event(.sync(seq: 20, pending: 4)), from: .first))
        XCTAssertEqual(included(model), ["act-1", "act-2", "act-4", "act-5"])
        XCTAssertTrue(model.screenText.contains("1 dropped since marking (resolved or gone), 1 while this preview was open"), model.screenText)
    }

    func testAFilterChangedUnderAPreviewCountsWhatItHides() {
        var model = Fixture.model(
            MarkTests.five().map {
                var a = $0; a.risk = .critical; return a
            })
        model.press(.char("*"), .char("a"))
        XCTAssertNil(model.prompt, "nothing to approve: the command line is open to the approver")
        model.press(.char(":"))
        model.type("filter env=staging")
        model.press(.enter)
        XCTAssertEqual(bulk(model)?.hidden, 5)
        XCTAssertTrue(model.screenText.contains("5 hidden by the filter, included all the same"), model.screenText)
    }

    func testAServerNoLongerFollowedLeavesThePreview() {
        var model = FleetTests.fleet(
            [Fixture.action("act-1", risk: .critical)], [Fixture.action("act-2", risk: .critical), Fixture.action("act-3", risk: .critical)])
        model.press(.char("*"), .char("a"))
        XCTAssertEqual(bulk(model)?.excluded.count, 3)
        model.press(.char(":"))
        model.type("ctx prod")
        model.press(.enter)
        XCTAssertEqual(bulk(model)?.excluded.map(\.row.key), [ActionKey(server: FleetTests.prod, id: "act-1")])
    }

    // MARK: - Marks follow the rows, whatever message moves them

    func testAMarkGoesWhenAFetchedCopySaysItResolved() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("*"))
        var approved = MarkTests.five()[2]
        approved.status = .approved
        _ = model.update(.fetched([approved], problem: nil, from: .first))
        XCTAssertFalse(model.marks.contains("act-3"))
        XCTAssertEqual(model.marks.count, 4)
        XCTAssertEqual(model.marks.dropped, 1)
    }

    func testAMarkGoesWhenItsActionIsGoneAtSync() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("*"))
        _ = model.update(.feed(.event(.reset), from: .first))
        for action in MarkTests.five() where action.id != "act-2" { model.receive(action, seq: nil) }
        _ = model.update(.feed(.event(.sync(seq: 20, pending: 4)), from: .first))
        XCTAssertFalse(model.marks.contains("act-2"))
        XCTAssertEqual(model.marks.count, 4)
    }

    func testARowArrivingInsideARangeIsMarkedOnlyWhenTheCursorPassesOverIt() {
        var model = Fixture.model(MarkTests.five())
        model.press(.char("V"), .char("j"), .char("j"))
        XCTAssertEqual(model.marks.keys.map(\.id).sorted(), ["act-1", "act-2", "act-3"])
        // Sorts between act-1 (expires in 400 s) and act-2 (500 s): inside the range drawn.
        model.receive(Fixture.action("act-new", summary: "Arrived in the range", expiresIn: 450), seq: 7)
        model.press(.char("j"))
        XCTAssertEqual(
            model.marks.keys.map(\.id).sorted(), ["act-1", "act-2", "act-3", "act-4"], "a row the approver never moved over is not marked by the range")
        model.press(.char("k"), .char("k"), .char("k"))
        XCTAssertEqual(model.marks.keys.map(\.id).sorted(), ["act-1", "act-new"], "the cursor on it marks it; the rows passed back unmark")
    }
}
