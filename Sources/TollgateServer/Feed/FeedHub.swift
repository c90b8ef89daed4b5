import Hummingbird
import Logging
import Synchronization
import TollgateCore

/// Fans feed events out to every subscriber and answers reconnects from a replay window.
///
/// It holds, under one lock: the last sequence number, the log of recent encoded events
/// (`EventLog`), the encoded state of every pending action (for snapshots), the subscribers
/// and the long-poll waiters. Subscribing takes the initial part (snapshot or replay, then
/// `sync`) and registers for live events in the same critical section, so a consumer sees
/// every event exactly once.
///
/// Each event is encoded once, into the log. A subscriber is a position in the log plus a
/// doorbell: publishing rings the doorbell only when the subscriber's writer has taken
/// everything before, and the writer takes everything after its position at each wake and
/// sends it as one write. Under load that turns N events into one write, one flush and one
/// task wake-up per subscriber. Publishing never waits: a subscriber more than
/// `subscriberBuffer` events behind is disconnected after those events (its reconnect replays).
///
/// Changes reach the hub in two steps, so the ledger's writer never waits on a fan-out:
/// `stage` (in commit order) then `release` (by any caller, which publishes everything staged
/// so far, oldest first).
public final class FeedHub: Sendable {
    /// What a new subscriber gets: events to send first, then a doorbell for live events.
    public struct Subscription: Sendable {
        public var initial: [ByteBuffer]
        /// Rings when events wait for this subscriber (`take` them until nil); finishes when the
        /// subscriber is disconnected, after which `take` returns what it is still owed.
        public var doorbell: AsyncStream<Void>
        public var id: Int
    }

    /// What one take hands the writer: bytes of its own, and how many events they carry.
    public struct Batch: Sendable {
        public var bytes: ByteBuffer
        public var events: Int
    }

    private typealias Event = EventLog.Event

    /// A committed change, encoded, waiting to be released.
    private struct StagedChange {
        var event: Event
        var actionID: String
        var isPending: Bool
    }

    private struct Subscriber {
        /// The log position of the next event to send.
        var cursor: Int
        let doorbell: AsyncStream<Void>.Continuation
        /// The SHA-256 of the token the feed was opened with (nil: none), so a reload that
        /// revokes the token can close it.
        let token: String?
        /// The doorbell has rung since the writer last emptied its backlog: no need to ring again.
        var rung = false
        /// A keepalive comment goes out with the next take.
        var keepalive = false
        /// False once disconnected (too far behind, or shutting down): it gets nothing new, and
        /// its writer sends what it is `owed` and ends.
        var isOpen = true
        /// The events a disconnected subscriber is still owed, kept apart from the log.
        var owed: [ByteBuffer] = []

        mutating func ring() {
            guard !rung else { return }
            rung = true
            doorbell.yield()
        }

        mutating func close(owing events: [ByteBuffer]) {
            guard isOpen else { return }
            isOpen = false
            owed = events
            doorbell.finish()
        }
    }

    /// A pending action's latest event, for snapshots, and what the metrics need of it.
    private struct PendingAction {
        var event: Event
        /// Read from the event at the first scrape that needs it (`figures()`), not while publishing.
        var metrics: MetricsFacts?
    }

    /// What the metrics read of a pending action, once.
    private struct MetricsFacts {
        var risk: Risk
        /// When it was created (so pending since): nil when neither its id nor its JSON says.
        var createdAt: Timestamp?
    }

    private struct State {
        var lastSeq: Int64 = 0
        var log = EventLog()
        var pending: [String: PendingAction] = [:]
        /// Events published since start, for the metrics.
        var published = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 1
        var waiters: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
        var closed = false

        /// Subscribers still receiving events.
        var openSubscribers: Int { subscribers.values.count(where: \.isOpen) }

        /// Calls `body` on every subscriber in place, with the log to read. Walking indices of
        /// the dictionary itself (not of a `values` view, which would hold a second reference)
        /// keeps the mutation from copying the whole dictionary.
        mutating func forEachSubscriber(_ body: (Int, inout Subscriber, borrowing EventLog) -> Void) {
            var index = subscribers.startIndex
            while index != subscribers.endIndex {
                let id = subscribers.keys[index]
                body(id, &subscribers.values[index], log)
                subscribers.formIndex(after: &index)
            }
        }

        /// The next events for the subscriber at `index`; see `FeedHub.take`.
        mutating func take(at index: Dictionary<Int, Subscriber>.Index, keepaliveComment: ByteBuffer, maxBytes: Int) -> Batch? {
            Self.take(from: &subscribers.values[index], log: log, keepaliveComment: keepaliveComment, maxBytes: maxBytes)
        }

        private static func take(from subscriber: inout Subscriber, log: borrowing EventLog, keepaliveComment: ByteBuffer, maxBytes: Int) -> Batch? {
            guard subscriber.isOpen else {
                guard !subscriber.owed.isEmpty else { return nil }
                var out = ByteBuffer()
                var taken = 0
                while taken < subscriber.owed.count, taken == 0 || out.readableBytes + subscriber.owed[taken].readableBytes <= maxBytes {
                    out.writeImmutableBuffer(subscriber.owed[taken])
                    taken += 1
                }
                subscriber.owed.removeFirst(taken)
                return Batch(bytes: out, events: taken)
            }
            var out: ByteBuffer?
            if subscriber.keepalive {
                subscriber.keepalive = false
                out = keepaliveComment
            }
            var count = 0
            if subscriber.cursor < log.end {
                var (events, next) = log.copy(from: subscriber.cursor, maxBytes: maxBytes)
                count = next - subscriber.cursor
                subscriber.cursor = next
                if var comment = out {
                    comment.writeBuffer(&events)
                    out = comment
                } else {
                    out = events
                }
            }
            if out == nil || subscriber.cursor == log.end { subscriber.rung = false }
            return out.map { Batch(bytes: $0, events: count) }
        }
    }

    private let state = Mutex(State())
    /// Changes committed but not yet released, in commit order. A lock of its own, so staging
    /// inside the ledger's writer never waits behind a fan-out holding `state`.
    private let staged = Mutex<[StagedChange]>([])
    /// How many recent events a reconnecting subscriber can replay.
    let window: Int
    private let bufferLimit: Int
    private let retryHint: ByteBuffer
    private let keepaliveComment = ByteBuffer(bytes: SSEEncoder.comment("keepalive"))
    private let logger: Logger
    /// The most one take copies, so a subscriber catching up does not hold the lock for long.
    private static let maxTakeBytes = 256 * 1024

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
            s.log = EventLog()
            s.pending = [:]
            for e in feed.events.suffix(window) { s.log.append(Event(seq: e.seq, buffer: Self.encode(seq: e.seq, json: e.json))) }
            for p in feed.pending {
                s.pending[p.id] = PendingAction(event: Event(seq: p.seq, buffer: Self.encode(seq: p.seq, json: p.json)))
            }
        }
    }

    /// Ends every open feed (owing nothing: each reconnect gets a reset and a snapshot) and
    /// loads the hub afresh: for a replica that could not publish events before they were pruned.
    func restart(from feed: Ledger.FeedState) {
        state.withLock { s in
            s.forEachSubscriber { _, subscriber, _ in subscriber.close(owing: []) }
        }
        load(feed)
    }

    private static func encode(seq: Int64, json: String) -> ByteBuffer {
        ByteBuffer(bytes: SSEEncoder.event(id: seq, type: "action", data: json))
    }

    /// Records committed changes for publishing, in sequence order: called by the ledger inside
    /// its writer right after the commit (SQLite) or by the replica's feed follower (PostgreSQL);
    /// cheap (one encode, a short lock).
    func stage(_ events: [Ledger.Event]) {
        guard !events.isEmpty else { return }
        let encoded = events.map {
            StagedChange(event: Event(seq: $0.seq, buffer: Self.encode(seq: $0.seq, json: $0.json)), actionID: $0.actionID, isPending: $0.isPending)
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
            guard !batch.isEmpty else { return }
            for change in batch { apply(change, to: &s) }
            s.published += batch.count
            // One pass over the subscribers for the whole batch: cut off those too far behind,
            // ring the others, and find how far back the log must still reach.
            let limit = bufferLimit
            var oldestNeeded = s.log.end
            s.forEachSubscriber { id, subscriber, log in
                guard subscriber.isOpen, subscriber.cursor < log.end else { return }
                if log.end - subscriber.cursor > limit {
                    subscriber.close(owing: log.events(from: subscriber.cursor, to: subscriber.cursor + limit))
                    dropped.append(id)
                } else {
                    subscriber.ring()
                    oldestNeeded = min(oldestNeeded, subscriber.cursor)
                }
            }
            s.log.trim(keepingFrom: oldestNeeded, window: window)
        }
        for id in dropped {
            logger.warning("feed subscriber fell behind and was disconnected; its reconnect will replay", metadata: ["subscriber": "\(id)"])
        }
    }

    private func apply(_ change: StagedChange, to s: inout State) {
        s.lastSeq = change.event.seq
        s.log.append(change.event)
        s.pending[change.actionID] = change.isPending ? PendingAction(event: change.event) : nil
        if let waiters = s.waiters.removeValue(forKey: change.actionID) {
            for w in waiters.values { w.yield(); w.finish() }
        }
    }

    /// Sends a keepalive comment to every subscriber with nothing waiting (one with events
    /// waiting is about to hear from the server anyway).
    func keepalive() {
        state.withLock { s in
            s.forEachSubscriber { _, subscriber, log in
                guard subscriber.isOpen, subscriber.cursor == log.end else { return }
                subscriber.keepalive = true
                subscriber.ring()
            }
        }
    }

    /// Ends every subscription and wait, so a graceful shutdown is not held up by open feeds.
    func close() {
        state.withLock { s in
            s.closed = true
            s.forEachSubscriber { _, subscriber, log in subscriber.close(owing: log.events(from: subscriber.cursor, to: log.end)) }
            for ws in s.waiters.values { for w in ws.values { w.finish() } }
            s.waiters.removeAll()
        }
    }

    /// Closes every open subscriber whose token is not in `allowed` (a reload revoked it, or
    /// took away the role to read the feed) and returns how many. Its stream ends as a slow
    /// subscriber's does, but it is owed nothing: it gets no event published after the reload.
    /// Subscribers without a token are left open.
    func disconnect(tokensOutside allowed: Set<String>) -> Int {
        state.withLock { s in
            var closed = 0
            s.forEachSubscriber { _, subscriber, _ in
                guard subscriber.isOpen, let token = subscriber.token, !allowed.contains(token) else { return }
                subscriber.close(owing: [])
                closed += 1
            }
            return closed
        }
    }

    /// Subscribers still receiving events.
    public var subscriberCount: Int { state.withLock { $0.openSubscribers } }
    public var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    // MARK: - Metrics

    /// What the metrics endpoint reads from the feed at a scrape.
    public struct Figures: Sendable {
        /// Subscribers still receiving events.
        public var subscribers: Int
        /// Events published since the server started (every replica's, with PostgreSQL).
        public var eventsPublished: Int
        /// Pending actions by risk, every risk present (0 too): with PostgreSQL replicas, every
        /// replica's hub holds every replica's pending actions, so each reports the same figure.
        public var pendingByRisk: [Risk: Int]
        /// The creation time of the oldest pending action of each risk; a risk with none pending
        /// (or none whose time is known) is absent.
        public var oldestPendingByRisk: [Risk: Timestamp]
    }

    /// The feed's figures now. What the metrics need of actions that became pending since the
    /// last call is read from their events outside the lock, once per event; an action that
    /// becomes pending meanwhile is left to the next call, as if it had come just after this one.
    public func figures() -> Figures {
        let unread = state.withLock { s in s.pending.compactMap { id, action in action.metrics == nil ? (id, action.event) : nil } }
        let read = unread.compactMap { id, event in Self.metricsFacts(id: id, event: event.buffer).map { (id: id, seq: event.seq, facts: $0) } }
        return state.withLock { s in
            for found in read where s.pending[found.id]?.event.seq == found.seq { s.pending[found.id]?.metrics = found.facts }
            var byRisk = Dictionary(uniqueKeysWithValues: Risk.allCases.map { ($0, 0) })
            var oldest: [Risk: Timestamp] = [:]
            for action in s.pending.values {
                guard let facts = action.metrics else { continue }
                byRisk[facts.risk, default: 0] += 1
                if let createdAt = facts.createdAt, oldest[facts.risk].map({ createdAt < $0 }) ?? true { oldest[facts.risk] = createdAt }
            }
            return Figures(subscribers: s.openSubscribers, eventsPublished: s.published, pendingByRisk: byRisk, oldestPendingByRisk: oldest)
        }
    }

    /// The risk and creation time of action `id`, whose event the hub encoded (so it parses).
    /// A first scrape may read ten thousand of them: the risk is read without decoding the rest
    /// of the action, and the time comes from the id (`ActionID.createdAt`). Only an id that
    /// `ActionID.make` did not write costs decoding the whole action, for its `created_at`; an
    /// action that does not decode is still counted, its age unknown.
    private static func metricsFacts(id: String, event buffer: ByteBuffer) -> MetricsFacts? {
        var parser = SSEParser()
        guard var data = parser.feed(buffer.readableBytesView).first?.data else { return nil }
        return data.withUTF8 { utf8 in
            let json = UnsafeRawBufferPointer(utf8)
            guard let risk = Action.risk(json: json) else { return nil }
            return MetricsFacts(risk: risk, createdAt: ActionID.createdAt(id) ?? (try? Action(json: json))?.createdAt)
        }
    }

    // MARK: - Subscribing

    /// Registers a subscriber resuming after `lastEventID` (nil on a first connect), opened with
    /// the token whose SHA-256 is `token` (see `disconnect(tokensOutside:)`).
    public func subscribe(lastEventID: Int64?, token: String? = nil) -> Subscription {
        let (doorbell, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        return state.withLock { s in
            var initial: [ByteBuffer] = [retryHint]
            let replayable = s.log.suffix(min(window, s.log.count))
            let oldestReplayable = s.lastSeq - Int64(replayable.count)
            if let n = lastEventID, n <= s.lastSeq, n >= oldestReplayable {
                // Everything after n is in the replay window, which is sorted by seq.
                var lo = 0, hi = replayable.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if replayable[mid].seq <= n { lo = mid + 1 } else { hi = mid }
                }
                initial += replayable[lo...].map(\.buffer)
            } else {
                if lastEventID != nil { initial.append(ByteBuffer(bytes: SSEEncoder.event(id: nil, type: "reset", data: ""))) }
                initial += s.pending.values.map(\.event).sorted { $0.seq < $1.seq }.map(\.buffer)
            }
            let sync = FeedEvent.SyncData(seq: s.lastSeq, pending: s.pending.count)
            // The sync carries the position as its id too, so a plain EventSource resumes exactly here.
            initial.append(ByteBuffer(bytes: SSEEncoder.event(id: s.lastSeq, type: "sync", data: "{\"seq\":\(sync.seq),\"pending\":\(sync.pending)}")))
            let id = s.nextID
            s.nextID += 1
            var subscriber = Subscriber(cursor: s.log.end, doorbell: continuation, token: token)
            if s.closed { subscriber.close(owing: []) }
            s.subscribers[id] = subscriber
            return Subscription(initial: initial, doorbell: doorbell, id: id)
        }
    }

    /// The next events for subscriber `id` as one buffer of its own (at most about 256 KB),
    /// nil when nothing is left: the writer calls it until nil at each ring of the doorbell,
    /// and again after the doorbell finishes.
    ///
    /// The bytes are copied under the lock rather than shared: see `EventLog`.
    public func take(_ id: Int) -> Batch? {
        state.withLock { s in
            guard let index = s.subscribers.index(forKey: id) else { return nil }
            return s.take(at: index, keepaliveComment: keepaliveComment, maxBytes: Self.maxTakeBytes)
        }
    }

    /// Forgets a subscriber whose connection ended.
    public func unsubscribe(_ id: Int) {
        state.withLock { s in
            guard var subscriber = s.subscribers.removeValue(forKey: id) else { return }
            subscriber.close(owing: [])
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
