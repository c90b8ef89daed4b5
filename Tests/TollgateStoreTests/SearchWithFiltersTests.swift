import TollgateCore
import TollgateStore
import XCTest

/// Text and filters together, where either side may be the small one: each way a page is
/// planned must give exactly the rows a plain filter would.
final class SearchWithFiltersTests: XCTestCase {
    private var store: HistoryStore!
    /// More newest "deploy" rows than the search scans before asking the filters' side.
    private let noise = 2_500

    override func setUpWithError() throws {
        store = try HistoryStore.inMemory()
        var actions: [Action] = []
        // Oldest: 100 critical actions in production, every third about a deploy.
        for i in 0..<100 {
            actions.append(
                Fixture.action(
                    "crit-\(i)", minutes: Int64(i), risk: .critical,
                    summary: i % 3 == 0 ? "deploy the gateway \(i)" : "rotate a key \(i)"))
        }
        // Three critical deploys in staging, then the noise: low-risk deploys, newest of all.
        for i in 0..<3 {
            actions.append(
                Fixture.action(
                    "stage-\(i)", minutes: 200 + Int64(i), risk: .critical, environment: "staging",
                    summary: "deploy to staging \(i)"))
        }
        for i in 0..<noise {
            actions.append(Fixture.action("noise-\(i)", minutes: 300 + Int64(i), risk: .low, summary: "deploy service \(i)"))
        }
        try store.upsert(actions, server: Fixture.serverA)
    }

    func testCommonWordWithFiltersThatMatchNothing() throws {
        let query = HistoryQuery(text: "deploy", risks: [.critical], environments: ["dev"])
        XCTAssertEqual(try store.page(query, limit: 20, cursor: nil).actions.count, 0)
        XCTAssertNil(try store.page(query, limit: 20, cursor: nil).nextCursor)
        XCTAssertEqual(try store.count(query), 0)
    }

    func testCommonWordWithFiltersThatMatchAFewOldRows() throws {
        let query = HistoryQuery(text: "deploy", risks: [.critical], environments: ["staging"])
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, query, limit: 2)), ["stage-2", "stage-1", "stage-0"])
    }

    func testCommonWordWithBroadFiltersContinuesThroughTheIndex() throws {
        let query = HistoryQuery(text: "deploy", risks: [.critical], environments: ["production"])
        let expected = stride(from: 99, through: 0, by: -1).filter { $0 % 3 == 0 }.map { "crit-\($0)" }
        XCTAssertEqual(Fixture.ids(try Fixture.allPages(store, query, limit: 7)), expected)
        XCTAssertEqual(Fixture.ids(try store.page(query, limit: 100, cursor: nil).actions), expected)
        XCTAssertEqual(try store.count(query), expected.count)
    }

    func testRareWordWithBroadFilters() throws {
        let query = HistoryQuery(text: "gateway 42", risks: [.critical, .low])
        XCTAssertEqual(Fixture.ids(try store.page(query, limit: 5, cursor: nil).actions), ["crit-42"])
    }

    func testPageThatEndsInsideTheScannedRangeResumesCorrectly() throws {
        let query = HistoryQuery(text: "deploy", risks: [.low], environments: ["production"])
        let listed = Fixture.ids(try Fixture.allPages(store, query, limit: 1_000))
        XCTAssertEqual(listed, (0..<noise).reversed().map { "noise-\($0)" })
    }
}
