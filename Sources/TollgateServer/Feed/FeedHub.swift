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
/// every event exactly once. Publishing never waits: each subscriber has a bounded buffer,
/// and one that falls too far behind is disconnected (its reconnect replays).
public final class FeedHub: Sendable {
    /// What a new subscriber gets: events to send first, then the live stream.
    public struct Subscription: Sendable {
        public var initial: [ByteBuffer]
        public var live: AsyncStream<ByteBuffer>
        public var id: Int
    }

    private struct Event {
        var seq: Int64
        var buffer: ByteBuffer
    }

    private struct State {
        var lastSeq: Int64 = 0
        var ring: [Event] = []
        var ringStart = 0
        var pending: [String: Event] = [:]
        var subscribers: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
        var nextID = 1
        var waiters: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
        var closed = false

        /// Ring contents oldest first.
        var ringInOrder: [Event] { Array(ring[ringStart...] + ring[..<ringStart]) }
    }

    private let state = Mutex(State())
    private let window: Int
    private let bufferLimit: Int
    private let retryHint: ByteBuffer
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

    /// Sends a committed change to every subscriber and waiter. Called in sequence order.
    func publish(_ change: Ledger.Change) {
        let event = Event(seq: change.seq, buffer: Self.encode(seq: change.seq, json: change.json))
        var dropped: [Int] = []
        state.withLock { s in
            s.lastSeq = change.seq
            if s.ring.count < window {
                s.ring.append(event)
            } else {
                s.ring[s.ringStart] = event
                s.ringStart = (s.ringStart + 1) % window
            }
            if change.action.status == .pending { s.pending[change.action.id] = event } else { s.pending[change.action.id] = nil }
            for (id, continuation) in s.subscribers {
                if case .dropped = continuation.yield(event.buffer) { dropped.append(id) }
            }
            for id in dropped {
                s.subscribers.removeValue(forKey: id)?.finish()
            }
            if let waiters = s.waiters.removeValue(forKey: change.action.id) {
                for w in waiters.values { w.yield(); w.finish() }
            }
        }
        for id in dropped {
            logger.warning("feed subscriber fell behind and was disconnected; its reconnect will replay", metadata: ["subscriber": "\(id)"])
        }
    }

    /// Sends a keepalive comment to every subscriber.
    func keepalive() {
        let comment = ByteBuffer(bytes: SSEEncoder.comment("keepalive"))
        state.withLock { s in
            for continuation in s.subscribers.values { _ = continuation.yield(comment) }
        }
    }

    /// Ends every subscription and wait, so a graceful shutdown is not held up by open feeds.
    func close() {
        state.withLock { s in
            s.closed = true
            for c in s.subscribers.values { c.finish() }
            s.subscribers.removeAll()
            for ws in s.waiters.values { for w in ws.values { w.finish() } }
            s.waiters.removeAll()
        }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    public var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    // MARK: - Subscribing

    /// Registers a subscriber resuming after `lastEventID` (nil on a first connect).
    public func subscribe(lastEventID: Int64?) -> Subscription {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit))
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
            if s.closed { continuation.finish() } else { s.subscribers[id] = continuation }
            return Subscription(initial: initial, live: stream, id: id)
        }
    }

    /// Forgets a subscriber whose connection ended.
    public func unsubscribe(_ id: Int) {
        state.withLock { s in s.subscribers.removeValue(forKey: id)?.finish() }
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
