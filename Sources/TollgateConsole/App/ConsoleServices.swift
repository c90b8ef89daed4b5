import CNcurses
import Foundation
import TollgateClient
import TollgateCore
import TollgateStore

/// The console's work off the UI thread: the feed, the cache, REST calls. Results come back as
/// messages through the inbox.
///
/// Cache writes and decisions run in order on one serial queue (a decision is in the outbox
/// before it is sent); history pages run on another so a slow network never delays reading.
/// When the cache on disk fails, an in-memory one takes its place and the console says so.
/// It is also the model's `ActionArchive`: full records are read back from the cache.
final class ConsoleServices: ActionArchive, @unchecked Sendable {
    // @unchecked: the mutable state (`pendingUpserts`, `flushing`, `flushScheduled`,
    // `cacheFailed`, `feed`) is only touched under `lock`, the memory-release counters only on
    // `writes`; everything else is immutable and Sendable.
    private let inbox: Inbox
    private let server: String?
    private let disk: HistoryStore?
    private let memory: HistoryStore?
    private let client: APIClient?
    private let writes = DispatchQueue(label: "tollgate.console.writes")
    private let reads = DispatchQueue(label: "tollgate.console.reads")
    private let lock = NSLock()
    private var pendingUpserts: [Action] = []
    /// The batch being written now: still readable through `records(_:)` until it is stored.
    private var flushing: [Action] = []
    private var pendingPosition: Int64?
    private var flushScheduled = false
    private var cacheFailed = false
    private var stopped = false
    private var feed: FeedConnection?
    private let feedOptions: FeedOptions

    init(inbox: Inbox, endpoint: ServerEndpoint?, historyPath: String, feed feedOptions: FeedOptions = FeedOptions()) {
        self.inbox = inbox
        self.feedOptions = feedOptions
        server = endpoint?.baseURL
        client = endpoint.map { APIClient(endpoint: $0) }
        var opened: HistoryStore?
        do {
            opened = try HistoryStore(path: historyPath)
        } catch {
            cacheFailed = true
            inbox.post(.cacheUnavailable("\(error)"))
        }
        disk = opened
        memory = try? HistoryStore.inMemory()
    }

    /// The store to write to: the disk cache while it works, memory after it failed.
    private var store: HistoryStore? {
        lock.lock()
        defer { lock.unlock() }
        return cacheFailed ? memory : disk
    }

    private func cacheFailure(_ error: any Error) {
        lock.lock()
        let first = !cacheFailed
        cacheFailed = true
        lock.unlock()
        if first { inbox.post(.cacheUnavailable("\(error)")) }
    }

    // MARK: - Start and stop

    /// Whoami and the outbox retry; then, off the UI thread, the pending actions from the cache
    /// and, after them, the live feed.
    func start() {
        guard let server, let client else { return }
        fetchIdentity()
        retryOutbox()
        reads.async { [self] in
            let cachedPosition = (try? disk?.lastEventID(server: server)) ?? nil
            postCachedPending(server: server)
            // Only now: a feed event must never be overtaken by an older copy from the cache.
            let connection = FeedConnection(endpoint: client.endpoint, lastEventID: cachedPosition, options: feedOptions) { [weak self] update in
                self?.received(update)
            }
            lock.lock()
            let started = !stopped
            if started { feed = connection }
            lock.unlock()
            if started { connection.start() }
        }
    }

    /// The cache's pending actions, a page per message: the UI keeps rows of them, so only a
    /// page of full records is alive at a time, decoded on this thread, not among the rows.
    private func postCachedPending(server: String) {
        guard let disk else { return }
        var count = 0
        var cursor: String?
        repeat {
            guard !isStopped, let page = try? disk.page(HistoryQuery(statuses: [.pending], server: server), limit: HistoryStore.maximumPageSize, cursor: cursor) else { break }
            if !page.actions.isEmpty { inbox.post(.cachedPending(page.actions.map(\.action))) }
            count += page.actions.count
            // A cursor that does not move would read the same page for ever.
            guard let next = try? PageProgress.cursor(page.nextCursor, after: cursor, rows: page.actions.count, what: "cached pending") else { break }
            cursor = next
        } while cursor != nil && count < 50_000
        // Reading them left their JSON and SQLite's buffers freed in this thread's arena.
        if count > 0 { writes.async { [self, count] in releaseMemoryAfterBursts(count: count) } }
    }

    /// `GET /v1/whoami`, off the UI thread.
    func fetchIdentity() {
        guard let client else { return }
        let inbox = inbox
        DispatchQueue.global().async {
            do {
                inbox.post(.identity(try client.whoami()))
            } catch {
                inbox.post(.identityFailed("\(error)"))
            }
        }
    }

    /// Stops the feed and retries, and saves what the feed sent last.
    func stop() {
        lock.lock()
        let connection = feed
        feed = nil
        stopped = true
        lock.unlock()
        connection?.stop()
        writes.sync { flush() }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func reconnect() {
        lock.lock()
        let connection = feed
        lock.unlock()
        connection?.reconnectNow()
    }

    // MARK: - The feed

    /// On the feed thread: batch actions for the cache, and hand the update to the UI.
    private func received(_ update: FeedUpdate) {
        var position: Int64?
        var action: Action?
        switch update {
        case .event(.action(let a, let seq)): action = a; position = seq
        case .event(.sync(let seq, _)): position = seq
        default:
            inbox.post(.feed(update))
            return
        }
        lock.lock()
        if let action { pendingUpserts.append(action) }
        if let position { pendingPosition = max(pendingPosition ?? position, position) }
        let schedule = !flushScheduled
        flushScheduled = true
        lock.unlock()
        // Posted after batching, so any action the UI has seen can be read back (`records(_:)`).
        inbox.post(.feed(update))
        // A short delay gathers a snapshot's thousands of events into a few transactions.
        if schedule { writes.asyncAfter(deadline: .now() + 0.05) { [weak self] in self?.flush() } }
    }

    private func flush() {
        lock.lock()
        let actions = pendingUpserts
        let position = pendingPosition
        flushing = actions
        pendingUpserts = []
        pendingPosition = nil
        flushScheduled = false
        lock.unlock()
        defer {
            lock.lock()
            flushing = []
            lock.unlock()
        }
        guard let server, let store else { return }
        do {
            try store.upsert(actions, server: server)
            // The position is saved only after the actions before it, so a restart never skips any.
            if let position { try store.setLastEventID(position, server: server) }
        } catch {
            cacheFailure(error)
            // The batch that failed is what the queue shows now: its full records must stay readable.
            if store !== memory { try? memory?.upsert(actions, server: server) }
        }
        releaseMemoryAfterBursts(count: actions.count)
    }

    // MARK: - Full records (ActionArchive)

    /// The newest full records of `ids`: from the batch not yet written, else the cache in use,
    /// else the other one (the disk cache still holds what came before it failed).
    ///
    /// Called on the UI thread when a screen needs a record (the one read `update` asks of the
    /// wiring): primary-key reads, well under a millisecond each. A read that fails is reported,
    /// and the other cache is still tried.
    func records(_ ids: [String]) -> Message {
        var found: [Action] = []
        var missing: [String] = []
        var problem: String?
        for id in ids {
            lock.lock()
            let unwritten = pendingUpserts.last { $0.id == id } ?? flushing.last { $0.id == id }
            let failed = cacheFailed
            lock.unlock()
            if let unwritten {
                found.append(unwritten)
                continue
            }
            var record: Action?
            if let server {
                for store in failed ? [memory, disk] : [disk, memory] {
                    do {
                        record = try store?.action(id: id, server: server)
                    } catch {
                        problem = problem ?? "\(error)"
                    }
                    if record != nil { break }
                }
            }
            if let record { found.append(record) } else { missing.append(id) }
        }
        return .records(found: found, missing: missing, problem: problem)
    }

    // MARK: - Memory after bursts (on the writes queue only)

    /// Actions upserted (or read at start) since memory was last handed back.
    private var upsertedSinceRelease = 0
    private var releaseScheduled = false
    private var lastFlush = DispatchTime.now()

    /// Once a burst of arrivals (a snapshot, a replay, a flood of submissions, the cached queue
    /// read at start) has been quiet for a second, gives the freed pages of every thread's malloc
    /// arena back to the system: decoding and upserting leave ~1.5 KB per action there (15 MB for
    /// 10,000), which glibc keeps.
    private func releaseMemoryAfterBursts(count: Int) {
        upsertedSinceRelease += count
        lastFlush = .now()
        guard upsertedSinceRelease >= 500, !releaseScheduled else { return }
        releaseScheduled = true
        writes.asyncAfter(deadline: .now() + 1) { [weak self] in self?.releaseIfQuiet() }
    }

    private func releaseIfQuiet() {
        guard lastFlush + 1 <= .now() else {
            writes.asyncAfter(deadline: lastFlush + 1) { [weak self] in self?.releaseIfQuiet() }
            return
        }
        releaseScheduled = false
        upsertedSinceRelease = 0
        tg_release_free_memory()
    }

    /// Fetches the server's copies of `ids` into the cache and the console: actions the feed
    /// stopped talking about (after a reset), or a full record a screen needs.
    func refresh(_ ids: [String]) {
        reads.async { [self] in
            guard let server, let client else { return }
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
                do { try store?.upsert(found, server: server) } catch { cacheFailure(error) }
                // Stored first, so what the console shows can be read back from the cache.
                inbox.post(.fetched(found, problem: problem))
            }
        }
    }

    // MARK: - Decisions

    /// Writes the decision to the outbox, sends it, and reports the outcome; retries while undelivered.
    func decide(_ intent: DecisionIntent) {
        writes.async { [self] in
            guard let server, let client else { return }
            let entry: OutboxEntry
            do {
                entry = try enqueue(intent, server: server, in: store)
            } catch {
                cacheFailure(error)
                guard let memory, let e = try? enqueue(intent, server: server, in: memory) else {
                    inbox.post(.decisionResult(intent, .undelivered("cannot record the decision: \(error)")))
                    return
                }
                entry = e
                send(entry, intent: intent, via: DecisionOutbox(store: memory, client: client, server: server), attempt: 1)
                return
            }
            guard let store else { return }
            send(entry, intent: intent, via: DecisionOutbox(store: store, client: client, server: server), attempt: 1)
        }
    }

    private func enqueue(_ intent: DecisionIntent, server: String, in store: HistoryStore?) throws -> OutboxEntry {
        guard let store else { throw StoreError(.invalidData, path: "", detail: "no cache") }
        return try store.enqueueDecision(server: server, actionID: intent.actionID, verdict: intent.verdict,
                                         reason: intent.reason, digest: intent.digest, at: .now())
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
            guard let server, let client, let store, let pending = try? store.pendingOutbox(server: server) else { return }
            let outbox = DecisionOutbox(store: store, client: client, server: server)
            for entry in pending {
                let intent = DecisionIntent(actionID: entry.actionID, verdict: entry.verdict, reason: entry.reason, digest: entry.digest)
                send(entry, intent: intent, via: outbox, attempt: 1)
            }
        }
    }

    // MARK: - History

    func loadHistory(_ request: HistoryRequest) {
        reads.async { [self] in
            guard let store = self.store else {
                inbox.post(.historyFailed(generation: request.generation, "no local cache"))
                return
            }
            let f = request.filter
            let query = HistoryQuery(text: f.text, statuses: f.statuses, risks: f.risks, environments: f.environments, since: f.since)
            do {
                let page = try store.page(query, limit: request.limit, cursor: request.cursor)
                inbox.post(.historyPage(generation: request.generation, actions: page.actions.map(\.action), next: page.nextCursor))
            } catch {
                inbox.post(.historyFailed(generation: request.generation, "\(error)"))
            }
        }
    }
}
