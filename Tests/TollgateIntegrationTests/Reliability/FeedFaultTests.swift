import Foundation
import Synchronization
import TollgateCore
import XCTest

/// Feeds that misbehave at the byte level (silence, dribbles, huge or broken events), served by
/// `FakeFeedServer`, against `tollgate watch` and the console.
final class FeedFaultTests: XCTestCase {
    // MARK: - Fixtures

    /// A real action as the server serialises it, taken from a real server once.
    private func realAction(_ sandbox: Sandbox) throws -> Action {
        let server = try sandbox.startServer()
        defer { server.kill() }
        return try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "template action"))
    }

    /// `action` with `id` and `summary` replaced, as one `action` event with event id `seq`.
    private static func actionEvent(_ template: Action, id: String, summary: String, seq: Int, command: String? = nil) -> String {
        var action = template
        action.id = id
        action.summary = summary
        if let command { action.command = command }
        return "id: \(seq)\nevent: action\ndata: \(String(decoding: Fixtures.json(action), as: UTF8.self))\n\n"
    }

    private static func sync(_ seq: Int, pending: Int) -> String {
        "event: sync\ndata: {\"seq\":\(seq),\"pending\":\(pending)}\n\n"
    }

    private func watch(_ sandbox: Sandbox, _ fake: FakeFeedServer, _ extra: [String] = []) throws -> Spawned {
        try Spawned(["watch", "--server", "http://127.0.0.1:\(fake.port)", "--token-file", sandbox.tokenFile("alice")] + extra, in: sandbox.directory)
    }

    private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    // MARK: - A feed that goes silent

    func testWatchReconnectsWhenTheFeedStopsSendingBytes() throws {
        let sandbox = try Sandbox(self)
        let first = Self.actionEvent(try realAction(sandbox), id: "act_silent1", summary: "before the silence", seq: 1)
        let fake = try FakeFeedServer(self) { peer, index in
            peer.write(FakeFeedServer.streamHead)
            peer.write(index == 1 ? first + Self.sync(1, pending: 1) : Self.sync(1, pending: 1))
            peer.holdSilently(seconds: 60)
        }
        let watch = try watch(sandbox, fake, ["--heartbeat-timeout", "2"])
        try eventually(timeout: 30, "watch replaced the silent connection") { fake.heads.count >= 2 }
        let resumed = fake.heads[1].lowercased()
        XCTAssertTrue(resumed.contains("last-event-id: 1"), "the reconnect resumes after the last event seen: \(resumed)")
        try eventually("watch said why it reconnected") { watch.stderr.contains("no data from the server") }
        XCTAssertEqual(lines(watch.stdout).count, 1, "the action is printed once, not again after the reconnect: \(watch.stdout)")
        XCTAssertTrue(watch.process.isRunning)
    }

    func testTheConsoleAnswersKeysWhileTheFeedIsStalledAndReconnectsAfterTheHeartbeatTimeout() throws {
        let sandbox = try Sandbox(self)
        let template = try realAction(sandbox)
        let before = Self.actionEvent(template, id: "act_stall1", summary: "Shown before the stall", seq: 1)
        let after = Self.actionEvent(template, id: "act_stall2", summary: "Shown after the reconnect", seq: 2)
        let feeds = Counter()
        let fake = try FakeFeedServer(self) { peer, _ in
            guard peer.head.hasPrefix("GET /v1/feed") else { return Self.answerREST(peer) }
            let n = feeds.next()
            // The first connection stalls after its snapshot; the next one has news.
            peer.write(FakeFeedServer.streamHead + (n == 1 ? before + Self.sync(1, pending: 1) : after + Self.sync(2, pending: 2)))
            peer.holdSilently(seconds: 120)
        }
        let tmux = try console(sandbox, fake, ["--heartbeat-timeout", "3"])
        try tmux.waitFor("Shown before the stall")
        // The feed now sends nothing while its connection stays open; keys must still work.
        for _ in 0..<2 {
            try tmux.send("?")
            try tmux.waitFor("Keys, from the key map", timeout: 10)
            try tmux.send("?")
            try eventually(timeout: 10, "help closed") { try !tmux.screen().contains("Keys, from the key map") }
        }
        // Three silent seconds later the console gives up on the connection and opens another.
        try tmux.waitFor("Shown after the reconnect", timeout: 30)
        let feedHeads = fake.heads.filter { $0.hasPrefix("GET /v1/feed") }
        XCTAssertGreaterThanOrEqual(feedHeads.count, 2)
        XCTAssertTrue(feedHeads[1].lowercased().contains("last-event-id: 1"), "the reconnect resumes after the last event seen: \(feedHeads[1])")
        XCTAssertTrue(try tmux.screen().contains("Shown before the stall"), "nothing shown before the stall is lost")
    }

    // MARK: - Hostile bytes

    func testDribbledHugeMalformedUnknownAndDuplicateEventsNeitherCrashNorStopWatch() throws {
        let sandbox = try Sandbox(self)
        let template = try realAction(sandbox)
        let dribbled = Self.actionEvent(template, id: "act_dribbled", summary: "sent one byte at a time", seq: 1)
        let malformed = "id: 2\nevent: action\ndata: {\"id\": \"act_broken\", \"status\": \n\n"
        let unknown = "id: 3\nevent: surprise\ndata: {\"whatever\": true}\n\n"
        let duplicate = Self.actionEvent(template, id: "act_twice", summary: "sent twice", seq: 4)
        let huge = Self.actionEvent(template, id: "act_huge", summary: "ten megabytes", seq: 5, command: String(repeating: "x", count: 10 << 20))
        let later = Self.actionEvent(template, id: "act_later", summary: "after the garbage", seq: 6)
        let fake = try FakeFeedServer(self) { peer, index in
            guard index == 1 else { return peer.holdSilently(seconds: 120) }
            peer.write(FakeFeedServer.streamHead)
            for byte in dribbled.utf8 {
                guard peer.write([byte]) else { return }
                usleep(500)
            }
            peer.write(malformed + unknown + duplicate + duplicate)
            peer.write(huge)
            peer.write(Self.sync(5, pending: 4) + later)
            peer.holdSilently(seconds: 120)
        }
        let watch = try watch(sandbox, fake)
        try eventually(timeout: 60, "the event after the garbage was printed") { watch.stdout.contains("act_later") }
        let out = watch.stdout
        for id in ["act_dribbled", "act_twice", "act_huge", "act_later"] {
            XCTAssertTrue(out.contains(id), "\(id) printed")
        }
        XCTAssertFalse(out.contains("act_broken"), "a malformed event is not printed as an action")
        XCTAssertTrue(watch.stderr.contains("malformed action event (id 2)"), "the malformed event is reported: \(watch.stderr.prefix(2000))")
        XCTAssertTrue(watch.stderr.contains("live at seq 5"), watch.stderr.prefix(2000).description)
        XCTAssertEqual(fake.heads.count, 1, "no reconnect was needed: the stream went on")
        XCTAssertTrue(watch.process.isRunning, "watch is still running")
        watch.kill(SIGTERM)
        XCTAssertEqual(try watch.wait(timeout: 20), 0)
    }

    func testTheConsoleSaysItSkippedAMalformedEventAndShowsTheNextOne() throws {
        let sandbox = try Sandbox(self)
        let template = try realAction(sandbox)
        let before = Self.actionEvent(template, id: "act_before", summary: "Readable before the garbage", seq: 1)
        let after = Self.actionEvent(template, id: "act_after", summary: "Readable after the garbage", seq: 3)
        let fake = try FakeFeedServer(self) { peer, _ in
            guard peer.head.hasPrefix("GET /v1/feed") else { return Self.answerREST(peer) }
            peer.write(FakeFeedServer.streamHead + before + Self.sync(1, pending: 1))
            // Late enough that the console's start-up notices are gone when this one is due.
            sleep(2)
            peer.write("id: 2\nevent: action\ndata: [[[not an action\n\n" + after)
            peer.holdSilently(seconds: 120)
        }
        let tmux = try console(sandbox, fake)
        try tmux.waitFor("Readable before the garbage")
        try tmux.waitFor("Readable after the garbage")
        try tmux.waitFor("cannot read")
    }

    // MARK: - The console against a fake server

    /// The console's REST calls to the fake server: `whoami` says alice, anything else is 404.
    private static func answerREST(_ peer: FakeFeedPeer) {
        let whoami = #"{"id":"alice","roles":["approver"],"groups":[]}"#
        if peer.head.hasPrefix("GET /v1/whoami") {
            peer.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(whoami.utf8.count)\r\nConnection: close\r\n\r\n\(whoami)")
        } else {
            let body = #"{"error":"not_found","message":"not in this fake"}"#
            peer.write("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        }
    }

    private func console(_ sandbox: Sandbox, _ fake: FakeFeedServer, _ extra: [String] = []) throws -> TmuxSession {
        let binary = try TollgateBinary.url().path
        let args = ["--server", "http://127.0.0.1:\(fake.port)", "--token-file", try sandbox.tokenFile("alice"), "--db", sandbox.historyPath("alice")] + extra
        return try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
    }
}

/// Counts calls from the fake server's connection threads.
private final class Counter: Sendable {
    private let count = Mutex(0)

    /// 1 on the first call, then 2, 3…
    func next() -> Int {
        count.withLock { n in
            n += 1
            return n
        }
    }
}
