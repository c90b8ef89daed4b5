import Hummingbird
import Logging
import Synchronization
import TollgateCore

/// Fans feed events out to every subscriber and answers reconnects from a replay window.
///
/// It holds, under one lock: the last sequence number, a ring of the most recent encoded
/// events, the encoded state of every pending action (for snapshots), the subscribers and
/// the long-poll waiters. Subscribing takes the initial part (snapshot or replay, then
/// `sync`) and registers for live events in the same critical section, so a consumer sees
/// every event exactly once.
///
/// Each event is encoded once and shared by every subscriber. A subscriber is a queue under
/// the hub's lock plus a doorbell: publishing appends to the queue and rings the doorbell only
/// when the subscriber's writer has taken everything before, and the writer takes the whole
/// queue at each wake and sends it as one write. Under load that turns N events into one
/// write, one flush and one task wake-up per subscriber. Publishing never waits: a queue
/// holds at most `subscriberBuffer` events, and a subscriber that falls further behind is
/// disconnected after what it already has queued (its reconnect replays).
///
/// Changes reach the hub in two steps, so the ledger's single writer never waits on a
/// fan-out: `stage` (inside the writer, in commit order) then `release` (after the write, by
/// any caller, which publishes everything staged so far, oldest first).
public final class FeedHub: Sendable {
    /// What a new subscriber gets: events to send first, then a doorbell for live events.
    public struct Subscription: Sendable {
        public var initial: [ByteBuffer]
        /// Rings when events are queued for this subscriber (`take` them); finishes when the
        /// subscriber is disconnected, after which one last `take` returns what is left.
        public var doorbell: AsyncStream<Void>
        public var id: Int
    }

    private struct Event {
        var seq: Int64
        var buffer: ByteBuffer
    }

    /// A committed change, encoded, waiting to be released.
    private struct StagedChange {
        var event: Event
        var actionID: String
        var isPending: Bool
    }

    private struct Subscriber {
        /// Encoded events (and keepalives) not yet taken by the writer, oldest first.
        var queue: [ByteBuffer] = []
        var queuedBytes = 0
        let doorbell: AsyncStream<Void>.Continuation
        /// The doorbell has rung since the writer last took the queue: no need to ring again.
        var rung = false
        /// False once disconnected (too slow, or shutting down): it gets nothing new, and its
        /// writer sends what is queued and ends.
        var open = true

        mutating func enqueue(_ buffer: ByteBuffer) {
            queue.append(buffer)
            queuedBytes += buffer.readableBytes
            if !rung {
                rung = true
                doorbell.yield()
            }
        }

        /// Queues a live event unless the subscriber already has `limit` queued, in which case
        /// it is closed instead; true when it was closed by this call.
        mutating func deliver(_ buffer: ByteBuffer, limit: Int) -> Bool {
            guard open else { return false }
            guard queue.count < limit else {
                close()
                return true
            }
            enqueue(buffer)
            return false
        }

        /// A keepalive comment, only when nothing is queued.
        mutating func keepalive(_ comment: ByteBuffer) {
            if open && queue.isEmpty { enqueue(comment) }
        }

        /// Takes the queue, keeping its capacity for the next batch.
        mutating func takeQueue() -> (parts: [ByteBuffer], bytes: Int) {
            rung = false
            let taken = (queue, queuedBytes)
            queue.removeAll(keepingCapacity: true)
            queuedBytes = 0
            return taken
        }

        mutating func close() {
            guard open else { return }
            open = false
            doorbell.finish()
        }
    }

    private struct State {
        var lastSeq: Int64 = 0
        var ring: [Event] = []
        var ringStart = 0
        var pending: [String: Event] = [:]
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 1
        var waiters: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
        var closed = false

        /// Ring contents oldest first.
        var ringInOrder: [Event] { Array(ring[ringStart...] + ring[..<ringStart]) }

        /// Calls `body` on every subscriber in place. Walking indices of the dictionary itself
        /// (not of a `values` view, which would hold a second reference) keeps the mutation
        /// from copying the whole dictionary and every queue in it.
        mutating func forEachSubscriber(_ body: (Int, inout Subscriber) -> Void) {
            var index = subscribers.startIndex
            while index != subscribers.endIndex {
                let id = subscribers.keys[index]
                body(id, &subscribers.values[index])
                subscribers.formIndex(after: &index)
            }
        }
    }

    private let state = Mutex(State())
    /// Changes committed but not yet released, in commit order. A lock of its own, so staging
    /// inside the ledger's writer never waits behind a fan-out holding `state`.
    private let staged = Mutex<[StagedChange]>([])
    private let window: Int
    private let bufferLimit: Int
    private let retryHint: ByteBuffer
    private let keepaliveComment = ByteBuffer(bytes: SSEEncoder.comment("keepalive"))
    private let logger: Logger

    public init(window: Int, subscriberBuffer: Int, retryMilliseconds: Int, logger: Logger) {
        self.window = window
        self.bufferLimit = subscriberBuffer
        self.retryHint = ByteBuffer(bytes: SSEEncoder.retry(ms: retryMilliseconds))
        self.logger = logger
    }

    // MARK: - Loading and publishing

    /// Restores the hub from the ledger at start-up.
    func load(_ feed: Ledger.FeedState) {
        state.withLock { s in
            s.lastSeq = feed.lastSeq
            s.ring = feed.events.suffix(window).map { Event(seq: $0.seq, buffer: Self.encode(seq: $0.seq, json: $0.json)) }
            s.ringStart = 0
            for p in feed.pending {
                s.pending[p.id] = Event(seq: p.seq, buffer: Self.encode(seq: p.seq, json: p.json))
            }
        }
    }

    private static func encode(seq: Int64, json: String) -> ByteBuffer {
        ByteBuffer(bytes: SSEEncoder.event(id: seq, type: "action", data: json))
    }

    /// Records committed changes for publishing. Called inside the ledger's writer right after
    /// the commit, so the staged list is in sequence order; cheap (one encode, a short lock).
    func stage(_ changes: [Ledger.Change]) {
        guard !changes.isEmpty else { return }
        let encoded = changes.map {
            StagedChange(event: Event(seq: $0.seq, buffer: Self.encode(seq: $0.seq, json: $0.json)),
                         actionID: $0.action.id, isPending: $0.action.status == .pending)
        }
        staged.withLock { $0.append(contentsOf: encoded) }
    }

    /// Publishes every staged change to the subscribers and waiters, oldest first.
    ///
    /// Whoever calls it publishes what anyone staged, so a change is never stranded by a
    /// caller that stopped between its commit and its release. Taking the staged list under
    /// the hub's lock keeps concurrent releases from overtaking each other.
    func release() {
        var dropped: [Int] = []
        state.withLock { s in
            let batch = staged.withLock { list -> [StagedChange] in
                defer { list.removeAll(keepingCapacity: true) }
                return list
            }
            for change in batch { apply(change, to: &s, dropped: &dropped) }
        }
        for id in dropped {
            logger.warning("feed subscriber fell behind and was disconnected; its reconnect will replay", metadata: ["subscriber": "\(id)"])
        }
    }

    private func apply(_ change: StagedChange, to s: inout State, dropped: inout [Int]) {
        let event = change.event
        s.lastSeq = event.seq
        if s.ring.count < window {
            s.ring.append(event)
        } else {
            s.ring[s.ringStart] = event
            s.ringStart = (s.ringStart + 1) % window
        }
        s.pending[change.actionID] = change.isPending ? event : nil
        let limit = bufferLimit
        s.forEachSubscriber { id, subscriber in
            if subscriber.deliver(event.buffer, limit: limit) { dropped.append(id) }
        }
        if let waiters = s.waiters.removeValue(forKey: change.actionID) {
            for w in waiters.values { w.yield(); w.finish() }
        }
    }

    /// Sends a keepalive comment to every subscriber with nothing queued (one with events
    /// queued is about to hear from the server anyway).
    func keepalive() {
        state.withLock { s in
            let comment = keepaliveComment
            s.forEachSubscriber { _, subscriber in subscriber.keepalive(comment) }
        }
    }

    /// Ends every subscription and wait, so a graceful shutdown is not held up by open feeds.
    func close() {
        state.withLock { s in
            s.closed = true
            s.forEachSubscriber { _, subscriber in subscriber.close() }
            for ws in s.waiters.values { for w in ws.values { w.finish() } }
            s.waiters.removeAll()
        }
    }

    /// Subscribers still receiving events.
    public var subscriberCount: Int { state.withLock { $0.subscribers.values.count(where: \.open) } }
    public var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    // MARK: - Subscribing

    /// Registers a subscriber resuming after `lastEventID` (nil on a first connect).
    public func subscribe(lastEventID: Int64?) -> Subscription {
        let (doorbell, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        return state.withLock { s in
            var initial: [ByteBuffer] = [retryHint]
            let ringEvents = s.ringInOrder
            let oldestReplayable = s.lastSeq - Int64(ringEvents.count)
            if let n = lastEventID, n <= s.lastSeq, n >= oldestReplayable {
                // Everything after n is in the ring, which is sorted by seq.
                var lo = 0, hi = ringEvents.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if ringEvents[mid].seq <= n { lo = mid + 1 } else { hi = mid }
                }
                initial += ringEvents[lo...].map(\.buffer)
            } else {
                if lastEventID != nil { initial.append(ByteBuffer(bytes: SSEEncoder.event(id: nil, type: "reset", data: ""))) }
                initial += s.pending.values.sorted { $0.seq < $1.seq }.map(\.buffer)
            }
            let sync = FeedEvent.SyncData(seq: s.lastSeq, pending: s.pending.count)
            // The sync carries the position as its id too, so a plain EventSource resumes exactly here.
            initial.append(ByteBuffer(bytes: SSEEncoder.event(id: s.lastSeq, type: "sync", data: "{\"seq\":\(sync.seq),\"pending\":\(sync.pending)}")))
            let id = s.nextID
            s.nextID += 1
            var subscriber = Subscriber(doorbell: continuation)
            if s.closed { subscriber.close() }
            s.subscribers[id] = subscriber
            return Subscription(initial: initial, doorbell: doorbell, id: id)
        }
    }

    /// Everything queued for subscriber `id`, as one buffer (nil when nothing is queued).
    ///
    /// The writer calls it at each ring of the doorbell, and once more after the doorbell
    /// finishes; the bytes are concatenated outside the lock.
    public func take(_ id: Int) -> ByteBuffer? {
        let (parts, bytes) = state.withLock { s -> ([ByteBuffer], Int) in
            guard let index = s.subscribers.index(forKey: id) else { return ([], 0) }
            return s.subscribers.values[index].takeQueue()
        }
        guard let first = parts.first else { return nil }
        if parts.count == 1 { return first }
        var out = ByteBuffer()
        out.reserveCapacity(bytes)
        for var part in parts { out.writeBuffer(&part) }
        return out
    }

    /// Forgets a subscriber whose connection ended.
    public func unsubscribe(_ id: Int) {
        state.withLock { s in
            guard var subscriber = s.subscribers.removeValue(forKey: id) else { return }
            subscriber.close()
        }
    }

    // MARK: - Long-poll waiters

    /// A stream that yields once when action `id` next changes (or finishes on shutdown);
    /// nil once the hub is closed, so long-polls answer at once instead of waiting out a shutdown.
    func waiter(for actionID: String) -> (stream: AsyncStream<Void>, token: Int)? {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let token = state.withLock { s -> Int? in
            guard !s.closed else { return nil }
            let token = s.nextID
            s.nextID += 1
            s.waiters[actionID, default: [:]][token] = continuation
            return token
        }
        return token.map { (stream, $0) }
    }

    func removeWaiter(for actionID: String, token: Int) {
        state.withLock { s in
            s.waiters[actionID]?.removeValue(forKey: token)?.finish()
            if s.waiters[actionID]?.isEmpty == true { s.waiters[actionID] = nil }
        }
    }
}
