import Foundation
import TollgateCore
import XCTest

/// `GET /v1/feed` on the real binary: snapshot, replay, reset, keepalives and expiry events.
class FeedTests: LedgerBackendTestCase {
    func testAFirstConnectGetsThePendingActionsThenSync() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let a = try agent.submit(Fixtures.request(summary: "a"))
        let b = try agent.submit(Fixtures.request(summary: "b"))
        let c = try agent.submit(Fixtures.request(summary: "c", approvals: 2))
        XCTAssertEqual(try alice.decide(b, .approve).status, 200)
        XCTAssertEqual(try alice.decide(c, .approve).status, 200)  // still pending: 1 of 2

        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        XCTAssertEqual(feed.head.status, 200)
        XCTAssertEqual(feed.head.header("content-type"), "text/event-stream")
        let batch = try feed.readUntilSync()
        XCTAssertEqual(batch.types, ["action", "action", "sync"], "no reset on a first connect")
        XCTAssertEqual(batch.actions.map(\.action.id), [a.id, c.id], "only pending actions, in sequence order")
        XCTAssertEqual(batch.actions.map(\.action.status), [.pending, .pending])
        XCTAssertEqual(batch.actions.last?.action.decisions.count, 1, "each as it now stands")
        XCTAssertEqual(batch.sequenceNumbers, [1, 5], "each snapshot event carries the id of its latest change")
        XCTAssertEqual(batch.sync, FeedEvent.SyncData(seq: 5, pending: 2))

        // Live from here: the next change is event 6.
        let d = try agent.submit(Fixtures.request(summary: "d"))
        guard case .action(let live, let seq) = try feed.nextFeedEvent() else { return XCTFail("expected an action event") }
        XCTAssertEqual(live.id, d.id)
        XCTAssertEqual(seq, 6)
    }

    func testAReconnectReplaysExactlyTheMissedEventsThenSync() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let early = try agent.submit(Fixtures.request(summary: "early"))

        let first = try FeedStream(port: server.port, token: try sandbox.token("audrey"))
        let position = try XCTUnwrap(try first.readUntilSync().sync)
        first.close()

        let missed1 = try agent.submit(Fixtures.request(summary: "while away"))
        _ = try alice.decide(early, .deny, reason: "not today")
        XCTAssertEqual(try agent.send("POST", "/v1/actions/\(missed1.id)/cancel").status, 200)
        let missed2 = try agent.submit(Fixtures.request(summary: "still away"))

        let again = try FeedStream(port: server.port, token: try sandbox.token("audrey"), lastEventID: String(position.seq))
        defer { again.close() }
        let replay = try again.readUntilSync()
        XCTAssertEqual(replay.types, ["action", "action", "action", "action", "sync"], "no reset, no snapshot: just what was missed")
        XCTAssertEqual(replay.sequenceNumbers, (1...4).map { position.seq + $0 })
        XCTAssertEqual(replay.actions.map(\.action.id), [missed1.id, early.id, missed1.id, missed2.id])
        XCTAssertEqual(replay.actions.map(\.action.status), [.pending, .denied, .cancelled, .pending])
        XCTAssertEqual(replay.sync, FeedEvent.SyncData(seq: position.seq + 4, pending: 1))

        // Up to date: a reconnect from the sync position gets nothing but the sync.
        let current = try FeedStream(port: server.port, token: try sandbox.token("audrey"), lastEventID: String(position.seq + 4))
        defer { current.close() }
        let nothing = try current.readUntilSync()
        XCTAssertEqual(nothing.types, ["sync"])
        XCTAssertEqual(nothing.sync?.seq, position.seq + 4)
    }

    func testAReconnectFromBeyondTheReplayWindowGetsResetSnapshotSync() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + "\n[feed]\nreplay_window = 5\n")
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let old = try agent.submit(Fixtures.request(summary: "old"))  // event 1
        let first = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        XCTAssertEqual(try first.readUntilSync().sync?.seq, 1)
        first.close()

        var pending = [old.id]
        for i in 0..<4 {
            let action = try agent.submit(Fixtures.request(summary: "burst \(i)"))  // events 2...5
            pending.append(action.id)
        }
        _ = try alice.decide(old, .approve)  // event 6
        _ = try alice.decide(try agent.action(pending[1]), .deny, reason: "no")  // event 7
        pending.removeFirst(2)

        // Event 1 is older than the last 5 (3...7): the server cannot replay from it.
        let stale = try FeedStream(port: server.port, token: try sandbox.token("alice"), lastEventID: "1")
        defer { stale.close() }
        let batch = try stale.readUntilSync()
        XCTAssertEqual(batch.types, ["reset", "action", "action", "action", "sync"])
        XCTAssertEqual(batch.actions.map(\.action.id), pending, "the snapshot: every pending action")
        XCTAssertEqual(batch.sync, FeedEvent.SyncData(seq: 7, pending: 3))

        // The edge of the window still replays: after 2 comes 3...7, all kept.
        let edge = try FeedStream(port: server.port, token: try sandbox.token("alice"), lastEventID: "2")
        defer { edge.close() }
        let replay = try edge.readUntilSync()
        XCTAssertEqual(replay.types.first, "action")
        XCTAssertEqual(replay.sequenceNumbers, [3, 4, 5, 6, 7])

        // An id this server never issued cannot be resumed either.
        for bogus in ["99", "abc", "-3"] {
            let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"), lastEventID: bogus)
            defer { feed.close() }
            XCTAssertEqual(try feed.readUntilSync().types.first, "reset", "Last-Event-ID \(bogus)")
        }
    }

    func testAnIdleFeedGetsKeepaliveComments() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + "\n[feed]\nkeepalive_seconds = 0.2\n")
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("audrey"))
        defer { feed.close() }
        _ = try feed.readUntilSync()
        let offset = feed.transcript.count
        try feed.waitForText("\n: keepalive\n", after: offset - 1, timeout: 10)
        try feed.waitForText(": keepalive\n: keepalive\n", after: offset, timeout: 10)
        // Comments are not events: nothing was dispatched while idle.
        let agent = try sandbox.client(server, as: "agent-1")
        let action = try agent.submit(Fixtures.request())
        guard case .action(let next, _) = try feed.nextFeedEvent() else { return XCTFail("expected the new action") }
        XCTAssertEqual(next.id, action.id)
    }

    func testAnActionExpiresByItselfAndTheFeedSaysSo() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        _ = try feed.readUntilSync()
        let agent = try sandbox.client(server, as: "agent-1")
        let action = try agent.submit(Fixtures.request(ttl: 1))
        let (expired, before) = try feed.waitForAction(timeout: 30) { $0.id == action.id && $0.status == .expired }
        XCTAssertEqual(before.map(\.action.status), [.pending], "created, then expired, nothing else")
        XCTAssertEqual(expired.action.resolvedAt, action.expiresAt)
        XCTAssertEqual(expired.action.decisions, [])
        XCTAssertEqual(try agent.action(action.id).status, .expired)
        let alice = try sandbox.client(server, as: "alice")
        try assertProtocolError(try alice.decide(action, .approve), .expired)
    }
}
