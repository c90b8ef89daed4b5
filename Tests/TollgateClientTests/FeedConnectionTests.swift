import Foundation
import TollgateCore
import XCTest

@testable import TollgateClient

/// The feed against a scripted local server: events, reconnects, refusals, silence, dribbles.
final class FeedConnectionTests: XCTestCase {
    private let fast = FeedOptions(heartbeatTimeout: 5, maxBackoff: 0.2, initialBackoff: 0.05)

    private func connect(
        _ server: TestHTTPServer, lastEventID: Int64? = nil, options: FeedOptions? = nil, log: UpdateLog
    ) -> FeedConnection {
        let feed = FeedConnection(
            endpoint: ServerEndpoint(baseURL: server.baseURL, token: "feed-token"), lastEventID: lastEventID,
            options: options ?? fast, onUpdate: log.callback
        )
        addTeardownBlock {
            feed.stop()
            server.stop()
        }
        feed.start()
        return feed
    }

    /// Stops the feed and checks that `.stopped` is its last word.
    private func stopAndWait(_ feed: FeedConnection, _ log: UpdateLog, file: StaticString = #filePath, line: UInt = #line) {
        feed.stop()
        XCTAssertTrue(log.waitForState { $0 == .stopped }, "no .stopped after stop()", file: file, line: line)
        XCTAssertTrue(eventually { feed.control.hasEnded }, "the feed thread did not end", file: file, line: line)
        if case .state(.stopped)? = log.all.last {} else { XCTFail("last update is \(String(describing: log.all.last))", file: file, line: line) }
    }

    // MARK: - Events in

    func testDeliversEventsInOrderAndGoesLiveOnSync() throws {
        let action = Fixtures.action()
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream(contentType: "text/event-stream; charset=utf-8")
            connection.send(": keepalive\n\n" + Fixtures.actionEvent(action, id: 1) + Fixtures.syncEvent(seq: 1, pending: 1, id: 1))
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(log.waitForState { $0 == .live })
        XCTAssertEqual(
            log.all,
            [
                .state(.connecting), .event(.action(action, seq: 1)), .event(.sync(seq: 1, pending: 1)), .state(.live),
            ])
        XCTAssertEqual(feed.lastEventID, 1)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/v1/feed")
        XCTAssertEqual(request.header("Accept"), "text/event-stream")
        XCTAssertEqual(request.header("Authorization"), "Bearer feed-token")
        XCTAssertNil(request.header("Last-Event-ID"), "a first connect asks for the snapshot")
        stopAndWait(feed, log)
    }

    func testMalformedEventIsReportedAndTheStreamGoesOn() throws {
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream()
            connection.send("id: 4\nevent: action\ndata: {\"id\": 12}\n\n" + Fixtures.syncEvent(seq: 4, pending: 0))
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(log.waitForState { $0 == .live })
        let malformed = log.all.compactMap { if case .malformed(let m) = $0 { m } else { nil } }
        XCTAssertEqual(malformed.count, 1)
        XCTAssertEqual(malformed.first?.id, "4")
        XCTAssertEqual(feed.lastEventID, 4, "a malformed event's id still counts")
        stopAndWait(feed, log)
    }

    func testDribbledBytesWithCRLFAndSplitDataLines() throws {
        let action = Fixtures.action(summary: "Grant “admin” to ünïcode user")
        // Pretty-printed JSON over many data: lines, CRLF line ends, one byte per write.
        let dataLines = Fixtures.json(action, pretty: true).split(separator: "\n").map { "data: \($0)\r\n" }.joined()
        let body = ": hello\r\nretry: 50\r\nid: 9\r\nevent: action\r\n\(dataLines)\r\n" + Fixtures.syncEvent(seq: 9, pending: 1)
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream()
            for byte in body.utf8 {
                guard connection.send([byte]) else { return }
                usleep(20)
            }
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(log.waitForState(timeout: 30) { $0 == .live })
        XCTAssertEqual(log.events, [.action(action, seq: 9), .sync(seq: 9, pending: 1)])
        stopAndWait(feed, log)
    }

    // MARK: - Reconnecting

    func testReconnectsAfterTheServerClosesAndSendsLastEventID() throws {
        let server = try TestHTTPServer { index, _, connection in
            connection.startEventStream()
            if index == 0 {
                // Id 8 is dispatched without data: it moves the position all the same.
                connection.send("retry: 20\n" + Fixtures.actionEvent(Fixtures.action(), id: 7) + "id: 8\n\n")
                return
            }
            connection.send(Fixtures.syncEvent(seq: 8, pending: 1))
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(server.waitForRequests(2))
        XCTAssertEqual(server.requests[1].header("Last-Event-ID"), "8")
        XCTAssertTrue(log.waitForState { $0 == .live })
        XCTAssertTrue(log.states.contains(.offline("the server closed the feed")))
        XCTAssertTrue(log.states.contains { if case .reconnecting(_, 1) = $0 { true } else { false } })
        stopAndWait(feed, log)
    }

    func testSendsTheCallersPositionAndAdoptsTheSyncSequence() throws {
        let server = try TestHTTPServer { index, _, connection in
            connection.startEventStream()
            if index == 0 {
                connection.send("retry: 10\n\n" + Fixtures.syncEvent(seq: 57, pending: 0, id: 50))
                return
            }
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, lastEventID: 41, log: log)

        XCTAssertTrue(server.waitForRequests(2))
        XCTAssertEqual(server.requests[0].header("Last-Event-ID"), "41")
        XCTAssertEqual(server.requests[1].header("Last-Event-ID"), "57", "sync.seq is the position, not the event id")
        XCTAssertEqual(feed.lastEventID, 57)
        stopAndWait(feed, log)
    }

    func testHeartbeatTimeoutTriggersAReconnect() throws {
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream()
            connection.send(Fixtures.syncEvent(seq: 3, pending: 0, id: 3))
            // Then silence, until the client gives up on this connection.
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, options: FeedOptions(heartbeatTimeout: 1, maxBackoff: 0.2, initialBackoff: 0.05), log: log)

        XCTAssertTrue(server.waitForRequests(2, timeout: 20))
        XCTAssertEqual(server.requests[1].header("Last-Event-ID"), "3")
        XCTAssertTrue(log.states.contains(.offline("no data from the server for 1 s")), "\(log.states)")
        stopAndWait(feed, log)
    }

    func testServerErrorsAndWrongContentTypeAreRetried() throws {
        let server = try TestHTTPServer { index, _, connection in
            switch index {
            case 0:
                connection.respond(status: 503, contentType: "text/html", body: "<h1>Service\nUnavailable</h1>")
            case 1:
                connection.respond(status: 200, contentType: "text/html", body: "<html>login portal</html>")
            case 2:
                connection.respond(status: 500, contentType: "application/json", body: Fixtures.protocolError("internal", "database is locked"))
            default:
                connection.startEventStream()
                connection.send(Fixtures.syncEvent(seq: 1, pending: 0))
                connection.waitUntilClientCloses()
            }
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(log.waitForState { $0 == .live })
        let reasons = log.states.compactMap { if case .offline(let r) = $0 { r } else { nil } }
        XCTAssertEqual(
            reasons,
            [
                "HTTP 503 from the server: <h1>Service Unavailable</h1>",
                "the server answered 200 with text/html, not an event stream",
                "server refused (HTTP 500, internal): database is locked",
            ])
        let attempts = log.states.compactMap { if case .reconnecting(_, let n) = $0 { n } else { nil } }
        XCTAssertEqual(attempts, [1, 2, 3], "failures before sync back off further each time")
        stopAndWait(feed, log)
    }

    func testConnectionRefusedIsOfflineAndRetried() throws {
        let port = try TestHTTPServer.unusedPort()
        let log = UpdateLog()
        let feed = FeedConnection(
            endpoint: ServerEndpoint(baseURL: "http://127.0.0.1:\(port)", token: "t"), lastEventID: nil, options: fast,
            onUpdate: log.callback
        )
        feed.start()

        XCTAssertTrue(log.waitForState { if case .reconnecting(_, 2) = $0 { true } else { false } })
        let reason = log.states.compactMap { if case .offline(let r) = $0 { r } else { nil } }.first ?? ""
        XCTAssertTrue(reason.contains("127.0.0.1"), reason)
        stopAndWait(feed, log)
    }

    // MARK: - Refusals and control

    func testUnauthorisedAndForbiddenStopWithoutRetrying() throws {
        for (status, code) in [(401, "unauthenticated"), (403, "forbidden")] {
            let server = try TestHTTPServer { _, _, connection in
                connection.respond(status: status, contentType: "application/json", body: Fixtures.protocolError(code, "token is not known here"))
            }
            let log = UpdateLog()
            let feed = connect(server, log: log)

            XCTAssertTrue(eventually { feed.control.hasEnded })
            XCTAssertEqual(log.states.last, .unauthorised("server refused (HTTP \(status), \(code)): token is not known here"))
            XCTAssertEqual(server.requests.count, 1, "HTTP \(status) must not be retried")
            XCTAssertFalse(log.states.contains(.stopped))
        }
    }

    func testReconnectNowCutsABackoffWaitShort() throws {
        let server = try TestHTTPServer { index, _, connection in
            connection.startEventStream()
            if index == 0 {
                // Ten minutes, capped to maxBackoff: far longer than this test waits.
                connection.send("retry: 600000\n\n")
                return
            }
            connection.send(Fixtures.syncEvent(seq: 1, pending: 0))
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, options: FeedOptions(heartbeatTimeout: 30, maxBackoff: 30, initialBackoff: 1), log: log)

        XCTAssertTrue(log.waitForState { if case .reconnecting = $0 { true } else { false } })
        feed.reconnectNow()
        XCTAssertTrue(server.waitForRequests(2))
        XCTAssertTrue(log.waitForState { $0 == .live })
        stopAndWait(feed, log)
    }

    func testReconnectNowReplacesALiveConnection() throws {
        let server = try TestHTTPServer { index, _, connection in
            connection.startEventStream()
            connection.send(Fixtures.syncEvent(seq: Int64(index + 1), pending: 0, id: Int64(index + 1)))
            connection.waitUntilClientCloses()
        }
        let log = UpdateLog()
        let feed = connect(server, log: log)

        XCTAssertTrue(log.waitForState { $0 == .live })
        feed.reconnectNow()
        XCTAssertTrue(server.waitForRequests(2))
        XCTAssertEqual(server.requests[1].header("Last-Event-ID"), "1")
        XCTAssertTrue(log.wait { $0.filter { $0 == .state(.live) }.count == 2 })
        stopAndWait(feed, log)
    }

    func testStopDuringABackoffWait() throws {
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream()
            connection.send("retry: 600000\n\n")
        }
        let log = UpdateLog()
        let feed = connect(server, options: FeedOptions(heartbeatTimeout: 30, maxBackoff: 30, initialBackoff: 1), log: log)

        XCTAssertTrue(log.waitForState { if case .reconnecting = $0 { true } else { false } })
        stopAndWait(feed, log)
        XCTAssertEqual(server.requests.count, 1)
    }

    func testStopFromInsideTheCallback() throws {
        let server = try TestHTTPServer { _, _, connection in
            connection.startEventStream()
            connection.send(Fixtures.actionEvent(Fixtures.action(id: "a"), id: 1) + Fixtures.actionEvent(Fixtures.action(id: "b"), id: 2))
            connection.waitUntilClientCloses()
        }
        let holder = FeedHolder()
        let log = UpdateLog { update in
            if case .event = update { holder.feed?.stop() }
        }
        let feed = FeedConnection(
            endpoint: ServerEndpoint(baseURL: server.baseURL, token: "t"), lastEventID: nil, options: fast, onUpdate: log.callback
        )
        holder.feed = feed
        defer {
            holder.feed = nil
            server.stop()
        }
        feed.start()

        XCTAssertTrue(log.waitForState { $0 == .stopped })
        XCTAssertEqual(log.events.count, 1, "no event is delivered once stop() returned")
    }

    func testAConnectionStartsOnceAndNeverAfterStop() {
        let control = FeedControl(position: nil)
        XCTAssertTrue(control.claimStart())
        XCTAssertFalse(control.claimStart())
        let stopped = FeedControl(position: 5)
        stopped.requestStop()
        XCTAssertFalse(stopped.claimStart())
        XCTAssertEqual(stopped.lastEventID, 5)
    }

    func testEventStreamContentTypeMatching() {
        XCTAssertTrue(FeedWorker.isEventStream("text/event-stream"))
        XCTAssertTrue(FeedWorker.isEventStream("Text/Event-Stream ; charset=utf-8"))
        XCTAssertFalse(FeedWorker.isEventStream("text/event-streams"))
        XCTAssertFalse(FeedWorker.isEventStream("application/json"))
    }
}

/// Lets a callback reach the connection it belongs to, which exists only after the callback does.
private final class FeedHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: FeedConnection?
    var feed: FeedConnection? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
