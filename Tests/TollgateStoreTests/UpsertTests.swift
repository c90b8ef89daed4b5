import TollgateCore
import TollgateStore
import XCTest

/// Saving actions as last seen: idempotence, no going back in time, several servers.
final class UpsertTests: XCTestCase {
    private var store: HistoryStore!

    override func setUpWithError() throws { store = try HistoryStore.inMemory() }

    func testActionReadsBackExactly() throws {
        let action = Fixture.action(
            "a1", status: .approved, risk: .critical, kind: "iam.grant", onBehalfOf: "alice@example.com",
            command: "grant admin", resource: "iam://prod/admins", justification: "incident 7",
            context: [ContextEntry(key: "ticket", value: "OPS-7"), ContextEntry(key: "ticket", value: "again")],
            decisions: [Fixture.decision("bob@example.com", reason: "checked")])
        try store.upsert([action], server: Fixture.serverA)

        XCTAssertEqual(try store.action(id: "a1", server: Fixture.serverA), action)
        XCTAssertNil(try store.action(id: "a1", server: Fixture.serverB))
        XCTAssertNil(try store.action(id: "missing", server: Fixture.serverA))
    }

    func testUpsertingTheSameStateTwiceChangesNothing() throws {
        let action = Fixture.action("a1", summary: "export customers")
        try store.upsert([action, action], server: Fixture.serverA)
        try store.upsert([action], server: Fixture.serverA)

        XCTAssertEqual(try store.count(HistoryQuery()), 1)
        XCTAssertEqual(Fixture.ids(try store.page(HistoryQuery(text: "customers"), limit: 10, cursor: nil).actions), ["a1"])
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testPendingStateNeverReplacesAResolvedOne() throws {
        let pending = Fixture.action("a1")
        var approved = pending
        approved.status = .approved
        approved.resolvedAt = Fixture.t0.adding(seconds: 30)
        approved.decisions = [Fixture.decision("bob")]

        try store.upsert([approved], server: Fixture.serverA)
        try store.upsert([pending], server: Fixture.serverA)
        XCTAssertEqual(try store.action(id: "a1", server: Fixture.serverA), approved)
        XCTAssertEqual(try store.count(HistoryQuery(statuses: [.pending])), 0)
        XCTAssertEqual(try store.count(HistoryQuery(approver: "bob")), 1)
    }

    func testPendingStateWithFewerDecisionsIsOlder() throws {
        var one = Fixture.action("a1")
        one.requiredApprovals = 3
        var two = one
        two.decisions = [Fixture.decision("bob"), Fixture.decision("carol")]
        one.decisions = [Fixture.decision("bob")]

        try store.upsert([two], server: Fixture.serverA)
        try store.upsert([one], server: Fixture.serverA)
        XCTAssertEqual(try store.action(id: "a1", server: Fixture.serverA), two)
    }

    func testNewerStateReplacesDecisionsAndSearchText() throws {
        let pending = Fixture.action("a1", decisions: [Fixture.decision("bob", reason: "tangerine")])
        var denied = pending
        denied.status = .denied
        denied.resolvedAt = Fixture.t0.adding(seconds: 90)
        denied.decisions = [Fixture.decision("carol", .deny, reason: "pomegranate")]

        try store.upsert([pending], server: Fixture.serverA)
        XCTAssertEqual(try store.count(HistoryQuery(text: "tangerine")), 1)
        try store.upsert([denied], server: Fixture.serverA)

        XCTAssertEqual(try store.action(id: "a1", server: Fixture.serverA), denied)
        XCTAssertEqual(try store.count(HistoryQuery(text: "tangerine")), 0)
        XCTAssertEqual(try store.count(HistoryQuery(text: "pomegranate")), 1)
        XCTAssertEqual(try store.count(HistoryQuery(approver: "bob")), 0)
        XCTAssertEqual(try store.count(HistoryQuery(approver: "carol")), 1)
        XCTAssertEqual(try store.count(HistoryQuery(statuses: [.denied])), 1)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testMovedCreationTimeMovesTheRow() throws {
        try store.upsert([Fixture.action("a1", minutes: 0), Fixture.action("a2", minutes: 5)], server: Fixture.serverA)
        try store.upsert([Fixture.action("a1", minutes: 10, summary: "moved")], server: Fixture.serverA)

        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: 1)), ["a1", "a2"])
        let late = HistoryQuery(since: Fixture.t0.adding(seconds: 600))
        XCTAssertEqual(Fixture.ids(try store.page(late, limit: 10, cursor: nil).actions), ["a1"])
        XCTAssertEqual(try store.count(HistoryQuery(text: "moved")), 1)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testServersKeepTheirOwnCopies() throws {
        try store.upsert([Fixture.action("same", summary: "from a")], server: Fixture.serverA)
        try store.upsert([Fixture.action("same", summary: "from b")], server: Fixture.serverB)

        XCTAssertEqual(try store.action(id: "same", server: Fixture.serverA)?.summary, "from a")
        XCTAssertEqual(try store.action(id: "same", server: Fixture.serverB)?.summary, "from b")
        let all = try store.page(HistoryQuery(), limit: 10, cursor: nil).actions
        XCTAssertEqual(Set(all.map(\.server)), [Fixture.serverA, Fixture.serverB])
        let onlyB = try store.page(HistoryQuery(server: Fixture.serverB), limit: 10, cursor: nil).actions
        XCTAssertEqual(onlyB.map(\.action.summary), ["from b"])
        XCTAssertEqual(try store.count(HistoryQuery(server: "https://unknown.example")), 0)
        XCTAssertTrue(try store.page(HistoryQuery(server: "https://unknown.example"), limit: 10, cursor: nil).actions.isEmpty)
    }

    func testManyActionsInOneMillisecondKeepArrivalOrder() throws {
        let batch = (0..<300).map { Fixture.action("same-ms-\($0)") }
        try store.upsert(batch, server: Fixture.serverA)
        let listed = Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: 64))
        XCTAssertEqual(listed, batch.map(\.id).reversed())
    }

    func testTimesFarFromNowAreStoredAndOrdered() throws {
        func at(_ ms: Int64, _ id: String) -> Action {
            var a = Fixture.action(id)
            a.createdAt = Timestamp(milliseconds: ms)
            a.expiresAt = Timestamp(milliseconds: ms)
            return a
        }
        let year9999 = Timestamp(rfc3339: "9999-12-31T23:59:59Z")!.milliseconds
        let year0001 = Timestamp(rfc3339: "0001-01-01T00:00:00Z")!.milliseconds
        try store.upsert(
            [
                at(year9999, "far-future"), at(year0001, "far-past"), at(year9999 - 1, "near-far-future"),
                at(Fixture.t0.milliseconds, "now"),
            ], server: Fixture.serverA)

        XCTAssertEqual(
            Set(Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: 2))),
            ["far-future", "near-far-future", "now", "far-past"])
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: 2)).last, "far-past")
        let sinceNow = HistoryQuery(since: Fixture.t0)
        XCTAssertEqual(Set(Fixture.ids(try Fixture.allPages(store, sinceNow, limit: 10))), ["far-future", "near-far-future", "now"])
        let beforeTheEnd = HistoryQuery(until: Timestamp(milliseconds: year9999))
        XCTAssertEqual(Set(Fixture.ids(try Fixture.allPages(store, beforeTheEnd, limit: 10))), ["near-far-future", "now", "far-past"])
        for action in [at(year9999, "far-future"), at(year0001, "far-past")] {
            XCTAssertEqual(try store.action(id: action.id, server: Fixture.serverA), action)
        }
    }

    func testEmptyBatchIsANoOp() throws {
        try store.upsert([], server: Fixture.serverA)
        XCTAssertEqual(try store.count(HistoryQuery()), 0)
    }
}
