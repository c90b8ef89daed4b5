import Foundation
import Synchronization
import TollgateCore
import XCTest

/// What the server acknowledged survives a restart and a crash, and sequence numbers go on.
class DurabilityTests: LedgerBackendTestCase {
    func testARestartKeepsActionsDecisionsAndSequenceNumbers() throws {
        let sandbox = try Sandbox(self)
        var server = try sandbox.startServer()
        var agent = try sandbox.client(server, as: "agent-1")
        let done = try agent.submit(Fixtures.request(summary: "done"))  // 1
        let half = try agent.submit(Fixtures.request(summary: "half", approvals: 2))  // 2
        _ = try sandbox.client(server, as: "alice").decide(done, .approve)  // 3
        _ = try sandbox.client(server, as: "alice").decide(half, .approve)  // 4
        let before = try FeedStream(port: server.port, token: try sandbox.token("audrey"))
        let position = try XCTUnwrap(try before.readUntilSync().sync)
        before.close()
        XCTAssertEqual(position.seq, 4)
        XCTAssertEqual(try server.stop(), 0, "SIGTERM is a clean stop")

        server = try sandbox.startServer()
        agent = try sandbox.client(server, as: "agent-1")
        let doneAfter = try agent.action(done.id)
        XCTAssertEqual(doneAfter.status, .approved)
        XCTAssertEqual(doneAfter.decisions.map(\.approver), ["alice"])
        XCTAssertEqual(doneAfter.digest, done.digest)
        let halfAfter = try agent.action(half.id)
        XCTAssertEqual(halfAfter.status, .pending)
        XCTAssertEqual(halfAfter.decisions.map(\.approver), ["alice"])

        let snapshot = try FeedStream(port: server.port, token: try sandbox.token("audrey"))
        defer { snapshot.close() }
        let batch = try snapshot.readUntilSync()
        XCTAssertEqual(batch.actions.map(\.action.id), [half.id])
        XCTAssertEqual(batch.sequenceNumbers, [4])
        XCTAssertEqual(batch.sync, FeedEvent.SyncData(seq: 4, pending: 1), "the sequence is where it was")

        // The replay window outlives the process: a consumer from before the restart catches up.
        let resumed = try FeedStream(port: server.port, token: try sandbox.token("audrey"), lastEventID: "2")
        defer { resumed.close() }
        let replay = try resumed.readUntilSync()
        XCTAssertEqual(replay.types, ["action", "action", "sync"])
        XCTAssertEqual(replay.sequenceNumbers, [3, 4])

        let next = try agent.submit(Fixtures.request(summary: "after the restart"))
        guard case .action(let live, let seq) = try snapshot.nextFeedEvent() else { return XCTFail("expected an action event") }
        XCTAssertEqual(live.id, next.id)
        XCTAssertEqual(seq, 5, "numbers continue; none is reused")
        let approved = try sandbox.client(server, as: "bob").decide(halfAfter, .approve)
        XCTAssertEqual(try approved.action().status, .approved, "the vote from before the restart still counts")
    }

    func testKillNineDuringABurstLosesNothingAcknowledged() throws {
        let sandbox = try Sandbox(self)
        var server = try sandbox.startServer()
        let port = server.port
        let token = try sandbox.token("agent-1")
        let acknowledged = Acknowledged()
        let workers = DispatchGroup()
        for worker in 0..<4 {
            workers.enter()
            Thread {
                defer { workers.leave() }
                Self.submitUntilTheServerDies(port: port, token: token, worker: worker, into: acknowledged)
            }.start()
        }
        try eventually(timeout: 60, "40 acknowledged submissions") { acknowledged.count >= 40 }
        server.kill()
        XCTAssertEqual(workers.wait(timeout: .now() + 60), .success, "every submitter noticed the crash")
        let acked = acknowledged.actions
        XCTAssertGreaterThanOrEqual(acked.count, 40)

        server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        for action in acked {
            let stored = try agent.action(action.id)
            XCTAssertEqual(stored.digest, action.digest, "\(action.id) came back as acknowledged")
            XCTAssertEqual(stored.status, .pending)
        }
        let feed = try FeedStream(port: server.port, token: try sandbox.token("audrey"))
        defer { feed.close() }
        let batch = try feed.readUntilSync()
        XCTAssertTrue(Set(batch.actions.map(\.action.id)).isSuperset(of: acked.map(\.id)), "every acknowledged action is pending in the feed")
        let sync = try XCTUnwrap(batch.sync)
        let after = try agent.submit(Fixtures.request(summary: "after the crash"))
        guard case .action(let live, let seq) = try feed.nextFeedEvent() else { return XCTFail("expected an action event") }
        XCTAssertEqual(live.id, after.id)
        XCTAssertEqual(seq, sync.seq + 1)
        XCTAssertGreaterThanOrEqual(sync.seq, Int64(acked.count), "each acknowledged submission took a number")
    }

    /// Submits on one keep-alive connection until a request fails, recording each 201.
    private static func submitUntilTheServerDies(port: Int, token: String, worker: Int, into acknowledged: Acknowledged) {
        guard let connection = try? HTTPConnection(port: port) else { return }
        defer { connection.close() }
        var i = 0
        while true {
            i += 1
            let body = Fixtures.json(Fixtures.request(summary: "burst \(worker)-\(i)"))
            let headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
            guard let response = try? connection.request("POST", "/v1/actions", headers: headers, body: body, timeout: 30),
                response.status == 201, let action = try? response.action()
            else { return }
            acknowledged.append(action)
        }
    }
}

/// Actions the server answered 201 for, collected from several threads.
final class Acknowledged: Sendable {
    private let list = Mutex<[Action]>([])

    func append(_ action: Action) { list.withLock { $0.append(action) } }
    var count: Int { list.withLock { $0.count } }
    var actions: [Action] { list.withLock { $0 } }
}
