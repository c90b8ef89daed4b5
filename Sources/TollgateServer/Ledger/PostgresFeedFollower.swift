import Logging
import PostgresNIO
import Synchronization
import TollgateCore

/// Keeps one replica's feed hub in step with the shared ledger: reads the events it has not
/// published yet, in sequence order, and hands them to the hub.
///
/// A read is triggered by a commit on this replica, by a notification from any replica
/// (`LISTEN`, on a connection of its own), and at least once a second. A notification carries
/// only a sequence number and the read takes everything after the last event published, so a
/// notification lost (the LISTEN connection dropped, PostgreSQL restarted) costs latency,
/// never an event. Sequence numbers are issued in commit order (`PostgresLedger`), so what a
/// read sees is always a prefix of the sequence: nothing committed later can land below it.
final class PostgresFeedFollower: Sendable {
    private struct Waiter {
        var seq: Int64
        var continuation: CheckedContinuation<Bool, Never>
        /// Ends the wait at its timeout; cancelled when the wait ends first.
        var timer: Task<Void, Never>?

        func resume(_ published: Bool) {
            timer?.cancel()
            continuation.resume(returning: published)
        }
    }

    private struct State {
        var published: Int64 = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var tasks: [Task<Void, Never>] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let doorbell = Doorbell()
    private let client: PostgresClient
    private let connector: PostgresConnector
    private let hub: FeedHub
    private let logger: Logger
    /// Events read per query; a full batch is followed at once by the next.
    private static let batch = 1_000
    /// The safety net: a read this often even when nothing announced a commit.
    private static let catchUpInterval: Duration = .seconds(1)

    init(client: PostgresClient, connector: PostgresConnector, hub: FeedHub, logger: Logger) {
        self.client = client
        self.connector = connector
        self.hub = hub
        self.logger = logger
    }

    /// Starts following after `seq`, the last event the hub was loaded with.
    func start(after seq: Int64) {
        state.withLock { s in
            s.published = seq
            s.tasks = [
                Task { await self.readLoop() },
                Task { await self.listenLoop() },
                Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.catchUpInterval)
                        self.poke()
                    }
                },
            ]
        }
    }

    /// Asks for a read soon (coalesced: many pokes before a read make one read).
    func poke() { doorbell.ring() }

    /// Waits until the hub has published `seq`, at most `timeout` seconds; true when it has.
    func awaitPublished(through seq: Int64, timeout: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            let id: Int? = state.withLock { s in
                guard s.published < seq, !s.stopped else { return nil }
                s.nextWaiter += 1
                s.waiters[s.nextWaiter] = Waiter(seq: seq, continuation: continuation)
                return s.nextWaiter
            }
            guard let id else { return continuation.resume(returning: state.withLock { $0.published >= seq }) }
            // Started once the waiter is registered, so it cannot fire before there is one to end.
            let timer = Task {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                guard !Task.isCancelled else { return }
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
            let attached = state.withLock { s -> Bool in
                guard s.waiters[id] != nil else { return false }
                s.waiters[id]?.timer = timer
                return true
            }
            if !attached { timer.cancel() }
        }
    }

    /// Ends the loops and releases every waiter.
    func stop() async {
        let (tasks, waiters) = state.withLock { s in
            s.stopped = true
            defer { s.tasks = []; s.waiters = [:] }
            return (s.tasks, s.waiters.values.map { $0 })
        }
        doorbell.close()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        for waiter in waiters { waiter.resume(false) }
    }

    // MARK: - Reading

    private func readLoop() async {
        var failing = false
        for await _ in doorbell.rings {
            do {
                while try await readBatch() == Self.batch {}
                if failing { logger.notice("the feed follower reads the database again") }
                failing = false
            } catch {
                if !failing { logger.error("the feed follower cannot read the database (it retries): \(PostgresErrors.describe(error))") }
                failing = true
            }
        }
    }

    /// Reads and publishes the next events; returns how many.
    private func readBatch() async throws -> Int {
        let after = state.withLock { $0.published }
        let (client, logger) = (self.client, self.logger)
        let events = try await PostgresErrors.guarded(timeout: PostgresLedger.operationTimeout) {
            var events: [Ledger.Event] = []
            for try await (seq, actionID, pending, json) in try await client.query(
                "SELECT seq, action_id, pending, json FROM events WHERE seq > \(after) ORDER BY seq LIMIT \(Self.batch)", logger: logger
            ).decode((Int64, String, Bool, String).self) {
                events.append(Ledger.Event(seq: seq, actionID: actionID, isPending: pending, json: json))
            }
            return events
        }
        guard let last = events.last else { return 0 }
        if let first = events.first, first.seq != after + 1 {
            // Pruned before this replica read them (it was cut off from the database for longer
            // than the replay window): its feed cannot replay them, so its subscribers start over.
            logger.warning("events \(after + 1)...\(first.seq - 1) were pruned before this replica published them; its feeds restart from a snapshot")
            try await reloadHub()
            return 0
        }
        hub.stage(events)
        hub.release()
        let ready = state.withLock { s -> [Waiter] in
            s.published = last.seq
            let due = s.waiters.filter { $0.value.seq <= last.seq }
            for id in due.keys { s.waiters[id] = nil }
            return Array(due.values)
        }
        for waiter in ready { waiter.resume(true) }
        return events.count
    }

    /// Reloads the hub from the ledger and ends every open feed (their reconnects get a reset).
    private func reloadHub() async throws {
        let (client, logger) = (self.client, self.logger)
        let window = hub.window
        let feedState = try await PostgresErrors.guarded(timeout: PostgresLedger.operationTimeout * 2) {
            try await PostgresLedger.feedState(window: window, client: client, logger: logger)
        }
        hub.restart(from: feedState)
        state.withLock { $0.published = feedState.lastSeq }
    }

    // MARK: - Listening

    /// Holds a LISTEN connection, reconnecting with a growing pause while the database is away.
    private func listenLoop() async {
        var pause: Duration = .milliseconds(100)
        var failing = false
        while !Task.isCancelled {
            do {
                let connection = try await connector.connect()
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: PostgresLedger.channel) { notifications in
                    // Anything announced while no connection was listening is read now.
                    self.poke()
                    if failing { logger.notice("the feed follower listens to the database again") }
                    failing = false
                    pause = .milliseconds(100)
                    for try await _ in notifications { self.poke() }
                }
            } catch {
                if Task.isCancelled { return }
                if !failing { logger.warning("the feed follower lost its LISTEN connection (it reconnects): \(PostgresErrors.describe(error))") }
                failing = true
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(2))
        }
    }
}
