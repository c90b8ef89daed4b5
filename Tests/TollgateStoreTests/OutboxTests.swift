import Foundation
import TollgateCore
import TollgateStore
import XCTest

/// Decisions are written before they are sent, and their outcome is kept.
final class OutboxTests: XCTestCase {
    private var store: HistoryStore!

    override func setUpWithError() throws { store = try HistoryStore.inMemory() }

    func testEnqueuedDecisionIsPendingWithAUniqueKey() throws {
        let first = try enqueue("a1", reason: "looks right")
        let second = try enqueue("a1")
        XCTAssertNotEqual(first.key, second.key)
        XCTAssertNotNil(UUID(uuidString: first.key), first.key)
        XCTAssertEqual(first.state, .pending)
        XCTAssertEqual(first.attempts, 0)
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverA), [first, second])
    }

    func testNetworkFailureKeepsTheEntryPendingThenSentSettlesIt() throws {
        let entry = try enqueue("a1")
        try store.recordAttemptFailure(key: entry.key, message: "connection refused")
        var stored = try XCTUnwrap(store.pendingOutbox(server: Fixture.serverA).first)
        XCTAssertEqual(stored.state, .pending)
        XCTAssertEqual(stored.attempts, 1)
        XCTAssertEqual(stored.message, "connection refused")

        try store.markSent(key: entry.key)
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverA), [])
        stored = try XCTUnwrap(store.outboxEntries(actionID: "a1", server: Fixture.serverA).first)
        XCTAssertEqual(stored.state, .sent)
        XCTAssertEqual(stored.attempts, 2)
    }

    func testRefusalsOnTheMeritsAreRejectedOthersFailedNeitherRetried() throws {
        for (status, state) in [
            (409, OutboxState.rejected), (410, .rejected), (403, .rejected), (422, .rejected),
            (400, .failed), (401, .failed), (404, .failed), (413, .failed),
        ] {
            let entry = try enqueue("s\(status)")
            try store.markRejected(key: entry.key, httpStatus: status, message: "server said \(status)")
            let stored = try XCTUnwrap(store.outboxEntries(actionID: "s\(status)", server: Fixture.serverA).first)
            XCTAssertEqual(stored.state, state, "HTTP \(status)")
            XCTAssertEqual(stored.httpStatus, status)
            XCTAssertEqual(stored.message, "server said \(status)")
            XCTAssertEqual(stored.attempts, 1)
        }
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverA), [])
    }

    func testSettledEntryIgnoresLaterAnswers() throws {
        let entry = try enqueue("a1")
        try store.markRejected(key: entry.key, httpStatus: 409, message: "already_resolved")
        try store.markSent(key: entry.key)
        try store.recordAttemptFailure(key: entry.key, message: "late timeout")
        let stored = try XCTUnwrap(store.outboxEntries(actionID: "a1", server: Fixture.serverA).first)
        XCTAssertEqual(stored.state, .rejected)
        XCTAssertEqual(stored.message, "already_resolved")
        XCTAssertEqual(stored.attempts, 1)
    }

    func testUnknownKeyThrows() throws {
        XCTAssertThrowsError(try store.markSent(key: "no-such-key")) { error in
            XCTAssertEqual((error as? StoreError)?.reason, .unknownOutboxEntry, "\(error)")
            XCTAssertTrue("\(error)".contains("no-such-key"), "\(error)")
        }
    }

    func testEntriesAreKeptPerServerAndPerAction() throws {
        let a = try enqueue("shared", server: Fixture.serverA)
        let b = try enqueue("shared", server: Fixture.serverB)
        let other = try enqueue("other", server: Fixture.serverA)
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverA), [a, other])
        XCTAssertEqual(try store.pendingOutbox(server: Fixture.serverB), [b])
        XCTAssertEqual(try store.outboxEntries(actionID: "shared", server: Fixture.serverA), [a])
        XCTAssertEqual(try store.outboxEntries(actionID: "shared", server: "https://unknown.example"), [])
    }

    func testPendingDecisionsSurviveAReopen() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("history.sqlite")
        var written: OutboxEntry
        do {
            let disk = try HistoryStore(path: path)
            written = try disk.enqueueDecision(
                server: Fixture.serverA, actionID: "a1", verdict: .deny,
                reason: "not during the freeze", digest: "sha256:abc", at: Fixture.t0)
            try disk.recordAttemptFailure(key: written.key, message: "timeout")
            written.attempts = 1
            written.message = "timeout"
        }
        let reopened = try HistoryStore(path: path)
        XCTAssertEqual(try reopened.pendingOutbox(server: Fixture.serverA), [written])
    }

    private func enqueue(_ actionID: String, server: String = Fixture.serverA, reason: String = "") throws -> OutboxEntry {
        try store.enqueueDecision(
            server: server, actionID: actionID, verdict: .approve, reason: reason,
            digest: "sha256:" + String(repeating: "b", count: 64), at: Fixture.t0)
    }
}
