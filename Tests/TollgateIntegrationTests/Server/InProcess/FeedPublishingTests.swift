import Foundation
import Hummingbird
import TollgateCore
import XCTest

@testable import TollgateServer

/// Changes reach the feed after the ledger's writer is free, yet in strict sequence order,
/// and a committed change is published even when its request is cancelled.
class FeedPublishingTests: LedgerBackendTestCase {
    private func agentEntry(_ server: InProcessServer) throws -> TokenEntry {
        let token = try XCTUnwrap(server.tokens["agent-1"])
        return try XCTUnwrap(server.server.live.current.registry.authenticate(token))
    }

    /// Every take for subscriber `id` until nil, as the writer does, concatenated.
    private static func takeAll(_ hub: FeedHub, _ id: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        while let batch = hub.take(id) { bytes += batch.bytes.readableBytesView }
        return bytes
    }

    /// The action events in `bytes`, as (seq, action id).
    private func actionEvents(_ bytes: [UInt8]) throws -> [(seq: Int64, id: String)] {
        var parser = SSEParser()
        return try parser.feed(bytes).compactMap { event in
            guard case .action(let action, let seq?) = try FeedEvent.decode(event) else { return nil }
            return (seq, action.id)
        }
    }

    func testConcurrentSubmissionsReachASubscriberInStrictSequenceOrder() async throws {
        let server = try await InProcessServer.make(self)
        let service = server.service
        let entry = try agentEntry(server)
        let subscription = service.hub.subscribe(lastEventID: nil)
        let count = 200
        let submitted = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<count {
                group.addTask { try await service.submit(Fixtures.request(summary: "burst \(i)"), by: entry, idempotencyKey: nil).action.id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        // Every submission has returned, so every change has been released.
        let events = try actionEvents(Self.takeAll(service.hub, subscription.id))
        XCTAssertEqual(events.map(\.seq), Array(1...Int64(count)), "every event once, in sequence order")
        XCTAssertEqual(Set(events.map(\.id)), submitted)
    }

    func testSubmissionsCancelledAtAnyPointArePublishedExactlyWhenCommitted() async throws {
        let server = try await InProcessServer.make(self)
        let service = server.service
        let entry = try agentEntry(server)
        let subscription = service.hub.subscribe(lastEventID: nil)
        let tasks = (0..<300).map { i in
            Task { try await service.submit(Fixtures.request(summary: "cancellable \(i)"), by: entry, idempotencyKey: nil) }
        }
        // Cancel two in three, each after a different number of scheduler turns, so the
        // cancellations land before, during and after the write.
        for (i, task) in tasks.enumerated() where i % 3 != 0 {
            Task {
                for _ in 0..<(i % 11) { await Task.yield() }
                task.cancel()
            }
        }
        var answered = Set<String>()
        for task in tasks {
            if let stored = try? await task.value { answered.insert(stored.action.id) }
        }

        let committed = try await service.list(status: nil, since: nil, limit: 500, after: nil)
        XCTAssertGreaterThanOrEqual(committed.count, 100, "the uncancelled third at least")
        XCTAssertTrue(answered.isSubset(of: Set(committed.map(\.id))))
        let events = try actionEvents(Self.takeAll(service.hub, subscription.id))
        XCTAssertEqual(events.map(\.seq), Array(1...Int64(committed.count)), "one event per commit, in order, none stranded")
        XCTAssertEqual(Set(events.map(\.id)), Set(committed.map(\.id)))
    }

    func testSubmitAndDecideAnswerWithTheJSONTheFeedCarries() async throws {
        let server = try await InProcessServer.make(self)
        let subscription = server.service.hub.subscribe(lastEventID: nil)
        try await server.run { api in
            let submitted = try await api.submitResponse(Fixtures.request())
            XCTAssertEqual(submitted.status, .created)
            let action = try submitted.action()
            let decided = try await api.decide(action, .approve, as: "alice")
            XCTAssertEqual(decided.status, .ok)
            var parser = SSEParser()
            let data = parser.feed(Self.takeAll(server.service.hub, subscription.id)).map(\.data)
            XCTAssertEqual(data, [submitted.text, decided.text], "the stored JSON, byte for byte")
            let read = try await api.get("/v1/actions/\(action.id)", as: "audrey")
            XCTAssertEqual(read.text, decided.text)
        }
    }
}
