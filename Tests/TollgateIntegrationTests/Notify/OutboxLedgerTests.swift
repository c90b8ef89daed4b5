import Foundation
import Synchronization
import TollgateCore
import TollgateServer
import XCTest

/// The outbox as the ledger keeps it, with no dispatcher running: a delivery carries the action
/// as it was when its event happened, an action's deliveries are handed out in the order of its
/// life, and pruning the feed's events never takes one a delivery still needs. On SQLite and
/// PostgreSQL (the protocol suite).
final class OutboxLedgerTests: LedgerBackendTestCase {
    func testADeliveryCarriesItsEventAndThePruneKeepsTheEventsDeliveriesNeed() async throws {
        let server = try await InProcessServer.make(self) { configuration in
            configuration.replayWindow = 1
            configuration.notifiers = []
            try? configuration.apply(
                fileText: """
                    [[notify]]
                    id = "pager"
                    url = "http://127.0.0.1:9/hook"
                    events = ["pending", "resolved"]
                    """, file: "test.toml")
        }
        XCTAssertEqual(server.server.configuration.notifiers.map(\.id), ["pager"])
        let ledger = server.parts.ledger
        let found = FoundAction()
        try await server.run { api in
            let action = try await api.submit()
            let decided = try await api.decide(action, .approve, as: "alice", reason: "ok")
            XCTAssertEqual(decided.status, .ok)
            for n in 1...3 { _ = try await api.submit(Fixtures.request(summary: "later \(n)")) }
            found.value.withLock { $0 = action }
        }
        let submitted = try XCTUnwrap(found.value.withLock { $0 })
        // The window holds one event; the prune may take every other one but those the
        // submitted action's two deliveries carry.
        _ = try await server.service.prune()
        let kept = try server.ledgerTables.rows("SELECT seq FROM events ORDER BY seq")
        XCTAssertEqual(kept.first, "1", "the pending delivery's event is kept: \(kept)")
        XCTAssertTrue(kept.contains("2"), "the resolved delivery's event is kept: \(kept)")

        // The resolved delivery waits for the pending one, and each says what was true then.
        let first = try await ledger.claimDeliveries(notifier: "pager", limit: 10, lease: 30).filter { $0.actionID == submitted.id }
        XCTAssertEqual(first.map(\.event), [.pending], "only the earlier event of the action is handed out")
        XCTAssertEqual(try Action(json: try XCTUnwrap(first.first).actionJSON).status, .pending, "the action as it was when submitted")
        try await ledger.settleDelivery(id: try XCTUnwrap(first.first).id, .delivered)
        let second = try await ledger.claimDeliveries(notifier: "pager", limit: 10, lease: 30).filter { $0.actionID == submitted.id }
        XCTAssertEqual(second.map(\.event), [.resolved])
        XCTAssertEqual(try Action(json: try XCTUnwrap(second.first).actionJSON).status, .approved)
        XCTAssertEqual(try XCTUnwrap(second.first).attempts, 1)
        try await ledger.settleDelivery(id: try XCTUnwrap(second.first).id, .failed(error: "given up in the test"))

        // A failed delivery keeps its event until it is pruned itself.
        _ = try await server.service.prune()
        XCTAssertTrue(try server.ledgerTables.rows("SELECT seq FROM events ORDER BY seq").contains("2"))
        let depth = try await ledger.outboxDepth()
        XCTAssertEqual(depth, 3, "the three later submissions' deliveries wait")
    }
}

/// What a router test found, handed back out of its closure.
private final class FoundAction: Sendable {
    let value = Mutex<Action?>(nil)
}
