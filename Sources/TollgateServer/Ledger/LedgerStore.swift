import Foundation
import TollgateCore

/// The server's durable record behind one interface, so the approval rules (`ActionService`)
/// do not know whether they run on the embedded SQLite file or on PostgreSQL shared by replicas.
///
/// A write is one transaction that reads what it needs, applies a pure rule handed in by the
/// caller, and commits: the action's row, a feed event with the next sequence number, and an
/// audit record when the action has just been resolved. Sequence numbers are global, strictly
/// increasing, gap-free and in commit order. A write returns once its change is published on
/// this server's feed hub (read-your-writes: a subscriber on the same server already has it);
/// on PostgreSQL it waits for that at most 5 s, then returns and logs that the feed lags.
public protocol LedgerStore: Sendable {
    /// Stores the action `make` builds at the transaction's time, unless `claim`'s key already
    /// produced one, in which case that action is the answer and nothing is written.
    func submit(claim: Ledger.IdempotencyClaim?, _ make: @escaping @Sendable (Timestamp) throws -> Action) async throws -> Ledger.Stored

    /// Changes the action `id` by `rule`, applied to the action as stored with nothing else
    /// changing it meanwhile. Not found throws `not_found`; a `claim` already used answers with
    /// the action as it stands.
    func update(
        id: String, claim: Ledger.IdempotencyClaim?, _ rule: @escaping @Sendable (Action, Timestamp) throws -> Ledger.Update
    ) async throws -> Ledger.Stored

    /// Applies `expiring` to pending actions whose expiry has come (up to a batch), each expired
    /// exactly once however many servers sweep at the same time; returns how many it expired.
    func expireDue(_ expiring: @escaping @Sendable (Action, Timestamp) -> Action?) async throws -> Int

    /// Records the escalations whose windows have opened (the planner's `escalationWindows`):
    /// each (action, notifier) once however many servers sweep, with a delivery for each notifier
    /// that covers the action, and the action's `escalated_at` set (a feed event) the first time.
    /// Returns how many actions escalated.
    func escalateDue() async throws -> Int

    /// Takes up to `limit` due deliveries of `notifier` for this server to send, each leased for
    /// `lease` seconds (another replica takes it after that, should this one die) and its
    /// attempt counted.
    func claimDeliveries(notifier: String, limit: Int, lease: Double) async throws -> [Ledger.Delivery]

    /// Records how the attempt at delivery `id` ended.
    func settleDelivery(id: String, _ outcome: Ledger.DeliveryOutcome) async throws

    /// Deliveries waiting to be sent (failed ones not counted).
    func outboxDepth() async throws -> Int

    /// Deletes the waiting deliveries of notifiers not in `configured` (removed from the
    /// configuration since they were queued); returns how many went, by notifier.
    func dropDeliveries(keeping configured: [String]) async throws -> [String: Int]

    /// Deletes at most `limit` events at or before `keepEventsAfter` and as many idempotency
    /// keys (and failed deliveries) older than `idempotencyBefore`; returns how many rows went.
    func prune(keepEventsAfter seq: Int64, idempotencyBefore cutoff: Timestamp, limit: Int) async throws -> Int

    /// The action `id` and its stored JSON, or nil.
    func stored(id: String) async throws -> Ledger.Stored?

    /// A page of actions, newest first, after `cursor` (`created_at` ms and id of the last row seen).
    func list(status: ActionStatus?, since: Timestamp?, limit: Int, after cursor: (Int64, String)?) async throws -> [Action]

    /// Audit records after `seq`, as stored JSON lines, oldest first.
    func auditLines(after seq: Int64, limit: Int) async throws -> [String]

    /// Loads the feed hub at start-up and keeps it fed with every commit, this server's and
    /// (with replicas) the others', in sequence order.
    func startFeed() async throws

    /// Waits, at most `timeout` seconds, until the hub has published `seq`: a client resuming
    /// here after an event another replica already sent it. True when it has.
    func awaitFeed(through seq: Int64, timeout: Double) async -> Bool

    /// Stops background work and closes connections (a graceful shutdown).
    func close() async
}

/// What a ledger does besides storing: plans the webhook deliveries each change owes (stored in
/// its transaction), reports what it committed (metrics), and says when deliveries were queued
/// (to wake the dispatcher).
public struct LedgerHooks: Sendable {
    public var planner: NoticePlanner
    public var committed: @Sendable ([Ledger.Transition]) -> Void
    public var deliveriesQueued: @Sendable () -> Void

    public init(
        planner: NoticePlanner = NoticePlanner(notifiers: []), committed: @escaping @Sendable ([Ledger.Transition]) -> Void = { _ in },
        deliveriesQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.planner = planner
        self.committed = committed
        self.deliveriesQueued = deliveriesQueued
    }

    /// After a transaction committed `changes`: report them, and wake the dispatcher if any queued a delivery.
    func after(_ changes: [Ledger.Change], escalationDeliveries: Int = 0) {
        guard !changes.isEmpty || escalationDeliveries > 0 else { return }
        if !changes.isEmpty { committed(changes.map(\.transition)) }
        if escalationDeliveries > 0 || changes.contains(where: { $0.deliveries > 0 }) { deliveriesQueued() }
    }
}

/// The types the ledger stores and answers with.
public enum Ledger {
    /// An action as stored: the value, and its JSON exactly as the API answers with it.
    public struct Stored: Sendable {
        public var action: Action
        public var json: String
    }

    /// A committed change: the action (and how it stood before), its event's sequence number,
    /// the encoded JSON, and how many webhook deliveries it queued.
    public struct Change: Sendable {
        public var action: Action
        public var previous: Action?
        public var seq: Int64
        public var json: String
        public var deliveries = 0

        public var transition: Transition { Transition(previous: previous, current: action) }

        public var stored: Stored { Stored(action: action, json: json) }
        public var event: Event { Event(seq: seq, actionID: action.id, isPending: action.status == .pending, json: json) }
    }

    /// One committed change of an action: how it stood before (nil for a submission) and how it
    /// stands now. What notifiers and metrics derive their events from.
    public struct Transition: Sendable {
        public var previous: Action?
        public var current: Action

        public init(previous: Action?, current: Action) {
            self.previous = previous
            self.current = current
        }
    }

    /// A webhook delivery as the outbox keeps it until it is sent or given up: the action's
    /// JSON as it stood when the event happened, so every attempt says the same.
    public struct Delivery: Sendable {
        /// `dlv_` and 26 characters, stable across retries (the receiver's deduplication key).
        public var id: String
        public var notifier: String
        public var event: NotifierSettings.Event
        public var actionID: String
        public var actionJSON: String
        public var createdAt: Timestamp
        /// Attempts made, this one included once claimed.
        public var attempts = 0

        public init(
            id: String? = nil, notifier: String, event: NotifierSettings.Event, actionID: String, actionJSON: String, createdAt: Timestamp,
            attempts: Int = 0
        ) {
            self.id = id ?? "dlv_" + ActionID.make(at: createdAt).dropFirst(4)
            self.notifier = notifier
            self.event = event
            self.actionID = actionID
            self.actionJSON = actionJSON
            self.createdAt = createdAt
            self.attempts = attempts
        }
    }

    /// How an attempt at a delivery ended, as the outbox records it.
    public enum DeliveryOutcome: Sendable {
        /// The receiver took it (2xx): the delivery leaves the outbox.
        case delivered
        /// Try again at `at` (an error, a timeout, 408, 429, 5xx).
        case retry(at: Timestamp, error: String)
        /// Given up (a refusal, or the last attempt failed): kept, marked failed, until pruned.
        case failed(error: String)
    }

    /// A feed event as the hub publishes it: what changed, where in the sequence, and its JSON.
    public struct Event: Sendable {
        public var seq: Int64
        public var actionID: String
        public var isPending: Bool
        public var json: String
    }

    /// An Idempotency-Key as a write claims it: who sent it, for which operation, and the hash
    /// of the request it came with (the same key with another request is refused).
    public struct IdempotencyClaim: Sendable {
        public var principal: String
        public var scope: String
        public var key: String
        public var requestHash: String
    }

    /// What a rule decided to do with an action.
    public enum Update: Sendable {
        /// Store the action as it now stands and answer with it.
        case commit(Action)
        /// Store the action (an expiry found on the way), then refuse with the error: the
        /// refusal must not roll the expiry back.
        case commitThenRefuse(Action, ProtocolError)
    }

    /// What the feed hub needs at start-up: the last sequence number ever issued, the most
    /// recent events within the window, and every pending action with its latest seq.
    struct FeedState {
        var lastSeq: Int64
        var events: [(seq: Int64, json: String)]
        var pending: [(id: String, seq: Int64, json: String)]
    }

    /// An audit record as both ledgers store it and `GET /v1/audit` serves it: sorted keys, `/`
    /// unescaped.
    static func auditJSON(_ record: AuditRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    /// The checks of an idempotency key found stored: the same request answers with the action
    /// it produced, another request is refused.
    static func replay(storedHash: String, actionID: String, for claim: IdempotencyClaim) throws(ProtocolError) -> String {
        guard storedHash == claim.requestHash else {
            throw ProtocolError(.badRequest, "Idempotency-Key: this key was already used with a different request")
        }
        return actionID
    }
}
