import Foundation
import Synchronization
import TollgateCore
import XCTest

/// A feed subscriber on a thread of its own that keeps every event it receives until an action
/// with a given summary arrives. When its connection ends it moves to the next of its servers
/// and resumes after the last id it saw (`Last-Event-ID`), as an EventSource behind a load
/// balancer would.
final class FeedRecorder: Sendable {
    /// One event as it arrived.
    struct Received: Sendable {
        var type: String
        var id: String
        var data: String
    }

    private struct State {
        var events: [Received] = []
        /// One line per connection: where it went and the position it resumed after.
        var connections: [String] = []
        /// Why each connection (or attempt) ended.
        var endings: [String] = []
        var synced = false
        var done = false
        var stopped = false
    }

    let name: String
    private let state = Mutex(State())

    /// Subscribes as the holder of `token` to `servers` (ports, the first first) from the start of
    /// the log (`Last-Event-ID: 0`), and records until an action event with summary `last`.
    /// `test`'s teardown stops it if it is still running.
    init(_ test: XCTestCase, _ name: String, token: String, servers: [Int], until last: String) {
        self.name = name
        test.addTeardownBlock { [weak self] in self?.state.withLock { $0.stopped = true } }
        Thread { [self] in record(token: token, servers: servers, until: last) }.start()
    }

    var events: [Received] { state.withLock { $0.events } }
    var connections: [String] { state.withLock { $0.connections } }
    var endings: [String] { state.withLock { $0.endings } }
    /// The first connection's replay is over (its `sync` came): the recorder is live.
    var isLive: Bool { state.withLock { $0.synced } }
    /// The action with the awaited summary arrived.
    var isDone: Bool { state.withLock { $0.done } }

    private func record(token: String, servers: [Int], until last: String) {
        var position = "0"
        var index = 0
        while !state.withLock({ $0.done || $0.stopped }) {
            let port = servers[index % servers.count]
            do {
                let feed = try FeedStream(port: port, token: token, lastEventID: position, timeout: 60)
                defer { feed.close() }
                guard feed.head.status == 200 else { throw HTTPClientError("the feed answered \(feed.head.status)") }
                state.withLock { $0.connections.append("port \(port) after \(position)") }
                while !state.withLock({ $0.stopped }) {
                    // Minutes: a feed this quiet is stuck, and the test's own wait says so first.
                    let event = try feed.nextEvent(timeout: 300)
                    if !event.lastEventID.isEmpty { position = event.lastEventID }
                    let isLast = event.type == "action" && (try? Action(json: event.data))?.summary == last
                    state.withLock {
                        $0.events.append(Received(type: event.type, id: event.lastEventID, data: event.data))
                        if event.type == "sync" { $0.synced = true }
                        $0.done = isLast
                    }
                    if isLast { return }
                }
            } catch {
                state.withLock { $0.endings.append("port \(port): \(error)") }
                index += 1
                // Not a test of time: a pause so a subscriber that is refused does not spin.
                usleep(20_000)
            }
        }
    }

    /// Checks that this subscriber received each event of `log` (the committed events, oldest
    /// first) exactly once, in order, with the committed data, and never a `reset`.
    func assertReceived(_ log: [(seq: Int64, json: String)], file: StaticString = #filePath, line: UInt = #line) {
        let (events, connections, endings) = state.withLock { ($0.events, $0.connections, $0.endings) }
        let history = "connections: \(connections); endings: \(endings)"
        XCTAssertFalse(events.contains { $0.type == "reset" }, "\(name) was never reset; \(history)", file: file, line: line)
        let actions = events.filter { $0.type == "action" }
        let received = actions.map(\.id)
        let committed = log.map { String($0.seq) }
        if let first = zip(received, committed).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            XCTFail(
                "\(name) received event \(first.element.0) where \(first.element.1) was committed (event #\(first.offset + 1)); \(history)",
                file: file, line: line)
        }
        XCTAssertEqual(received.count, committed.count, "\(name) received as many events as were committed; \(history)", file: file, line: line)
        let committedData = Dictionary(log.map { (String($0.seq), $0.json) }, uniquingKeysWith: { first, _ in first })
        let altered = actions.filter { event in committedData[event.id].map { $0 != event.data } ?? false }.map(\.id)
        XCTAssertEqual(Array(altered.prefix(10)), [], "\(name) received each event with the data committed under its id", file: file, line: line)
    }
}
