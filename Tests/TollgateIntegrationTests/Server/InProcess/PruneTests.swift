import Foundation
import Synchronization
import TollgateCore
import TollgateServer
import XCTest

/// Pruning keeps the replay window and the idempotency keys still in retention, and deletes the
/// rest in batches (one DELETE of everything held the single writer for seconds under load).
class PruneTests: LedgerBackendTestCase {

    func testPruneDeletesInBatchesDownToTheWindowAndKeepsWhatTheWindowNeeds() async throws {
        let server = try await InProcessServer.make(self) {
            $0.replayWindow = 10
            $0.idempotencyRetention = 0
        }
        let last = Mutex(Timestamp(milliseconds: 0))
        try await server.run { api in
            for n in 0..<60 {
                let created = try await api.submit(as: "agent-1", idempotencyKey: "key-\(n)").createdAt
                last.withLock { $0 = created }
            }
        }
        // Keys are pruned when strictly older than now: wait for the clock to pass the last one.
        try eventually("the clock passes the last submission") { Timestamp.now() > last.withLock { $0 } }
        let deleted = try await server.service.prune(batch: 7)
        XCTAssertEqual(deleted, 50 + 60, "50 events past the window of 10, and 60 keys")
        XCTAssertEqual(try server.ledgerTables.rows("SELECT count(*), min(seq), max(seq) FROM events"), ["10|51|60"])
        XCTAssertEqual(try server.ledgerTables.rows("SELECT count(*) FROM idempotency"), ["0"])
        XCTAssertEqual(try server.ledgerTables.rows("SELECT count(*) FROM actions"), ["60"], "actions are never pruned")
        let again = try await server.service.prune(batch: 7)
        XCTAssertEqual(again, 0)
    }
}
