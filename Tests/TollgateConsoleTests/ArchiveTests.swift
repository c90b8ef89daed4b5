import TollgateCore
import XCTest

@testable import TollgateConsole

/// The queue keeps rows; full records come from the archive (the local cache) only for the
/// screen that shows one, and from the server when the archive does not have it.
final class ArchiveTests: XCTestCase {
    // MARK: - Rows

    func testARowKeepsEveryFieldTheListFilterAndDecisionsNeed() {
        var action = Fixture.action(
            "act-ü-0123456789abcdef", kind: "db.query", summary: "Ünïcödé 漢字 summary\nwith a line break",
            requester: "etl-bot@agents.example.com", onBehalfOf: nil, environment: "",
            command: String(repeating: "x", count: 600) + "TAIL")
        action.decisions = [
            Decision(approver: "dave@example.com", verdict: .approve, reason: "", at: Fixture.now, digest: action.digest),
            Decision(approver: "erin@example.com", verdict: .deny, reason: "no", at: Fixture.now, digest: action.digest),
        ]
        action.requiredApprovals = 2
        let row = QueueRow(action)
        XCTAssertEqual(row.id, action.id)
        XCTAssertEqual(row.kind, "db.query")
        XCTAssertEqual(row.summary, action.summary)
        XCTAssertEqual(row.requesterID, "etl-bot@agents.example.com")
        XCTAssertNil(row.onBehalfOf, "absent stays absent")
        XCTAssertEqual(row.environment, "", "empty stays empty, not absent")
        XCTAssertEqual(row.digest, action.digest)
        XCTAssertEqual(row.approvalCount, 1)
        XCTAssertEqual(row.requiredApprovals, 2)
        XCTAssertTrue(row.hasDecision(by: "erin@example.com"))
        XCTAssertFalse(row.hasDecision(by: "carol@example.com"))
        XCTAssertTrue(row.isRequested(by: "etl-bot@agents.example.com"))
        XCTAssertEqual(row.status, action.status)
        XCTAssertEqual(row.risk, action.risk)
        XCTAssertEqual(row.createdAt, action.createdAt)
        XCTAssertEqual(row.expiresAt, action.expiresAt)
        XCTAssertTrue(row.haystack.contains("漢字 summary"))
        XCTAssertTrue(row.haystack.contains("postgres://prod-db/customers"), "the resource is searchable")
        XCTAssertTrue(row.haystack.contains(String(repeating: "x", count: 512)))
        XCTAssertFalse(row.haystack.contains("tail"), "a long command is searched by its first 512 characters")
        XCTAssertFalse(row.haystack.contains("sha256:"), "the digest is not search text")

        action.requester.onBehalfOf = "alice@example.com"
        action.environment = nil
        let other = QueueRow(action)
        XCTAssertEqual(other.onBehalfOf, "alice@example.com")
        XCTAssertNil(other.environment)
        XCTAssertTrue(other.isRequested(by: "alice@example.com"), "the one it is done for may not decide either")
    }

    // MARK: - Full records on demand

    func testTheQueueHoldsNoFullRecords() {
        let model = Fixture.model(Fixture.queue(50))
        XCTAssertEqual(model.rows.count, 50)
        XCTAssertTrue(model.details.isEmpty)
    }

    func testOpeningReadsTheArchiveAndBackForgetsIt() {
        var model = Fixture.model(Fixture.queue(5))
        let id = model.queueList.id ?? ""
        model.press(.enter)
        guard case .detail(let d) = model.screen else { return XCTFail("no detail") }
        XCTAssertEqual(d.actionID, id)
        XCTAssertTrue(model.screenText.contains("Quarterly churn analysis"), "the justification comes from the full record")
        XCTAssertEqual(Array(model.details.keys), [id])
        model.press(.escape)
        XCTAssertTrue(model.details.isEmpty)
    }

    func testARecordMissingFromTheArchiveIsAskedForAndOpensWhenItArrives() {
        var model = Fixture.model(Fixture.queue(3))
        let missing = Fixture.action("act-late", risk: .critical, expiresIn: 5)
        _ = model.update(.feed(.event(.action(missing, seq: nil)), from: .first))
        model.press(.char("g"))
        XCTAssertEqual(model.queueList.id, "act-late")
        XCTAssertEqual(model.press(.enter), [.refreshActions(["act-late"])])
        guard case .queue = model.screen else { return XCTFail("nothing to show yet") }
        XCTAssertTrue(model.screenText.contains("asking the server"))
        XCTAssertEqual(model.press(.enter), [], "asked once")
        _ = model.update(.fetched([missing], problem: nil, from: .first))
        guard case .detail(let d) = model.screen else { return XCTFail("the detail opens when the record arrives") }
        XCTAssertEqual(d.actionID, "act-late")
        XCTAssertNil(model.awaitingDetail)
    }

    func testAFailedFetchSaysSoAndEnterAsksAgain() {
        var model = Fixture.model(Fixture.queue(3))
        _ = model.update(.feed(.event(.action(Fixture.action("act-late", risk: .critical, expiresIn: 5), seq: nil)), from: .first))
        model.press(.char("g"))
        XCTAssertEqual(model.press(.enter), [.refreshActions(["act-late"])])
        _ = model.update(.fetched([], problem: "HTTP 503 from the server", from: .first))
        XCTAssertTrue(model.screenText.contains("Could not fetch from the server: HTTP 503"))
        XCTAssertEqual(model.press(.enter), [.refreshActions(["act-late"])], "asked again")
    }

    func testARecordArrivingAfterTheSelectionMovedOpensNothing() {
        var model = Fixture.model(Fixture.queue(3))
        let missing = Fixture.action("act-late", risk: .critical, expiresIn: 5)
        _ = model.update(.feed(.event(.action(missing, seq: nil)), from: .first))
        model.press(.char("g"), .enter, .char("j"))
        _ = model.update(.fetched([missing], problem: nil, from: .first))
        guard case .queue = model.screen else { return XCTFail("the approver moved on") }
        XCTAssertTrue(model.details.isEmpty)
    }

    func testTheSplitPaneReadsOnlyTheSelection() {
        var model = Fixture.model(Fixture.queue(5), width: 180, height: 40)
        let first = model.queueList.id ?? ""
        XCTAssertEqual(Array(model.details.keys), [first])
        XCTAssertTrue(model.screenText.contains("Quarterly churn analysis"))
        model.press(.char("j"))
        XCTAssertEqual(Array(model.details.keys), [model.queueList.id ?? ""])
        XCTAssertNotEqual(model.queueList.id, first)
    }

    func testTheSplitPaneAsksTheServerForARecordTheArchiveLacks() {
        var model = Fixture.model([], width: 180, height: 40)
        let missing = Fixture.action("act-late")
        let effects = model.update(.feed(.event(.action(missing, seq: nil)), from: .first))
        XCTAssertEqual(effects, [.refreshActions(["act-late"])])
        XCTAssertTrue(model.screenText.contains("asking the server for the full record"))
        XCTAssertEqual(model.update(.tick(Fixture.now)), [], "asked once")
        _ = model.update(.fetched([missing], problem: nil, from: .first))
        XCTAssertTrue(model.screenText.contains("Quarterly churn analysis"))
        guard case .queue = model.screen else { return XCTFail("the split view stays") }
    }

    func testAnOpenDetailFollowsTheFeed() {
        var model = Fixture.model(Fixture.queue(3))
        let id = model.queueList.id ?? ""
        model.press(.enter)
        guard var resolved = model.queueAction(id) else { return XCTFail("not archived") }
        resolved.status = .denied
        resolved.resolvedAt = Fixture.now
        resolved.decisions = [Decision(approver: "dave@example.com", verdict: .deny, reason: "Too risky", at: Fixture.now, digest: resolved.digest)]
        model.receive(resolved, seq: 9)
        XCTAssertEqual(model.details[id]?.status, .denied)
        XCTAssertTrue(model.screenText.contains("Too risky"), "the decision shows on the open detail")
    }

    func testDiffsOfAQueueRowComeFromTheArchive() {
        let action = Fixture.action("act-1", diffs: [ActionDiff(title: "schema change", text: Fixture.diffText)])
        var model = Fixture.model([action, Fixture.action("act-2", risk: .low)])
        XCTAssertFalse(model.isAvailable(.openDiffs), "D is a detail's key")
        model.press(.enter)
        XCTAssertTrue(model.isAvailable(.openDiffs))
        model.press(.char("D"))
        guard case .diff(let d) = model.screen else { return XCTFail("no diff screen") }
        XCTAssertEqual(d.diffs.count, 1)
        XCTAssertEqual(Array(model.details.keys), ["act-1"])
    }

    // MARK: - Records are an effect answered by a message

    func testOpeningAsksForTheRecordAndOpensWhenTheAnswerComes() {
        var model = Fixture.model(Fixture.queue(3))
        model.answersRecords = false
        let id = model.queueList.id ?? ""
        XCTAssertEqual(model.press(.enter), [.loadRecords([id])], "update reads nothing itself")
        guard case .queue = model.screen else { return XCTFail("nothing to show before the answer") }
        XCTAssertEqual(model.press(.enter), [], "asked once")
        _ = model.update(model.archive.records([id]))
        guard case .detail(let d) = model.screen else { return XCTFail("the detail opens with the answer") }
        XCTAssertEqual(d.actionID, id)
    }

    func testACacheReadFailureDuringADetailSaysSoAndAsksTheServer() {
        var model = Fixture.model(Fixture.queue(3))
        let id = model.queueList.id ?? ""
        model.archive.failReads("disk I/O error")
        XCTAssertEqual(model.press(.enter), [.refreshActions([id])])
        XCTAssertTrue(model.screenText.contains("Could not read the local cache (disk I/O error); asking the server"))
        guard let record = model.queueAction(id) else { return XCTFail("not archived") }
        _ = model.update(.fetched([record], problem: nil, from: .first))
        guard case .detail(let d) = model.screen else { return XCTFail("the server's copy opens the detail") }
        XCTAssertEqual(d.actionID, id)
    }

    func testAFeedUpdateWinsOverAnOlderCopyFromTheCache() {
        var model = Fixture.model(Fixture.queue(3))
        model.answersRecords = false
        let id = model.queueList.id ?? ""
        guard let older = model.queueAction(id) else { return XCTFail("not archived") }
        XCTAssertEqual(model.press(.enter), [.loadRecords([id])])
        var newer = older
        newer.decisions = [Decision(approver: "dave@example.com", verdict: .approve, reason: "fine", at: Fixture.now, digest: older.digest)]
        newer.requiredApprovals = 2
        model.receive(newer, seq: 5)
        guard case .detail = model.screen else { return XCTFail("the feed's copy opens the detail") }
        _ = model.update(.records(found: [older], missing: [], problem: nil, from: .first))
        XCTAssertEqual(model.details[id], newer, "the cache's answer came later but is older")
    }

    func testAFailedFetchInTheSplitPaneIsNotRetriedUntilEnter() {
        var model = Fixture.model([], width: 180, height: 40)
        XCTAssertEqual(model.update(.feed(.event(.action(Fixture.action("act-late"), seq: nil)), from: .first)), [.refreshActions(["act-late"])])
        XCTAssertEqual(model.update(.fetched([], problem: "HTTP 503 from the server", from: .first)), [])
        XCTAssertEqual(model.update(.tick(Fixture.now.adding(seconds: 1))), [], "no request loop while the server fails")
        XCTAssertTrue(model.screenText.contains("Enter asks again"))
        XCTAssertEqual(model.press(.enter), [.refreshActions(["act-late"])], "asked again")
    }
}
