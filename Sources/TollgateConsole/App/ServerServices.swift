import CNcurses
import Foundation
import Synchronization
import TollgateClient
import TollgateCore
import TollgateStore
import TollgateSync

/// The console's work for one server off the UI thread, wired: its feed, its part of the cache,
/// its REST calls. Results come back as messages through the inbox, each naming the server.
///
/// The cache, its batching and the outbox live in TollgateSync; this class gives them threads.
/// Each server has its own queues, so a server that hangs never delays another: cache writes
/// and decisions run in order on one serial queue (a decision is in the outbox before it is
/// sent); reads of the cache and fetches run on another. Every cache failure reaches the
/// console as `.cacheUnavailable`.
///
/// `:ctx` can stop following a server and follow it again, so each following is a *session*:
/// its own REST client with its own abort (raised at stop, so a hung request ends within a
/// second), and a number that its feed callbacks, its pending read and its decision retries
/// check, so nothing of an earlier session acts in a later one.
final class ServerServices: Sendable {
    let id: ServerID
    private let name: String
    private let endpoint: ServerEndpoint
    private let inbox: Inbox
    private let cache: ActionCache
    private let writes: DispatchQueue
    private let reads: DispatchQueue
    private let feedOptions: FeedOptions
    private let state = Mutex(State())

    private struct State {
        var feed: FeedConnection?
        /// The session now, or nil between `stop` and `start`.
        var session: Session?
        /// Bumped by each `start`: what an earlier session left running stops when it sees it.
        var sessions = 0
        /// Actions upserted (or read at start) since memory was last handed back.
        var upsertedSinceRelease = 0
        var releaseScheduled = false
        var lastFlush = DispatchTime.now()
    }

    /// One following of the server: its number and its REST client, whose abort `stop` raises.
    private struct Session: Sendable {
        let number: Int
        let client: APIClient
        let abort: AbortSignal
    }

    init(id: ServerID, name: String, inbox: Inbox, endpoint: ServerEndpoint, stores: CacheStores, feed feedOptions: FeedOptions) {
        self.id = id
        self.name = name
        self.endpoint = endpoint
        self.inbox = inbox
        self.feedOptions = feedOptions
        writes = DispatchQueue(label: "tollgate.console.writes.\(id.index)")
        reads = DispatchQueue(label: "tollgate.console.reads.\(id.index)")
        cache = ActionCache(stores: stores, server: endpoint.baseURL)
    }

    // MARK: - Start and stop

    /// Whoami and the outbox retry; then, off the UI thread, the pending actions from the cache
    /// and, after them, the live feed.
    func start() {
        let session: Session? = state.withLock { state in
            guard state.session == nil else { return nil }
            state.sessions += 1
            let abort = AbortSignal()
            state.session = Session(number: state.sessions, client: APIClient(endpoint: endpoint, abort: abort), abort: abort)
            return state.session
        }
        guard let session else { return }
        fetchIdentity()
        retryOutbox(session)
        reads.async { [self] in
            let cachedPosition = cache.feedPosition()
            // The UI keeps rows of them, so only a page of full records is alive at a time,
            // decoded on this thread, not among the rows.
            let read = cache.readPending(go: { isCurrent(session) }) { [id] in inbox.post(.cachedPending($0, from: id)) }
            // Reading them left their JSON and SQLite's buffers freed in this thread's arena.
            if read.count > 0 { writes.async { [self] in releaseMemoryAfterBursts(count: read.count) } }
            // Only now: a feed event must never be overtaken by an older copy from the cache. With
            // some cached actions unread, the saved position would skip them: a snapshot brings them.
            let connection = FeedConnection(endpoint: endpoint, lastEventID: read.complete ? cachedPosition : nil, options: feedOptions) {
                [weak self] update in
                self?.received(update, in: session)
            }
            let current = state.withLock { state in
                guard state.session?.number == session.number, state.feed == nil else { return false }
                state.feed = connection
                return true
            }
            if current { connection.start() }
        }
    }

    /// `GET /v1/whoami`, off the UI thread.
    func fetchIdentity() {
        guard let client = state.withLock({ $0.session?.client }) else { return }
        let (inbox, id) = (inbox, id)
        DispatchQueue.global().async {
            do {
                inbox.post(.identity(try client.whoami(), from: id))
            } catch {
                inbox.post(.identityFailed("\(error)", from: id))
            }
        }
    }

    /// Ends the session: the feed stops, a request in flight ends within a second (a decision
    /// in it stays in the outbox), retries stop, and what the feed sent last is saved — before
    /// returning when `wait` (quitting), else in the background (`:ctx`, on the UI thread).
    func stop(wait: Bool) {
        let (connection, session) = state.withLock { state in
            defer {
                state.feed = nil
                state.session = nil
            }
            return (state.feed, state.session)
        }
        session?.abort.raise()
        connection?.stop()
        if wait {
            writes.sync { _ = cache.flush() }
        } else {
            writes.async { [cache] in _ = cache.flush() }
        }
    }

    /// Whether `session` is the one now: work of an earlier one stops when it is not.
    private func isCurrent(_ session: Session) -> Bool { state.withLock { $0.session?.number == session.number } }

    func reconnect() {
        state.withLock { $0.feed }?.reconnectNow()
    }

    // MARK: - The feed

    /// On the feed thread: batch actions for the cache, and hand the update to the UI; what a
    /// stopped session's feed still says is dropped.
    private func received(_ update: FeedUpdate, in session: Session) {
        guard isCurrent(session) else { return }
        let schedule: Bool
        switch update {
        case .event(.action(let a, let seq)): schedule = cache.batch(a, position: seq)
        case .event(.sync(let seq, _)): schedule = cache.batch(nil, position: seq)
        default: schedule = false
        }
        // Posted after batching, so any action the UI has seen can be read back (`records(_:)`).
        inbox.post(.feed(update, from: id))
        // A short delay gathers a snapshot's thousands of events into a few transactions.
        if schedule {
            writes.asyncAfter(deadline: .now() + 0.05) { [weak self] in
                guard let self else { return }
                releaseMemoryAfterBursts(count: cache.flush())
            }
        }
    }

    // MARK: - Full records

    /// The newest full records of `ids` (the one read `update` asks of the wiring), as `.records`.
    ///
    /// Called on the UI thread when a screen needs a record: primary-key reads, well under a
    /// millisecond each, answered before the next frame so the detail pane never flickers.
    func records(_ ids: [String]) -> Message {
        let answer = cache.records(ids)
        return .records(found: answer.found, missing: answer.missing, problem: answer.problem, from: id)
    }

    // MARK: - Memory after bursts (on the writes queue only)

    /// Once a burst of arrivals (a snapshot, a replay, a flood of submissions, the cached queue
    /// read at start) has been quiet for a second, gives the freed pages of every thread's malloc
    /// arena back to the system: decoding and upserting leave freed pages there that glibc
    /// keeps (BENCHMARKS.md, "memory", has how much).
    private func releaseMemoryAfterBursts(count: Int) {
        let schedule = state.withLock { state in
            state.upsertedSinceRelease += count
            state.lastFlush = .now()
            guard state.upsertedSinceRelease >= 500, !state.releaseScheduled else { return false }
            state.releaseScheduled = true
            return true
        }
        if schedule { writes.asyncAfter(deadline: .now() + 1) { [weak self] in self?.releaseIfQuiet() } }
    }

    private func releaseIfQuiet() {
        let quietSince: DispatchTime? = state.withLock { state in
            guard state.lastFlush + 1 <= .now() else { return state.lastFlush }
            state.releaseScheduled = false
            state.upsertedSinceRelease = 0
            return nil
        }
        if let quietSince {
            writes.asyncAfter(deadline: quietSince + 1) { [weak self] in self?.releaseIfQuiet() }
        } else {
            tg_release_free_memory()
        }
    }

    /// Fetches the server's copies of `ids` into the cache and the console: actions the feed
    /// stopped talking about (after a reset), or a full record a screen needs.
    func refresh(_ ids: [String]) {
        guard let session = state.withLock({ $0.session }) else { return }
        reads.async { [self] in
            guard let server = cache.server else { return }
            var fresh: [Action] = []
            var failures = 0
            var firstProblem: String?
            // Bounded: a reset after a long absence must not turn into thousands of requests.
            for id in ids.prefix(500) where isCurrent(session) {
                do {
                    fresh.append(try session.client.action(id: id))
                } catch {
                    failures += 1
                    if firstProblem == nil { firstProblem = "\(error)" }
                }
            }
            let found = fresh
            let problem = firstProblem.map { failures == 1 ? $0 : "\($0) (and \(failures - 1) more)" }
            writes.async { [self] in
                cache.write { try $0.upsert(found, server: server) }
                // Stored first, so what the console shows can be read back from the cache.
                inbox.post(.fetched(found, problem: problem, from: id))
            }
        }
    }

    // MARK: - Decisions

    /// Writes the decision to the outbox, sends it, and reports the outcome; retries while undelivered.
    func decide(_ intent: DecisionIntent) {
        guard let session = state.withLock({ $0.session }) else {
            inbox.post(.decisionResult(intent, .undelivered(notFollowed)))
            return
        }
        writes.async { [self] in
            guard let server = cache.server else { return }
            let enqueued = cache.write { store in
                try store.enqueueDecision(
                    server: server, actionID: intent.actionID.id, verdict: intent.verdict,
                    reason: intent.reason, digest: intent.digest, breakGlass: intent.breakGlass, at: .now())
            }
            switch enqueued {
            case .success(let (entry, store)):
                send(entry, intent: intent, via: outbox(store, client: session.client, server: server), attempt: 1, in: session)
            case .failure(let error):
                inbox.post(.decisionResult(intent, .undelivered("cannot record the decision: \(error)")))
            }
        }
    }

    /// The outbox in `store`: what it fails to record after a send counts as a cache failure.
    private func outbox(_ store: HistoryStore, client: APIClient, server: String) -> DecisionOutbox {
        let cache = cache
        return DecisionOutbox(store: store, client: client, server: server) { cache.failed($0) }
    }

    /// Sends on the writes queue; an undelivered decision is tried again with growing pauses
    /// while `session` lasts. What is still undelivered when it ends (the console quits, `:ctx`
    /// stops following the server) stays in the outbox for the next session, which sends it.
    private func send(_ entry: OutboxEntry, intent: DecisionIntent, via outbox: DecisionOutbox, attempt: Int, in session: Session) {
        guard isCurrent(session) else {
            inbox.post(.decisionResult(intent, .undelivered(notFollowed)))
            return
        }
        let outcome = outbox.send(entry)
        if case .undelivered = outcome, !isCurrent(session) {
            // Cut short by `stop`: no retry will come in this session.
            inbox.post(.decisionResult(intent, .undelivered(notFollowed)))
            return
        }
        inbox.post(.decisionResult(intent, outcome))
        guard case .undelivered = outcome, attempt < 12 else { return }
        let pause = min(30, pow(2, Double(attempt)))
        writes.asyncAfter(deadline: .now() + pause) { [weak self] in
            self?.send(entry, intent: intent, via: outbox, attempt: attempt + 1, in: session)
        }
    }

    /// Why a decision waits: its server is not followed now.
    private var notFollowed: String {
        "\(name) is not followed now: the decision stays in the outbox and is sent when it is followed again"
    }

    /// Decisions left pending by an earlier run or session (a crash, a network cut, `:ctx`) go out now.
    private func retryOutbox(_ session: Session) {
        writes.async { [self] in
            guard let server = cache.server, let store = cache.store else { return }
            let outbox = outbox(store, client: session.client, server: server)
            do {
                for entry in try outbox.pending() {
                    let intent = DecisionIntent(
                        actionID: ActionKey(server: id, id: entry.actionID), verdict: entry.verdict, reason: entry.reason, digest: entry.digest,
                        breakGlass: entry.breakGlass)
                    send(entry, intent: intent, via: outbox, attempt: 1, in: session)
                }
            } catch {
                cache.failed("the outbox of earlier decisions cannot be read: \(error)")
            }
        }
    }
}
