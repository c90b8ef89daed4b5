import TollgateCore
import TollgateStore
import XCTest

/// Every filter, alone and combined, checked against a plain Swift reference.
final class FilterTests: XCTestCase {
    private var store: HistoryStore!
    /// (server, action) in the order saved.
    private var saved: [StoredAction] = []

    override func setUpWithError() throws {
        store = try HistoryStore.inMemory()
        let statuses = ActionStatus.allCases, risks = Risk.allCases
        let kinds = ["db.query", "data.export", "iam.grant"], environments: [String?] = ["production", "staging", nil]
        var batchA: [Action] = [], batchB: [Action] = []
        for i in 0..<90 {
            let status = statuses[i % statuses.count]
            let decisions =
                status == .pending
                ? (i % 4 == 0 ? [Fixture.decision("dave")] : [])
                : [Fixture.decision(i % 2 == 0 ? "bob" : "carol", status == .denied ? .deny : .approve)]
            let action = Fixture.action(
                "act-\(i)", minutes: Int64(i / 3), status: status, risk: risks[(i / 2) % risks.count],
                kind: kinds[(i / 5) % kinds.count], environment: environments[(i / 7) % environments.count],
                requester: "agent-\(i % 4)", onBehalfOf: i % 6 == 0 ? "alice" : nil, decisions: decisions)
            if i % 3 == 2 { batchB.append(action) } else { batchA.append(action) }
        }
        try store.upsert(batchA, server: Fixture.serverA)
        try store.upsert(batchB, server: Fixture.serverB)
        saved =
            batchA.map { StoredAction(server: Fixture.serverA, action: $0) }
            + batchB.map { StoredAction(server: Fixture.serverB, action: $0) }
    }

    // MARK: - One filter at a time

    func testNoFilterListsEverything() throws { try check(HistoryQuery()) }

    func testStatus() throws {
        try check(HistoryQuery(statuses: [.pending]))
        try check(HistoryQuery(statuses: [.approved, .denied]))
        try check(HistoryQuery(statuses: Set(ActionStatus.allCases)))
    }

    func testRisk() throws {
        try check(HistoryQuery(risks: [.critical]))
        try check(HistoryQuery(risks: [.low, .high]))
    }

    func testKind() throws {
        try check(HistoryQuery(kinds: ["iam.grant"]))
        try check(HistoryQuery(kinds: ["iam.grant", "data.export"]))
        try check(HistoryQuery(kinds: ["no.such.kind"]))
    }

    func testEnvironment() throws {
        try check(HistoryQuery(environments: ["staging"]))
        try check(HistoryQuery(environments: ["staging", "production"]))
    }

    func testRequesterMatchesIdOrOnBehalfOf() throws {
        try check(HistoryQuery(requester: "agent-1"))
        try check(HistoryQuery(requester: "alice"))
        XCTAssertGreaterThan(try store.count(HistoryQuery(requester: "alice")), 0)
        try check(HistoryQuery(requester: "nobody"))
    }

    func testApprover() throws {
        try check(HistoryQuery(approver: "bob"))
        try check(HistoryQuery(approver: "dave"))
        XCTAssertGreaterThan(try store.count(HistoryQuery(approver: "dave")), 0)
    }

    func testTimeRange() throws {
        let since = Fixture.t0.adding(seconds: 10 * 60), until = Fixture.t0.adding(seconds: 20 * 60)
        try check(HistoryQuery(since: since))
        try check(HistoryQuery(until: until))
        try check(HistoryQuery(since: since, until: until))
        try check(HistoryQuery(since: until, until: since))
    }

    func testTimeRangeIsHalfOpen() throws {
        let at = Fixture.t0.adding(seconds: 10 * 60)
        let exactly = try Fixture.allPages(store, HistoryQuery(since: at, until: at.adding(seconds: 0.001)), limit: 10)
        XCTAssertEqual(Set(Fixture.ids(exactly)), ["act-30", "act-31", "act-32"])
    }

    func testServer() throws {
        try check(HistoryQuery(server: Fixture.serverA))
        try check(HistoryQuery(server: Fixture.serverB))
    }

    // MARK: - Combinations

    func testCombinations() throws {
        let since = Fixture.t0.adding(seconds: 5 * 60)
        try check(HistoryQuery(statuses: [.approved, .denied], risks: [.low, .critical], kinds: ["db.query", "iam.grant"]))
        try check(HistoryQuery(statuses: [.pending], environments: ["production"], server: Fixture.serverA))
        try check(HistoryQuery(risks: [.high], requester: "agent-2", since: since))
        try check(HistoryQuery(statuses: [.approved, .expired], requester: "agent-0", approver: "bob"))
        try check(
            HistoryQuery(
                kinds: ["data.export", "iam.grant"], environments: ["staging", "production"],
                approver: "carol", until: Fixture.t0.adding(seconds: 25 * 60), server: Fixture.serverB))
    }

    func testEveryPageSizeGivesTheSameRows() throws {
        let query = HistoryQuery(statuses: [.approved, .denied, .pending], risks: [.medium, .high])
        for limit in [1, 2, 3, 7, 50] {
            try check(query, limit: limit)
        }
    }

    // MARK: - Reference

    /// Asserts that paging through `query` gives exactly the reference rows, newest first,
    /// and that `count` agrees.
    private func check(_ query: HistoryQuery, limit: Int = 4, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = saved.filter { matches($0, query) }
        let listed = try Fixture.allPages(store, query, limit: limit, file: file, line: line)
        XCTAssertEqual(Set(listed), Set(expected), "\(query)", file: file, line: line)
        XCTAssertEqual(listed.count, expected.count, "no row twice", file: file, line: line)
        let times = listed.map(\.action.createdAt)
        XCTAssertEqual(times, times.sorted(by: >), "newest first", file: file, line: line)
        XCTAssertEqual(try store.count(query), expected.count, "count of \(query)", file: file, line: line)
    }

    private func matches(_ stored: StoredAction, _ q: HistoryQuery) -> Bool {
        let a = stored.action
        return (q.statuses.isEmpty || q.statuses.contains(a.status))
            && (q.risks.isEmpty || q.risks.contains(a.risk))
            && (q.kinds.isEmpty || q.kinds.contains(a.kind))
            && (q.environments.isEmpty || a.environment.map(q.environments.contains) == true)
            && (q.requester.map { a.requester.id == $0 || a.requester.onBehalfOf == $0 } ?? true)
            && (q.approver.map { name in a.decisions.contains { $0.approver == name } } ?? true)
            && (q.since.map { a.createdAt >= $0 } ?? true)
            && (q.until.map { a.createdAt < $0 } ?? true)
            && (q.server.map { stored.server == $0 } ?? true)
    }
}
