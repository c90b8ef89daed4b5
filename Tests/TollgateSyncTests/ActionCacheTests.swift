import TollgateCore
import TollgateStore
import TollgateSync
import XCTest

/// The cache behind the console: batched feed writes stay readable, a failing disk cache hands
/// over to memory, and every failure is reported instead of read as "nothing there".
final class ActionCacheTests: XCTestCase {
    func testABatchIsReadableBeforeItIsWrittenAndAfterwardsFromTheDisk() throws {
        let file = try CacheFile(self)
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: file.path, report: reports.record), server: Fixture.server)
        let a = Fixture.action("act-a"), b = Fixture.action("act-b")
        XCTAssertTrue(cache.batch(a, position: 4), "the first event asks for a flush")
        XCTAssertFalse(cache.batch(b, position: 5), "one flush is enough for the batch")
        XCTAssertEqual(cache.records(["act-a", "act-b", "act-c"]), CachedRecords(found: [a, b], missing: ["act-c"], problem: nil))

        XCTAssertEqual(cache.flush(), 2)
        XCTAssertTrue(cache.batch(nil, position: 6), "after a flush, the next event asks again")
        let disk = try HistoryStore(path: file.path)
        XCTAssertEqual(try disk.action(id: "act-b", server: Fixture.server), b, "the whole record, diffs and all")
        XCTAssertEqual(try disk.lastEventID(server: Fixture.server), 5)
        XCTAssertEqual(cache.records(["act-a"]).found, [a])
        XCTAssertEqual(reports.all, [])
    }

    func testAFailedWriteSwitchesToMemoryAndEverythingStaysReadable() throws {
        let file = try CacheFile(self)
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: file.path, report: reports.record), server: Fixture.server)
        let old = Fixture.action("act-old"), new = Fixture.action("act-new")
        _ = cache.batch(old, position: 1)
        cache.flush()
        try file.failWrites(to: "action")

        _ = cache.batch(new, position: 2)
        cache.flush()
        XCTAssertEqual(reports.all.count, 1, "\(reports.all)")
        XCTAssertTrue(reports.all.first?.contains("injected write fault") == true, "\(reports.all)")
        XCTAssertEqual(
            cache.records(["act-new", "act-old"]), CachedRecords(found: [new, old], missing: [], problem: nil),
            "the failed batch from memory, what came before from the disk")
        XCTAssertNil(try cache.store?.action(id: "act-old", server: Fixture.server), "writes now go to memory")

        _ = cache.batch(Fixture.action("act-later"), position: 3)
        cache.flush()
        XCTAssertEqual(reports.all.count, 1, "memory takes later writes without a new failure")
        XCTAssertEqual(cache.records(["act-later"]).found.map(\.id), ["act-later"])
    }

    /// The console's servers and its history view share one pair of stores: a disk failure met by
    /// one server's writes moves every one of them to the same memory cache, where all find it.
    func testServersSharingStoresMoveToMemoryTogether() throws {
        let file = try CacheFile(self)
        let reports = Reports()
        let stores = CacheStores(path: file.path, report: reports.record)
        let prod = ActionCache(stores: stores, server: "https://prod.example")
        let staging = ActionCache(stores: stores, server: "https://staging.example")
        let history = ActionCache(stores: stores, server: nil)
        try file.failWrites(to: "action")
        _ = prod.batch(Fixture.action("act-p"), position: 1)
        prod.flush()
        XCTAssertEqual(reports.all.count, 1, "\(reports.all)")
        _ = staging.batch(Fixture.action("act-s"), position: 1)
        staging.flush()
        XCTAssertEqual(reports.all.count, 1, "staging wrote to memory at once, with no failure of its own")
        let page = try XCTUnwrap(history.store).page(HistoryQuery(), limit: 10, cursor: nil)
        XCTAssertEqual(Set(page.actions.map { "\($0.server) \($0.action.id)" }), ["https://prod.example act-p", "https://staging.example act-s"])
        XCTAssertEqual(staging.records(["act-s"]).found.map(\.id), ["act-s"])
        XCTAssertEqual(prod.records(["act-s"]).missing, ["act-s"], "each server reads its own actions")
    }

    func testAnUnopenableDiskCacheIsReportedAndMemoryServes() throws {
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: "/proc/tollgate-cannot-be-here/history.sqlite", report: reports.record), server: Fixture.server)
        XCTAssertEqual(reports.all.count, 1)
        XCTAssertNil(cache.feedPosition())
        XCTAssertEqual(
            cache.readPending(go: { true }) { _ in XCTFail("memory has no cached pending actions") },
            PendingRead(count: 0, complete: true))
        guard case .success(let written) = cache.write({ try $0.upsert([Fixture.action("act-m")], server: Fixture.server) }) else {
            return XCTFail("memory takes the write")
        }
        XCTAssertTrue(written.store === cache.store)
        XCTAssertEqual(cache.records(["act-m"]).found.map(\.id), ["act-m"])
        XCTAssertEqual(reports.all.count, 1)
    }

    func testCachedPendingActionsArriveAPageAtATime() throws {
        let file = try CacheFile(self)
        try HistoryStore(path: file.path).upsert((0..<3).map { Fixture.action("act-\($0)") }, server: Fixture.server)
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: file.path, report: reports.record), server: Fixture.server)
        var seen: [String] = []
        let read = cache.readPending(go: { true }) { seen += $0.map(\.id) }
        XCTAssertEqual(read, PendingRead(count: 3, complete: true))
        XCTAssertEqual(seen.sorted(), ["act-0", "act-1", "act-2"])
        XCTAssertEqual(reports.all, [])
        XCTAssertEqual(
            cache.readPending(go: { false }) { _ in XCTFail("stopped before the first page") },
            PendingRead(count: 0, complete: false), "a stop leaves the read incomplete")
    }

    func testAFailedPageOfCachedPendingActionsIsReportedAndTheReadIsIncomplete() throws {
        let file = try CacheFile(self)
        try HistoryStore(path: file.path).upsert([Fixture.action("act-1")], server: Fixture.server)
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: file.path, report: reports.record), server: Fixture.server)
        try file.remove("action_body")
        let read = cache.readPending(go: { true }) { _ in XCTFail("no page can be read") }
        XCTAssertEqual(read, PendingRead(count: 0, complete: false), "incomplete: the feed must not resume from the cached position")
        XCTAssertEqual(reports.all.count, 1)
        XCTAssertTrue(reports.all.first?.hasPrefix("reading the cached pending actions after 0: ") == true, "\(reports.all)")
    }

    func testAnUnreadableFeedPositionIsReportedNotTakenForNone() throws {
        let file = try CacheFile(self)
        try HistoryStore(path: file.path).setLastEventID(9, server: Fixture.server)
        let reports = Reports()
        let cache = ActionCache(stores: CacheStores(path: file.path, report: reports.record), server: Fixture.server)
        XCTAssertEqual(cache.feedPosition(), 9)
        try file.remove("server")
        XCTAssertNil(cache.feedPosition())
        XCTAssertEqual(reports.all.count, 1, "\(reports.all)")
    }

    func testARecordThatCannotBeReadIsMissingWithTheProblemSaid() throws {
        let file = try CacheFile(self)
        try HistoryStore(path: file.path).upsert([Fixture.action("act-1")], server: Fixture.server)
        let cache = ActionCache(stores: CacheStores(path: file.path) { _ in }, server: Fixture.server)
        try file.remove("action_body")
        let answer = cache.records(["act-1"])
        XCTAssertEqual(answer.found, [])
        XCTAssertEqual(answer.missing, ["act-1"])
        XCTAssertNotNil(answer.problem)
    }
}
