import TollgateClient
import TollgateCore
import TollgateStore
import TollgateSync
import XCTest

/// The outbox's bookkeeping never fails silently, and an unreadable outbox is not an empty one.
final class DecisionOutboxTests: XCTestCase {
    /// Nothing listens on port 9 of the loopback: every send is refused at once, undelivered.
    private let client = APIClient(endpoint: ServerEndpoint(baseURL: Fixture.server, token: "unused"))

    func testAnUndeliveredSendIsCountedInTheOutbox() throws {
        let file = try CacheFile(self)
        let store = try HistoryStore(path: file.path)
        let reports = Reports()
        let outbox = DecisionOutbox(store: store, client: client, server: Fixture.server, problem: reports.record)
        let (entry, outcome) = try outbox.decide(Fixture.action("act-1"), verdict: .approve, reason: "fine")
        guard case .undelivered = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(try outbox.pending().map(\.key), [entry.key])
        XCTAssertEqual(try outbox.pending().first?.attempts, 1)
        XCTAssertEqual(reports.all, [])
    }

    func testBookkeepingThatFailsAfterASendIsReported() throws {
        let file = try CacheFile(self)
        let store = try HistoryStore(path: file.path)
        let reports = Reports()
        let outbox = DecisionOutbox(store: store, client: client, server: Fixture.server, problem: reports.record)
        let entry = try store.enqueueDecision(
            server: Fixture.server, actionID: "act-1", verdict: .deny, reason: "no",
            digest: Fixture.action("act-1").digest, at: Fixture.t0)
        try file.failWrites(to: "outbox")
        guard case .undelivered = outbox.send(entry) else { return XCTFail("nothing listens on port 9") }
        XCTAssertEqual(reports.all.count, 1, "\(reports.all)")
        XCTAssertTrue(reports.all.first?.hasPrefix("the history cache did not record the failed attempt: ") == true, "\(reports.all)")
        XCTAssertTrue(reports.all.first?.contains("injected write fault") == true, "\(reports.all)")
    }

    func testAnUnreadableOutboxThrowsInsteadOfSayingNothingIsPending() throws {
        let file = try CacheFile(self)
        let store = try HistoryStore(path: file.path)
        let outbox = DecisionOutbox(store: store, client: client, server: Fixture.server) { _ in }
        XCTAssertEqual(try outbox.flushPending().count, 0)
        try file.remove("outbox")
        XCTAssertThrowsError(try outbox.flushPending())
    }
}
