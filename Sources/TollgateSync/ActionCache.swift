import Synchronization
import TollgateClient
import TollgateCore
import TollgateStore

/// What the local cache holds of some actions' full records.
public struct CachedRecords: Equatable, Sendable {
    /// The newest record of each id found.
    public var found: [Action]
    /// The ids no cache holds, or none could be read for.
    public var missing: [String]
    /// Why a cache could not be read, if one could not (the other one was still tried).
    public var problem: String?

    public init(found: [Action], missing: [String], problem: String?) {
        self.found = found
        self.missing = missing
        self.problem = problem
    }
}

/// How far a read of the cached pending actions got.
public struct PendingRead: Equatable, Sendable {
    /// Actions handed over.
    public var count: Int
    /// Whether every cached pending action was handed over; when not, the cached feed position
    /// would skip the rest, so the feed must start from a snapshot.
    public var complete: Bool

    public init(count: Int, complete: Bool) {
        self.count = count
        self.complete = complete
    }
}

/// The approver's local copy of one server's actions: the shared stores (`CacheStores`: the disk
/// cache, and the in-memory cache that takes over when the disk one fails), and the feed's
/// writes gathered into batches.
///
/// The feed delivers thousands of events in a snapshot; `batch` gathers them and `flush` writes
/// them in one transaction. What is gathered, or being written, stays readable through `records`,
/// so any action the UI has heard of can be read back. The first failure of the disk cache
/// switches writes to memory for good; reads then try memory first and the disk second (it still
/// holds what came before). Every failure goes to `report`, in words for the user.
public final class ActionCache: Sendable {
    /// The server whose actions these are; nil when there is none (no feed, history only).
    public let server: String?
    private let stores: CacheStores
    private var disk: HistoryStore? { stores.disk }
    private var memory: HistoryStore? { stores.memory }
    private let state = Mutex(State())

    private struct State {
        /// Gathered, not yet handed to `flush`.
        var batch: [Action] = []
        /// The feed position that comes with the batch: saved only after the actions before it.
        var position: Int64?
        /// Handed to `flush` and being written: still readable until it is stored.
        var flushing: [Action] = []
        var flushScheduled = false
    }

    /// `server`'s part of the cache in `stores`.
    public init(stores: CacheStores, server: String?) {
        self.stores = stores
        self.server = server
    }

    /// The store to write to and read history from: the disk cache while it works, memory after.
    public var store: HistoryStore? { stores.store }

    /// Reports a failure of the cache in use, in words; a failure of the disk cache switches to memory.
    public func failed(_ why: String) { stores.failed(why) }

    // MARK: - Writes

    /// Runs `write` on the store in use; when the disk cache fails it, reports, switches to memory
    /// and runs it there. Returns the value and the store that took it, or the last failure
    /// (already reported).
    @discardableResult
    public func write<T>(_ write: (HistoryStore) throws -> T) -> Result<(value: T, store: HistoryStore), any Error> {
        var lastError: any Error = StoreError(.invalidData, path: "", detail: "no cache")
        for candidate in [disk, memory] {
            guard let candidate, candidate !== disk || !stores.isDiskFailed else { continue }
            do {
                return .success((try write(candidate), candidate))
            } catch {
                failed("\(error)")
                lastError = error
            }
        }
        if disk == nil && memory == nil { failed("\(lastError)") }
        return .failure(lastError)
    }

    /// Gathers a feed event's action and position for the next `flush`; true when no flush is
    /// scheduled yet and the caller must schedule one.
    public func batch(_ action: Action?, position: Int64?) -> Bool {
        state.withLock { state in
            if let action { state.batch.append(action) }
            if let position { state.position = max(state.position ?? position, position) }
            defer { state.flushScheduled = true }
            return !state.flushScheduled
        }
    }

    /// Writes what was gathered in one transaction, then the feed position; returns how many
    /// actions that was. Called from one thread at a time (the console's writes queue).
    @discardableResult
    public func flush() -> Int {
        let (actions, position) = state.withLock { state in
            defer {
                state.flushing = state.batch
                state.batch = []
                state.position = nil
                state.flushScheduled = false
            }
            return (state.batch, state.position)
        }
        defer { state.withLock { $0.flushing = [] } }
        guard let server, !actions.isEmpty || position != nil else { return actions.count }
        write { store in
            try store.upsert(actions, server: server)
            // The position is saved only after the actions before it, so a restart never skips any.
            if let position { try store.setLastEventID(position, server: server) }
        }
        return actions.count
    }

    // MARK: - Reads

    /// The newest full records of `ids`: from the batch not yet written, else the cache in use,
    /// else the other one. A read that fails is reported in the answer, and the other cache is
    /// still tried.
    public func records(_ ids: [String]) -> CachedRecords {
        var answer = CachedRecords(found: [], missing: [], problem: nil)
        for id in ids {
            let unwritten = state.withLock { state in
                state.batch.last { $0.id == id } ?? state.flushing.last { $0.id == id }
            }
            let diskFailed = stores.isDiskFailed
            if let unwritten {
                answer.found.append(unwritten)
                continue
            }
            var record: Action?
            if let server {
                for store in diskFailed ? [memory, disk] : [disk, memory] {
                    do {
                        record = try store?.action(id: id, server: server)
                    } catch {
                        answer.problem = answer.problem ?? "\(error)"
                    }
                    if record != nil { break }
                }
            }
            if let record { answer.found.append(record) } else { answer.missing.append(id) }
        }
        return answer
    }

    /// The feed position saved in the disk cache, or nil: none saved, or it could not be read
    /// (reported, and memory takes over).
    public func feedPosition() -> Int64? {
        guard let server, let disk else { return nil }
        do { return try disk.lastEventID(server: server) } catch {
            failed("\(error)")
            return nil
        }
    }

    /// Reads the disk cache's pending actions a page at a time and hands each page to `page`
    /// while `go` says to go on, up to `limit` actions. A page that cannot be read, or a cursor
    /// that does not move, is reported, and memory takes over; the read is then incomplete.
    public func readPending(limit: Int = 50_000, go: () -> Bool, page: ([Action]) -> Void) -> PendingRead {
        guard let server, let disk else { return PendingRead(count: 0, complete: true) }
        var count = 0
        var cursor: String?
        repeat {
            guard go() else { return PendingRead(count: count, complete: false) }
            // Not a failure: the feed's snapshot brings the rest.
            guard count < limit else { return PendingRead(count: count, complete: false) }
            do {
                let found = try disk.page(HistoryQuery(statuses: [.pending], server: server), limit: HistoryStore.maximumPageSize, cursor: cursor)
                if !found.actions.isEmpty { page(found.actions.map(\.action)) }
                count += found.actions.count
                // A cursor that does not move would read the same page for ever.
                cursor = try PageProgress.cursor(found.nextCursor, after: cursor, rows: found.actions.count, what: "cached pending")
            } catch {
                failed("reading the cached pending actions after \(count): \(error)")
                return PendingRead(count: count, complete: false)
            }
        } while cursor != nil
        return PendingRead(count: count, complete: true)
    }
}
