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
final class ServerServices: Sendable {
    let id: ServerID
    private let inbox: Inbox
    private let cache: ActionCache
    private let client: APIClient
    private let writes: DispatchQueue
    private let reads: DispatchQueue
    private let feedOptions: FeedOptions
    private let state = Mutex(State())

    private struct State {
        var feed: FeedConnection?
        /// Following this server: between `start` and `stop` (`:ctx` can do both again).
        var running = false
        /// Actions upserted (or read at start) since memory was last handed back.
        var upsertedSinceRelease = 0
        var releaseScheduled = false
        var lastFlush = DispatchTime.now()
    }

    /// `abort` ends this server's REST calls early (the console is quitting).
    init(
        id: ServerID, inbox: Inbox, endpoint: ServerEndpoint, stores: CacheStores, feed feedOptions: FeedOptions, abort: AbortSignal
    ) {
        self.id = id
        self.inbox = inbox
        self.feedOptions = feedOptions
        writes = DispatchQueue(label: "tollgate.console.writes.\(id.index)")
        reads = DispatchQueue(label: "tollgate.console.reads.\(id.index)")
        client = APIClient(endpoint: endpoint, abort: abort)
        cache = ActionCache(stores: stores, server: endpoint.baseURL)
    }

    // MARK: - Start and stop

    /// Whoami and the outbox retry; then, off the UI thread, the pending actions from the cache
    /// and, after them, the live feed.
    func start() {
        let started = state.withLock { state in
            defer { state.running = true }
            return !state.running
        }
        guard started else { return }
        fetchIdentity()
        retryOutbox()
        reads.async { [self] in
            let cachedPosition = cache.feedPosition()
            // The UI keeps rows of them, so only a page of full records is alive at a time,
            // decoded on this thread, not among the rows.
            let read = cache.readPending(go: { !isStopped }) { [id] in inbox.post(.cachedPending($0, from: id)) }
            // Reading them left their JSON and SQLite's buffers freed in this thread's arena.
            if read.count > 0 { writes.async { [self] in releaseMemoryAfterBursts(count: read.count) } }
            // Only now: a feed event must never be overtaken by an older copy from the cache. With
            // some cached actions unread, the saved position would skip them: a snapshot brings them.
            let connection = FeedConnection(endpoint: client.endpoint, lastEventID: read.complete ? cachedPosition : nil, options: feedOptions) {
                [weak self] update in
                self?.received(update)
            }
            let running = state.withLock { state in
                if state.running && state.feed == nil { state.feed = connection }
                return state.running && state.feed === connection
            }
            if running { connection.start() }
        }
    }

    /// `GET /v1/whoami`, off the UI thread.
    func fetchIdentity() {
        let (inbox, client, id) = (inbox, client, id)
        DispatchQueue.global().async {
            do {
                inbox.post(.identity(try client.whoami(), from: id))
            } catch {
                inbox.post(.identityFailed("\(error)", from: id))
            }
        }
    }

    /// Stops the feed and retries, and saves what the feed sent last; `start` follows again.
    func stop() {
        let connection = state.withLock { state in
            defer {
                state.feed = nil
                state.running = false
            }
            return state.feed
        }
        connection?.stop()
        writes.sync { _ = cache.flush() }
    }

    private var isStopped: Bool { !state.withLock { $0.running } }

    func reconnect() {
        state.withLock { $0.feed }?.reconnectNow()
    }

    // MARK: - The feed

    /// On the feed thread: batch actions for the cache, and hand the update to the UI.
    private func received(_ update: FeedUpdate) {
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
        reads.async { [self] in
            guard let server = cache.server else { return }
            var fresh: [Action] = []
            var failures = 0
            var firstProblem: String?
            // Bounded: a reset after a long absence must not turn into thousands of requests.
            for id in ids.prefix(500) where !isStopped {
                do {
                    fresh.append(try client.action(id: id))
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
        writes.async { [self] in
            guard let server = cache.server else { return }
            let enqueued = cache.write { store in
                try store.enqueueDecision(
                    server: server, actionID: intent.actionID.id, verdict: intent.verdict,
                    reason: intent.reason, digest: intent.digest, breakGlass: intent.breakGlass, at: .now())
            }
            switch enqueued {
            case .success(let (entry, store)):
                send(entry, intent: intent, via: outbox(store, client: client, server: server), attempt: 1)
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

    /// Sends on the writes queue; an undelivered decision is tried again with growing pauses.
    private func send(_ entry: OutboxEntry, intent: DecisionIntent, via outbox: DecisionOutbox, attempt: Int) {
        guard !isStopped else { return }
        let outcome = outbox.send(entry)
        inbox.post(.decisionResult(intent, outcome))
        // What is still undelivered when the console stops stays in the outbox for the next start.
        guard case .undelivered = outcome, attempt < 12 else { return }
        let pause = min(30, pow(2, Double(attempt)))
        writes.asyncAfter(deadline: .now() + pause) { [weak self] in
            self?.send(entry, intent: intent, via: outbox, attempt: attempt + 1)
        }
    }

    /// Decisions left pending by an earlier run (a crash, a network cut) go out now.
    private func retryOutbox() {
        writes.async { [self] in
            guard let server = cache.server, let store = cache.store else { return }
            let outbox = outbox(store, client: client, server: server)
            do {
                for entry in try outbox.pending() {
                    let intent = DecisionIntent(
                        actionID: ActionKey(server: id, id: entry.actionID), verdict: entry.verdict, reason: entry.reason, digest: entry.digest,
                        breakGlass: entry.breakGlass)
                    send(entry, intent: intent, via: outbox, attempt: 1)
                }
            } catch {
                cache.failed("the outbox of earlier decisions cannot be read: \(error)")
            }
        }
    }
}
