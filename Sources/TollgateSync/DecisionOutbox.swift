import TollgateClient
import TollgateCore
import TollgateStore

/// What became of one decision sent through the outbox.
public enum DecisionOutcome: Sendable {
    /// The server recorded it; the action as it now stands.
    case accepted(Action)
    /// The server refused it for good (409, 410, 403, 422…): recorded, never retried.
    case rejected(status: Int, code: ErrorCode?, message: String, action: Action?)
    /// Not delivered (network, 5xx, 429, 401): the entry stays pending and is retried.
    case undelivered(String)

    /// A plain-words account for a row, a toast or stderr.
    public var plainWords: String {
        switch self {
        case .accepted(let a):
            switch a.status {
            case .approved: return "approved"
            case .denied: return "denied"
            case .pending: return "vote recorded (\(a.approvalCount)/\(a.requiredApprovals) approvals)"
            default: return a.status.rawValue
            }
        case .rejected(_, let code, let message, let action):
            switch code {
            case .alreadyResolved: return "someone else decided first: the action is \(action?.status.rawValue ?? "resolved")"
            case .alreadyDecided: return "you have already decided this action"
            case .expired: return "too late: the action expired"
            case .selfApproval: return "refused: you cannot decide your own request"
            case .digestMismatch: return "refused: the action changed since you read it; look again"
            case .reasonRequired: return "refused: a reason is required"
            case .notEligible: return "refused: your approval would not count (\(message))"
            case .forbidden: return "refused: your token lacks the approver role"
            case .notFound: return "refused: the server has no such action"
            default: return "refused: \(message)"
            }
        case .undelivered(let why):
            return "not sent yet (\(why)); will retry"
        }
    }
}

/// Makes a decision durable before it is sent, and sends it exactly once.
///
/// The decision is written to the history store's outbox first, with a fresh idempotency
/// key; then it is POSTed with that key. A network failure leaves it pending for a retry
/// (now or at the next start), and because the key is the same, the server records it once
/// however many times it arrives. Refusals are recorded with their reason and not retried.
///
/// What the store fails to record after a send (the answer, the entry's new state) is handed to
/// `problem`: the decision itself went out, so the outcome stands, but the caller says that the
/// cache missed it (the console switches to its memory cache, the CLI warns on stderr).
public final class DecisionOutbox: Sendable {
    private let store: HistoryStore
    private let client: APIClient
    private let server: String
    private let problem: @Sendable (String) -> Void

    public init(store: HistoryStore, client: APIClient, server: String, problem: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.client = client
        self.server = server
        self.problem = problem
    }

    /// Records `verdict` on `action` with the digest that was shown, then sends it.
    ///
    /// `breakGlass` is kept in the outbox row with the rest, so a retry from `flushPending`
    /// sends the same break-glass approval under the same key.
    public func decide(
        _ action: Action, verdict: Verdict, reason: String, breakGlass: Bool = false, at now: Timestamp = .now()
    ) throws -> (OutboxEntry, DecisionOutcome) {
        let entry = try store.enqueueDecision(
            server: server, actionID: action.id, verdict: verdict, reason: reason, digest: action.digest, breakGlass: breakGlass, at: now)
        return (entry, send(entry))
    }

    /// Sends every decision still pending for this server (after a crash or a network cut).
    /// Throws when the outbox cannot be read: that is not the same as nothing pending.
    public func flushPending() throws -> [(OutboxEntry, DecisionOutcome)] {
        try pending().map { ($0, send($0)) }
    }

    /// The decisions still pending for this server, oldest first.
    public func pending() throws -> [OutboxEntry] {
        try store.pendingOutbox(server: server)
    }

    /// POSTs one outbox entry as it was written (break-glass or not) and records the answer.
    public func send(_ entry: OutboxEntry) -> DecisionOutcome {
        let request = DecisionRequest(verdict: entry.verdict, reason: entry.reason, digest: entry.digest, breakGlass: entry.breakGlass)
        let outcome: DecisionOutcome
        do {
            let action = try client.decide(id: entry.actionID, request, idempotencyKey: entry.key)
            outcome = .accepted(action)
            record("the action as the server answered") { try store.upsert([action], server: server) }
            record("that it was sent") { try store.markSent(key: entry.key) }
        } catch {
            switch error {
            case .server(let status, let e) where Self.isFinal(status):
                outcome = .rejected(status: status, code: e.code, message: e.message, action: e.action)
                if let a = e.action { record("the action as the server answered") { try store.upsert([a], server: server) } }
                record("the refusal") { try store.markRejected(key: entry.key, httpStatus: status, message: outcome.plainWords) }
            case .http(let status, _) where Self.isFinal(status):
                outcome = .rejected(status: status, code: nil, message: error.description, action: nil)
                record("the refusal") { try store.markRejected(key: entry.key, httpStatus: status, message: outcome.plainWords) }
            default:
                outcome = .undelivered(error.description)
                record("the failed attempt") { try store.recordAttemptFailure(key: entry.key, message: error.description) }
            }
        }
        return outcome
    }

    /// Runs one bookkeeping write; a failure goes to `problem`, naming the decision's fact it lost.
    private func record(_ what: String, _ write: () throws -> Void) {
        do { try write() } catch { problem("the history cache did not record \(what): \(error)") }
    }

    /// 4xx answers are final, except 401 (a token to fix) and 408/429 (try again).
    private static func isFinal(_ status: Int) -> Bool {
        (400..<500).contains(status) && ![401, 408, 429].contains(status)
    }
}
