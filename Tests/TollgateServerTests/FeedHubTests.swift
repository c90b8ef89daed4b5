import Foundation
import Hummingbird
import Logging
import Synchronization
import TollgateCore
import XCTest

@testable import TollgateServer

/// The feed hub's delivery rules, without sockets: coalescing, the slow-subscriber rule,
/// replay then live, keepalives, staged changes released in order, shutdown and waiters.
final class FeedHubTests: XCTestCase {
    // MARK: - Helpers

    private func makeHub(buffer: Int = 4_096, window: Int = 10_000) -> FeedHub {
        FeedHub(
            window: window, subscriberBuffer: buffer, retryMilliseconds: 2_000,
            logger: Logger(label: "tollgate.test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// A change to action `id` with event number `seq`.
    private static func change(_ seq: Int64, id: String? = nil, status: ActionStatus = .pending) -> Ledger.Event {
        let actionID = id ?? "act_\(seq)"
        return Ledger.Event(seq: seq, actionID: actionID, isPending: status == .pending, json: "{\"id\":\"\(actionID)\",\"seq\":\(seq)}")
    }

    private func publish(_ hub: FeedHub, _ seqs: ClosedRange<Int64>) {
        for seq in seqs {
            hub.stage([Self.change(seq)])
            hub.release()
        }
    }

    private func events(_ buffers: [ByteBuffer]) -> [SSEEvent] {
        var parser = SSEParser()
        return buffers.flatMap { parser.feed(Array($0.readableBytesView)) }
    }

    private func events(_ buffer: ByteBuffer?) -> [SSEEvent] { events(buffer.map { [$0] } ?? []) }

    /// Every take until nil, as the writer does.
    private func takeAll(_ hub: FeedHub, _ id: Int) -> [ByteBuffer] {
        var taken: [ByteBuffer] = []
        while let batch = hub.take(id) { taken.append(batch.bytes) }
        return taken
    }

    private func ids(_ events: [SSEEvent]) -> [Int64] { events.filter { $0.type == "action" }.compactMap { Int64($0.lastEventID) } }

    /// Every doorbell ring until the stream ends (it must end, or the test hangs and times out).
    private func drain(_ doorbell: AsyncStream<Void>) async -> Int {
        var rings = 0
        for await _ in doorbell { rings += 1 }
        return rings
    }

    // MARK: - Coalescing

    func testEventsQueuedWhileTheWriterIsBusyAreTakenAsOneBufferInOrder() async {
        let hub = makeHub()
        let subscription = hub.subscribe(lastEventID: nil)
        XCTAssertEqual(events(subscription.initial).map(\.type), ["sync"])
        publish(hub, 1...50)

        var bell = subscription.doorbell.makeAsyncIterator()
        let rang: Void? = await bell.next()
        XCTAssertNotNil(rang, "the first queued event rings the doorbell")
        let batch = hub.take(subscription.id)
        XCTAssertEqual(batch?.events, 50)
        XCTAssertEqual(ids(events(batch?.bytes)), Array(1...50), "fifty events in one take, in sequence order")
        XCTAssertNil(hub.take(subscription.id)?.bytes, "nothing left once taken")

        // The doorbell rang once for the fifty; after the take it rings again for the next event.
        publish(hub, 51...51)
        let again: Void? = await bell.next()
        XCTAssertNotNil(again)
        XCTAssertEqual(ids(events(hub.take(subscription.id)?.bytes)), [51])
    }

    func testEverySubscriberGetsTheSameFrame() {
        let hub = makeHub()
        let a = hub.subscribe(lastEventID: nil), b = hub.subscribe(lastEventID: nil)
        publish(hub, 1...1)
        let fromA = hub.take(a.id)?.bytes, fromB = hub.take(b.id)?.bytes
        XCTAssertEqual(fromA, fromB)
        XCTAssertEqual(fromA.map { String(buffer: $0) }, "id: 1\nevent: action\ndata: {\"id\":\"act_1\",\"seq\":1}\n\n")
    }

    func testATakeCopiesAtMostAbout256KBAndTheNextTakesGetTheRest() {
        let hub = makeHub()
        let subscription = hub.subscribe(lastEventID: nil)
        let big = String(repeating: "x", count: 100_000)
        for seq in Int64(1)...5 {
            hub.stage([Ledger.Event(seq: seq, actionID: "act_\(seq)", isPending: true, json: "{\"pad\":\"\(big)\"}")])
            hub.release()
        }
        let takes = takeAll(hub, subscription.id)
        XCTAssertEqual(takes.map { ids(events($0)).count }, [2, 2, 1], "two 100 KB events fit in a take, a third does not")
        XCTAssertEqual(ids(events(takes)), [1, 2, 3, 4, 5])
    }

    // MARK: - Slow subscribers

    func testASubscriberTooFarBehindGetsWhatWasQueuedThenEndsAndItsReconnectReplaysTheRest() async {
        let hub = makeHub(buffer: 16)
        let slow = hub.subscribe(lastEventID: nil)
        let fast = hub.subscribe(lastEventID: nil)
        publish(hub, 1...10)
        XCTAssertEqual(ids(events(hub.take(fast.id)?.bytes)), Array(1...10))
        publish(hub, 11...20)

        XCTAssertEqual(hub.subscriberCount, 1, "the slow one is disconnected, the fast one stays")
        let slowRings = await drain(slow.doorbell)
        XCTAssertLessThanOrEqual(slowRings, 1, "the slow one's doorbell ends")
        XCTAssertEqual(ids(events(hub.take(slow.id)?.bytes)), Array(1...16), "it still gets the 16 it had queued")
        XCTAssertNil(hub.take(slow.id)?.bytes)
        hub.unsubscribe(slow.id)
        XCTAssertEqual(ids(events(hub.take(fast.id)?.bytes)), Array(11...20))

        let back = hub.subscribe(lastEventID: 16)
        let replay = events(back.initial)
        XCTAssertEqual(ids(replay), Array(17...20))
        XCTAssertEqual(replay.last?.type, "sync")
        XCTAssertEqual(replay.last?.data, "{\"seq\":20,\"pending\":20}")
    }

    func testTheLogKeepsWhatASubscriberStillNeedsButReplaysOnlyTheWindow() {
        let hub = makeHub(buffer: 16, window: 2)
        let behind = hub.subscribe(lastEventID: nil)
        publish(hub, 1...5)
        let late = events(hub.subscribe(lastEventID: 1).initial)
        XCTAssertEqual(late.first?.type, "reset", "1 is outside a window of 2")
        XCTAssertEqual(ids(events(hub.subscribe(lastEventID: 3).initial)), [4, 5], "the window replays")
        XCTAssertEqual(ids(events(takeAll(hub, behind.id))), [1, 2, 3, 4, 5], "the subscriber behind still gets all it was owed")
        publish(hub, 6...8)
        XCTAssertEqual(ids(events(takeAll(hub, behind.id))), [6, 7, 8])
    }

    // MARK: - Replay then live

    func testAReplayThenLiveHasNoGapAndNoDuplicate() {
        let hub = makeHub()
        publish(hub, 1...5)
        let subscription = hub.subscribe(lastEventID: 2)
        let initial = events(subscription.initial)
        XCTAssertEqual(ids(initial), [3, 4, 5])
        XCTAssertEqual(initial.last?.type, "sync")
        XCTAssertEqual(initial.last?.lastEventID, "5")
        XCTAssertNil(hub.take(subscription.id)?.bytes, "nothing live yet")

        // Staged but not yet released when the subscriber arrived: it comes live, not in the replay.
        hub.stage([Self.change(6)])
        let late = hub.subscribe(lastEventID: 5)
        XCTAssertEqual(ids(events(late.initial)), [])
        hub.release()
        XCTAssertEqual(ids(events(hub.take(subscription.id)?.bytes)), [6])
        XCTAssertEqual(ids(events(hub.take(late.id)?.bytes)), [6])
    }

    // MARK: - Keepalives

    func testKeepalivesGoOnlyToSubscribersWithNothingQueued() {
        let hub = makeHub()
        let idle = hub.subscribe(lastEventID: nil)
        let busy = hub.subscribe(lastEventID: nil)
        publish(hub, 1...1)
        XCTAssertNotNil(hub.take(idle.id)?.bytes)
        hub.keepalive()
        XCTAssertEqual((hub.take(idle.id)?.bytes).map { String(buffer: $0) }, ": keepalive\n")
        let queued = (hub.take(busy.id)?.bytes).map { String(buffer: $0) } ?? ""
        XCTAssertEqual(ids(events(hub.take(busy.id)?.bytes)), [], "one take had everything")
        XCTAssertFalse(queued.contains("keepalive"), "an event was queued: it needs no comment")
        XCTAssertTrue(queued.hasPrefix("id: 1\n"), queued)
    }

    // MARK: - Staging and releasing

    func testChangesStagedByOneWriteAreReleasedByTheNextOneInOrder() {
        let hub = makeHub()
        let subscription = hub.subscribe(lastEventID: nil)
        // A request that committed and stopped before its release: its change waits, staged.
        hub.stage([Self.change(1)])
        hub.stage([Self.change(2), Self.change(3, id: "act_1", status: .approved)])
        XCTAssertNil(hub.take(subscription.id)?.bytes)
        XCTAssertEqual(hub.lastSeq, 0)
        hub.release()
        XCTAssertEqual(ids(events(hub.take(subscription.id)?.bytes)), [1, 2, 3])
        XCTAssertEqual(hub.lastSeq, 3)
        hub.release()
        XCTAssertNil(hub.take(subscription.id)?.bytes, "a release with nothing staged publishes nothing")

        let snapshot = events(hub.subscribe(lastEventID: nil).initial)
        XCTAssertEqual(ids(snapshot), [2], "act_1 was resolved by event 3: only act_2 is pending")
        XCTAssertEqual(snapshot.last?.data, "{\"seq\":3,\"pending\":1}")
    }

    func testConcurrentReleasesDeliverStrictlyInStagingOrder() async {
        let hub = makeHub(buffer: 100_000)
        let subscription = hub.subscribe(lastEventID: nil)
        let count: Int64 = 2_000
        let stager = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while true {
                        // Staging is serialised like the ledger's writer; releases race freely.
                        guard stager.stageNext(on: hub, upTo: count, make: { Self.change($0) }) else { return }
                        hub.release()
                    }
                }
            }
        }
        XCTAssertEqual(ids(events(takeAll(hub, subscription.id))), Array(1...count))
    }

    // MARK: - Shutdown and waiters

    func testCloseEndsEverySubscriptionAfterWhatItHasQueued() async {
        let hub = makeHub()
        let subscription = hub.subscribe(lastEventID: nil)
        publish(hub, 1...3)
        hub.close()
        let rings = await drain(subscription.doorbell)
        XCTAssertLessThanOrEqual(rings, 1)
        XCTAssertEqual(ids(events(hub.take(subscription.id)?.bytes)), [1, 2, 3])
        let late = hub.subscribe(lastEventID: nil)
        let lateRings = await drain(late.doorbell)
        XCTAssertEqual(lateRings, 0, "a subscriber arriving after close ends at once")
        XCTAssertEqual(events(late.initial).last?.type, "sync", "after its initial part")
        XCTAssertNil(hub.waiter(for: "act_1"))
    }

    func testAReleaseWakesTheWaitersOfTheChangedAction() async throws {
        let hub = makeHub()
        let (stream, _) = try XCTUnwrap(hub.waiter(for: "act_7"))
        let (other, otherToken) = try XCTUnwrap(hub.waiter(for: "act_8"))
        hub.stage([Self.change(1, id: "act_7")])
        hub.release()
        var iterator = stream.makeAsyncIterator()
        let woke: Void? = await iterator.next()
        XCTAssertNotNil(woke)
        hub.removeWaiter(for: "act_8", token: otherToken)
        var otherIterator = other.makeAsyncIterator()
        let otherWoke: Void? = await otherIterator.next()
        XCTAssertNil(otherWoke, "a waiter on another action is not woken, only ended when removed")
    }
}

/// Hands out sequence numbers and stages them one at a time, as the ledger's single writer does.
private final class Counter: Sendable {
    private let next = Mutex<Int64>(1)

    func stageNext(on hub: FeedHub, upTo last: Int64, make: (Int64) -> Ledger.Event) -> Bool {
        next.withLock { n in
            guard n <= last else { return false }
            hub.stage([make(n)])
            n += 1
            return true
        }
    }
}
