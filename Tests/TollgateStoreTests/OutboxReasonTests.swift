import Foundation
import TollgateCore
import TollgateStore
import XCTest

/// The outbox stores a decision's reason masked, keeps it only while the decision may be sent
/// again, and drops it once the server has answered for good.
final class OutboxReasonTests: XCTestCase {
    private let secret = "Hunter2Zebra9Quokka"
    private var reason: String { "password=\(secret) is in the command" }

    private func enqueue(_ store: HistoryStore, _ actionID: String) throws -> OutboxEntry {
        try store.enqueueDecision(
            server: Fixture.serverA, actionID: actionID, verdict: .deny, reason: reason,
            digest: "sha256:" + String(repeating: "b", count: 64), at: Fixture.t0)
    }

    func testTheReasonIsStoredAndSentMaskedAndKeptWhileUndelivered() throws {
        let store = try HistoryStore.inMemory()
        let entry = try enqueue(store, "a1")
        XCTAssertFalse(entry.reason.contains(secret), "what will be sent is masked: \(entry.reason)")
        XCTAssertTrue(entry.reason.hasSuffix(" is in the command"), "the rest of the reason stays: \(entry.reason)")
        try store.recordAttemptFailure(key: entry.key, message: "timeout")
        XCTAssertEqual(
            try store.pendingOutbox(server: Fixture.serverA).map(\.reason), [entry.reason],
            "a retry sends the same bytes under the same key")
    }

    func testASettledDecisionKeepsNoReason() throws {
        let store = try HistoryStore.inMemory()
        for (id, settle) in [
            ("sent", { (s: HistoryStore, k: String) in try s.markSent(key: k) }),
            ("rejected", { try $0.markRejected(key: $1, httpStatus: 409, message: "already resolved") }),
            ("failed", { try $0.markRejected(key: $1, httpStatus: 400, message: "bad request") }),
        ] {
            let entry = try enqueue(store, id)
            try settle(store, entry.key)
            let stored = try XCTUnwrap(store.outboxEntries(actionID: id, server: Fixture.serverA).first)
            XCTAssertEqual(stored.state.rawValue, id)
            XCTAssertEqual(stored.reason, "", "\(id): nothing left to send, nothing kept")
        }
    }

    func testTheReasonNeverReachesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        let pending = try enqueue(store, "pending")
        let sent = try enqueue(store, "sent")
        try store.markSent(key: sent.key)
        for file in [path, path + "-wal"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            XCTAssertNil(bytes.range(of: Data(secret.utf8)), "\(file) holds the raw reason")
        }
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverA).map(\.key), [pending.key])
    }
}
