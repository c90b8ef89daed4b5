import Foundation
import TollgateCore
import XCTest

/// Two `tollgate serve` replicas on one PostgreSQL database are one feed: a change made on
/// either reaches the other's subscribers and long-polls, with the same `id:` and the same
/// data on both, and a client may resume on the other replica after what it saw.
final class ReplicaFeedTests: XCTestCase {
    func testBothFeedsCarryTheSameEventsAndALongPollWakesOnTheOtherReplicasDecision() throws {
        let sandbox = try Sandbox(self, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        let feedA = try FeedStream(port: a.port, token: try sandbox.token("alice"))
        let feedB = try FeedStream(port: b.port, token: try sandbox.token("audrey"))
        XCTAssertEqual(try feedA.readUntilSync().sync?.seq, 0)
        XCTAssertEqual(try feedB.readUntilSync().sync?.seq, 0)
        let (liveA, liveB) = (feedA.transcript.count, feedB.transcript.count)

        let agentOnB = try sandbox.client(b, as: "agent-2")
        let aliceOnA = try sandbox.client(a, as: "alice")
        let submitted = try agentOnB.submit(Fixtures.request(summary: "submitted on B, approved on A"))
        let poll = try HTTPConnection(port: b.port)
        try poll.sendRequest("GET", "/v1/actions/\(submitted.id)?wait=60", headers: [("Authorization", "Bearer \(try sandbox.token("agent-2"))")])
        let decided = try aliceOnA.decide(submitted, .approve)
        XCTAssertEqual(decided.status, 200, decided.text)
        // Read for less than the wait: an answer only when the wait runs out would mean B never
        // heard of the decision (it reads the database then, and would answer `approved` too).
        let woken = try poll.readResponse(timeout: 45)
        XCTAssertEqual(woken.status, 200, woken.text)
        XCTAssertEqual(try woken.action(), try decided.action(), "the agent waiting on B wakes with A's decision")

        // Changes made on both replicas, in both directions.
        let agentOnA = try sandbox.client(a, as: "agent-1")
        let bobOnB = try sandbox.client(b, as: "bob")
        let denied = try agentOnA.submit(Fixtures.request(summary: "submitted on A, denied on B"))
        XCTAssertEqual(try bobOnB.decide(denied, .deny, reason: "not today").status, 200)
        let cancelled = try agentOnB.submit(Fixtures.request(summary: "submitted on B, cancelled on A"))
        XCTAssertEqual(try sandbox.client(a, as: "agent-2").send("POST", "/v1/actions/\(cancelled.id)/cancel").status, 200)
        let quorum = try agentOnA.submit(Fixtures.request(summary: "approved on A and on B", approvals: 2))
        XCTAssertEqual(try aliceOnA.decide(quorum, .approve).status, 200)
        XCTAssertEqual(try bobOnB.decide(quorum, .approve).status, 200)
        let last = try agentOnB.submit(Fixtures.request(summary: "the last event"))

        let seenOnA = try feedA.waitForAction { $0.id == last.id }
        let seenOnB = try feedB.waitForAction { $0.id == last.id }
        let rawA = Self.events(in: feedA.transcript[liveA...])
        XCTAssertEqual(rawA, Self.events(in: feedB.transcript[liveB...]), "A's and B's feeds carry the same bytes for the same events")
        XCTAssertEqual(rawA.count, 10, "every change once: \(rawA)")

        // And they are the ledger's events, in its order, each with its own sequence number.
        let stored = try Self.storedEvents(sandbox, after: 0)
        for (feed, seen) in [("A", seenOnA), ("B", seenOnB)] {
            let entries = seen.before + [seen.match]
            XCTAssertEqual(entries.map(\.seq), stored.map { Optional($0.seq) }, "\(feed)'s ids are the ledger's sequence")
            XCTAssertEqual(entries.map(\.action), try stored.map { try Action(json: $0.json) }, "\(feed)'s events are the ledger's")
        }
        XCTAssertEqual(stored.map(\.seq), Array(1...10), "gap-free")
    }

    func testAClientResumesOnTheOtherReplicaWithNoGapAndNoReset() throws {
        let sandbox = try Sandbox(self, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        let (agentOnA, agentOnB) = (try sandbox.client(a, as: "agent-1"), try sandbox.client(b, as: "agent-2"))
        let (aliceOnA, bobOnB) = (try sandbox.client(a, as: "alice"), try sandbox.client(b, as: "bob"))
        let token = try sandbox.token("carol")

        let feedA = try FeedStream(port: a.port, token: token)
        _ = try feedA.readUntilSync()
        let first = try agentOnA.submit(Fixtures.request(summary: "first, on A"))
        let second = try agentOnB.submit(Fixtures.request(summary: "second, on B"))
        XCTAssertEqual(try aliceOnA.decide(second, .approve).status, 200)
        XCTAssertEqual(try bobOnB.decide(first, .deny, reason: "no").status, 200)
        let seen = try feedA.waitForAction { $0.id == first.id && $0.status == .denied }.match
        let position = try XCTUnwrap(seen.seq)
        feedA.close()

        // While the client moves, both replicas change things; the last change is A's, which B
        // only has from the database.
        let third = try agentOnB.submit(Fixtures.request(summary: "third, while the client moves"))
        XCTAssertEqual(try bobOnB.decide(third, .approve).status, 200)
        _ = try agentOnA.submit(Fixtures.request(summary: "fourth, on A"))
        let last = try XCTUnwrap(Int64(try sandbox.ledgerTables.rows("SELECT max(seq) FROM events").joined()))

        let feedB = try FeedStream(port: b.port, token: token, lastEventID: String(position))
        // Until the last event and the sync, whichever comes last: B may publish A's last change
        // before or after this client's replay.
        var received: [SSEEvent] = []
        while !(received.contains { $0.type == "sync" } && received.contains { $0.type == "action" && $0.lastEventID == String(last) }) {
            received.append(try feedB.nextEvent())
        }
        XCTAssertFalse(received.contains { $0.type == "reset" }, "no reset: \(received.map(\.type))")
        let actions = received.filter { $0.type == "action" }
        let stored = try Self.storedEvents(sandbox, after: position)
        XCTAssertEqual(actions.map(\.lastEventID), stored.map { String($0.seq) }, "every event after the position, none twice")
        XCTAssertEqual(actions.map(\.data), stored.map(\.json))
        XCTAssertEqual(stored.map(\.seq), Array((position + 1)...last))
        feedB.close()

        // A client that saw on A an event B has not published yet: B is frozen while A commits,
        // then kept from reading the events table while the client's resume reaches it.
        b.suspend()
        _ = try agentOnA.submit(Fixtures.request(summary: "on A while B is frozen"))
        let unseen = try agentOnA.submit(Fixtures.request(summary: "also on A while B is frozen"))
        let onA = try FeedStream(port: a.port, token: token, lastEventID: String(last))
        let ahead = try onA.nextFeedEvent()
        guard case .action(_, seq: .some(let aheadSeq)) = ahead, aheadSeq == last + 1 else {
            throw HTTPClientError("expected event \(last + 1) on A: \(ahead)")
        }
        onA.close()
        let lockHolder = try holdEventsTable(sandbox)
        b.resume()
        let probe = try FeedStream(port: b.port, token: try sandbox.token("audrey"))
        XCTAssertEqual(try probe.readUntilSync().sync?.seq, last, "B has not published what A committed")
        let resuming = try HTTPConnection(port: b.port)
        try FeedStream.sendRequest(on: resuming, token: token, lastEventID: String(aheadSeq))
        try releaseEventsTable(sandbox)
        _ = try lockHolder.wait()
        let resumed = try FeedStream(requestSentOn: resuming)
        let batch = try resumed.readUntilSync()
        XCTAssertEqual(batch.types, ["action", "sync"], "B waited for the event it had not published instead of a reset")
        XCTAssertEqual(batch.actions.map(\.action.id), [unseen.id])
        XCTAssertEqual(batch.sequenceNumbers, [aheadSeq + 1])
        XCTAssertEqual(batch.sync?.seq, aheadSeq + 1)
    }

    // MARK: - Helpers

    /// The events of a feed's bytes as sent (the lines of each, comments left out), in order.
    private static func events(in bytes: ArraySlice<UInt8>) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n")
            .map { $0.split(separator: "\n").filter { !$0.hasPrefix(":") }.joined(separator: "\n") }
            .filter { !$0.isEmpty }
    }

    /// The events table after `seq`, oldest first.
    private static func storedEvents(_ sandbox: Sandbox, after seq: Int64) throws -> [(seq: Int64, json: String)] {
        try sandbox.ledgerTables.rows("SELECT seq, json FROM events WHERE seq > \(seq) ORDER BY seq").map { row in
            let parts = row.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, let seq = Int64(parts[0]) else { throw HTTPClientError("unexpected events row: \(row)") }
            return (seq, String(parts[1]))
        }
    }

    /// A psql session that holds the events table locked against every reader (the replicas'
    /// feed followers wait on it), once the lock is granted; `releaseEventsTable` ends it.
    private func holdEventsTable(_ sandbox: Sandbox) throws -> Spawned {
        let database = try XCTUnwrap(sandbox.database)
        let command = database.cluster.psqlCommand("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600)", in: database.name)
        let holder = try Spawned(command.arguments, in: sandbox.directory, executable: command.executable)
        try eventually("the events table is locked") { try sandbox.ledgerTables.rows(Self.lockHolders("count(*)")) == ["1"] }
        return holder
    }

    /// Ends the session `holdEventsTable` started, which releases the lock.
    private func releaseEventsTable(_ sandbox: Sandbox) throws {
        XCTAssertEqual(try sandbox.ledgerTables.rows(Self.lockHolders("pg_terminate_backend(pid)")), ["t"])
    }

    /// `what` of the sessions holding the exclusive lock on the events table.
    private static func lockHolders(_ what: String) -> String {
        "SELECT \(what) FROM pg_locks WHERE relation = 'events'::regclass AND mode = 'AccessExclusiveLock' AND granted"
    }
}
