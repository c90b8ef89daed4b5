import Foundation
import TollgateCore
import XCTest

/// The feed on the real binary when a consumer reads slower than actions arrive: events are
/// coalesced, never reordered or lost; one too far behind is cut after what it had buffered
/// and its reconnect replays the rest.
class FeedBackpressureTests: LedgerBackendTestCase {
    func testASlowReaderReceivesEveryEventInOrder() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        let start = try XCTUnwrap(try feed.readUntilSync().sync).seq
        let agent = try sandbox.client(server, as: "agent-1")
        let count = 300
        let acknowledged = Acknowledged()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { done.signal() }
            for i in 0..<count {
                guard let action = try? agent.submit(Fixtures.request(summary: "burst \(i)")) else { return }
                acknowledged.append(action)
            }
        }

        var received: [(seq: Int64?, id: String)] = []
        while received.count < count {
            usleep(2_000)  // a reader slower than the submissions, so events pile up between reads
            if case .action(let action, let seq) = try feed.nextFeedEvent() { received.append((seq, action.id)) }
        }
        done.wait()
        XCTAssertEqual(acknowledged.count, count, "every submission was answered 201")
        XCTAssertEqual(received.map(\.seq), (1...count).map { start + Int64($0) }, "every event, once, in sequence order")
        XCTAssertEqual(received.map(\.id), acknowledged.actions.map(\.id), "in the order they were committed")
    }

    func testAReaderTooFarBehindIsCutAfterItsBufferAndItsReconnectReplaysTheRest() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quietConfig + "\n[feed]\nsubscriber_buffer = 16\n")
        let server = try sandbox.startServer()
        let feed = try FeedStream(port: server.port, token: try sandbox.token("alice"))
        defer { feed.close() }
        XCTAssertEqual(try feed.readUntilSync().sync?.seq, 0)

        // 100 actions of ~200 KB each: far more than the socket buffers hold while nobody reads,
        // so the server's writer stalls and the subscriber's queue passes 16.
        let agent = try sandbox.client(server, as: "agent-1")
        let big = String(repeating: "+a line of configuration that changes in this plan\n", count: 4_000)
        var submitted: [String] = []
        for i in 0..<100 {
            var request = Fixtures.request(summary: "large \(i)")
            request.diffs = [ActionDiff(title: "plan", format: "unified", text: big)]
            submitted.append(try agent.submit(request).id)
        }

        var received: [(seq: Int64, id: String)] = []
        do {
            while true {
                // The ended response leaves the connection open (keep-alive): silence is the end here.
                if case .action(let action, let seq?) = try feed.nextFeedEvent(timeout: 5) { received.append((seq, action.id)) }
            }
        } catch {
            // The server ended the stream after what it had queued.
        }
        XCTAssertLessThan(received.count, 100, "the slow reader was disconnected")
        XCTAssertGreaterThanOrEqual(received.count, 16, "after the events already buffered for it")
        let last = try XCTUnwrap(received.last?.seq)

        let again = try FeedStream(port: server.port, token: try sandbox.token("alice"), lastEventID: String(last))
        defer { again.close() }
        let replay = try again.readUntilSync(timeout: 60)
        XCTAssertFalse(replay.types.contains("reset"), "within the replay window: no reset")
        let all = received.map(\.seq) + replay.actions.compactMap(\.seq)
        XCTAssertEqual(all, Array(1...100), "nothing lost, nothing repeated, in order")
        XCTAssertEqual(received.map(\.id) + replay.actions.map(\.action.id), submitted)
    }
}
