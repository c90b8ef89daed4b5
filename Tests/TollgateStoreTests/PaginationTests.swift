import TollgateCore
import TollgateStore
import XCTest

/// Keyset pagination: every row exactly once, newest first, stable while rows arrive; and
/// the same at a scale where a wrong plan or a missed row would show.
final class PaginationTests: XCTestCase {
    private var store: HistoryStore!

    override func setUpWithError() throws { store = try HistoryStore.inMemory() }

    func testPagesCoverEveryRowOnceNewestFirst() throws {
        // Three actions per minute, so ties on created_at are split by arrival.
        let actions = (0..<100).map { Fixture.action("a\($0)", minutes: Int64($0 / 3)) }
        try store.upsert(actions, server: Fixture.serverA)
        for limit in [1, 7, 10, 99, 100, 101] {
            let listed = Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: limit))
            XCTAssertEqual(listed, actions.map(\.id).reversed(), "limit \(limit)")
        }
    }

    func testLastFullPageHasNoCursor() throws {
        try store.upsert((0..<10).map { Fixture.action("a\($0)", minutes: Int64($0)) }, server: Fixture.serverA)
        let page = try store.page(HistoryQuery(), limit: 10, cursor: nil)
        XCTAssertEqual(page.actions.count, 10)
        XCTAssertNil(page.nextCursor)
    }

    func testCursorStaysValidWhileNewActionsArrive() throws {
        try store.upsert((0..<20).map { Fixture.action("old\($0)", minutes: Int64($0)) }, server: Fixture.serverA)
        let first = try store.page(HistoryQuery(), limit: 5, cursor: nil)
        try store.upsert((0..<5).map { Fixture.action("new\($0)", minutes: 100 + Int64($0)) }, server: Fixture.serverA)
        var rest: [String] = []
        var cursor = first.nextCursor
        while let c = cursor {
            let page = try store.page(HistoryQuery(), limit: 5, cursor: c)
            rest += Fixture.ids(page.actions)
            cursor = page.nextCursor
        }
        XCTAssertEqual(Fixture.ids(first.actions) + rest, (0..<20).reversed().map { "old\($0)" })
    }

    func testForeignCursorIsRefused() throws {
        for bad in ["", "42", "h1.", "h1.x", "h2.5", "h1.99999999999999999999", "h1.5 ", "' OR 1=1"] {
            XCTAssertThrowsError(try store.page(HistoryQuery(), limit: 5, cursor: bad), bad.debugDescription) { error in
                XCTAssertEqual((error as? StoreError)?.reason, .invalidCursor, "\(error)")
            }
        }
    }

    func testLimitIsClamped() throws {
        try store.upsert((0..<3).map { Fixture.action("a\($0)", minutes: Int64($0)) }, server: Fixture.serverA)
        XCTAssertEqual(try store.page(HistoryQuery(), limit: 0, cursor: nil).actions.count, 1)
        XCTAssertEqual(try store.page(HistoryQuery(), limit: -5, cursor: nil).actions.count, 1)
        XCTAssertEqual(try store.page(HistoryQuery(), limit: Int.max, cursor: nil).actions.count, 3)
    }

    // MARK: - Scale

    /// 20,000 actions over two servers in 5,000-action batches (the feed's snapshots are up
    /// to 10,000), then search, filters and paging checked against the known layout.
    func testTwentyThousandActions() throws {
        let total = 20_000
        let kinds = ["db.query", "data.export", "iam.grant", "infra.apply"]
        func action(_ i: Int) -> Action {
            let status: ActionStatus = i % 10 == 0 ? .pending : (i % 10 == 1 ? .denied : .approved)
            return Fixture.action(
                "n\(i)", minutes: Int64(i), status: status, risk: Risk.allCases[i % 4], kind: kinds[(i / 3) % 4],
                environment: i % 2 == 0 ? "production" : "staging", requester: "agent-\(i % 50)",
                summary: "job \(i) " + (i % 100 == 7 ? "rotates the vault key" : "reads rows"),
                context: [ContextEntry(key: "shard", value: "s\(i % 16)")],
                decisions: status == .pending ? [] : [Fixture.decision("approver-\(i % 7)", status == .denied ? .deny : .approve)])
        }
        for start in stride(from: 0, to: total, by: 5_000) {
            let batch = start..<start + 5_000
            try store.upsert(batch.filter { $0 % 3 != 0 }.map(action), server: Fixture.serverA)
            try store.upsert(batch.filter { $0 % 3 == 0 }.map(action), server: Fixture.serverB)
        }
        // Replaying a snapshot changes nothing.
        try store.upsert((0..<5_000).filter { $0 % 3 != 0 }.map(action), server: Fixture.serverA)

        let everything = Fixture.ids(try Fixture.allPages(store, HistoryQuery(), limit: 500))
        XCTAssertEqual(everything.count, total)
        XCTAssertEqual(Set(everything).count, total)
        XCTAssertEqual(everything.first, "n19999")
        XCTAssertEqual(everything.last, "n0")

        let vault = Fixture.ids(try Fixture.allPages(store, HistoryQuery(text: "vault ke"), limit: 50))
        XCTAssertEqual(vault, stride(from: total - 93, through: 7, by: -100).map { "n\($0)" })

        let pendingProd = HistoryQuery(statuses: [.pending], environments: ["production"], server: Fixture.serverB)
        let expected = (0..<total).reversed().filter { $0 % 10 == 0 && $0 % 3 == 0 }.map { "n\($0)" }
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, pendingProd, limit: 100)), expected)
        XCTAssertEqual(try store.count(pendingProd), expected.count)

        let mixed = HistoryQuery(
            text: "shard s3", statuses: [.approved, .denied], kinds: ["iam.grant", "data.export"],
            approver: "approver-2", since: Fixture.t0.adding(seconds: 2_400 * 60))
        let expectedMixed = (0..<total).reversed().filter { i in
            i % 16 == 3 && i % 10 != 0 && [1, 2].contains((i / 3) % 4) && i % 7 == 2 && i >= 2_400
        }.map { "n\($0)" }
        XCTAssertFalse(expectedMixed.isEmpty)
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, mixed, limit: 10)), expectedMixed)

        let byRequester = HistoryQuery(requester: "agent-7", until: Fixture.t0.adding(seconds: 4_000 * 60))
        let expectedRequester = (0..<4_000).reversed().filter { $0 % 50 == 7 }.map { "n\($0)" }
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, byRequester, limit: 25)), expectedRequester)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }
}
