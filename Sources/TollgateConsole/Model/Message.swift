import TollgateClient
import TollgateCore
import TollgateSync

/// Everything that can change the model: input, time, the feed, and answers to effects.
public enum Message: Sendable {
    case key(Key)
    /// Text pasted in one piece (bracketed paste): it can fill a prompt, never trigger commands.
    case paste(String)
    case mouse(MouseEvent)
    case resize(Size)
    /// The clock, at most once a second: countdowns, toasts, lingering rows.
    case tick(Timestamp)
    case feed(FeedUpdate, from: ServerID)
    /// A page of the pending actions in the local cache, at start: known already, so no alert.
    case cachedPending([Action], from: ServerID)
    /// The server's current copies of actions the console asked about (`.refreshActions`), and
    /// why some could not be fetched.
    case fetched([Action], problem: String?, from: ServerID)
    /// The local cache's answer to `.loadRecords`: the full records it holds, the ids it does
    /// not, and why it could not be read (a failed read counts its ids as missing).
    case records(found: [Action], missing: [String], problem: String?, from: ServerID)
    case identity(Principal, from: ServerID)
    case identityFailed(String, from: ServerID)
    case decisionResult(DecisionIntent, DecisionOutcome)
    case historyPage(generation: Int, items: [HistoryItem], next: String?)
    case historyFailed(generation: Int, String)
    /// `:theme` finished: the theme now in use, and a problem to show if it was not the one asked for.
    case themeLoaded(name: String, problem: String?)
    /// The local cache cannot be written or read; the console goes on from memory.
    case cacheUnavailable(String)
    /// A line from whoever started the console (the demo's agents), shown as an info toast.
    case notice(String)
}

/// A decision the approver confirmed, with the digest of the action as it was on screen.
public struct DecisionIntent: Hashable, Sendable {
    /// The action and the server it goes to.
    public var actionID: ActionKey
    public var verdict: Verdict
    public var reason: String
    public var digest: String
    /// A break-glass approval (`B`): approves alone, whatever the rule requires.
    public var breakGlass: Bool

    public init(actionID: ActionKey, verdict: Verdict, reason: String, digest: String, breakGlass: Bool = false) {
        self.actionID = actionID; self.verdict = verdict; self.reason = reason; self.digest = digest
        self.breakGlass = breakGlass
    }
}

/// What `update` asks the outside world to do; the wiring performs it and may answer with a message.
public enum Effect: Hashable, Sendable {
    /// Store in the outbox, then POST in the background; answers `.decisionResult`.
    case sendDecision(DecisionIntent)
    /// A page of the local history; answers `.historyPage` or `.historyFailed`.
    case loadHistory(HistoryRequest)
    /// Drop the feeds' backoff and reconnect at once, every followed server.
    case reconnect
    /// Ask the server who the token belongs to; answers `.identity` or `.identityFailed`.
    case fetchIdentity(ServerID)
    /// Read these actions' full records from the local cache (a screen is about to show them);
    /// answers `.records`.
    case loadRecords([ActionKey])
    /// Fetch these actions' current state into the cache and the console (answers `.fetched`):
    /// a reset left them pending there and no event will ever say how they ended, or a screen
    /// needs a full record the cache does not have.
    case refreshActions([ActionKey])
    /// Start or stop following a server (`:ctx`): its feed, whoami and cached pending actions.
    case follow(ServerID, Bool)
    /// Find, parse and apply a theme; answers `.themeLoaded`.
    case loadTheme(String)
    /// Tell the approver, as `--notify` says: the wiring gathers these, at most one a second.
    case alert(AlertEvent)
    /// Set the terminal title: our own words, the pending counts.
    case setTitle(String)
    case quit
}

/// One page of history to load, newest first.
public struct HistoryRequest: Hashable, Sendable {
    public var filter: ActionFilter
    public var cursor: String?
    public var limit: Int
    public var generation: Int

    public init(filter: ActionFilter, cursor: String?, limit: Int, generation: Int) {
        self.filter = filter; self.cursor = cursor; self.limit = limit; self.generation = generation
    }
}
