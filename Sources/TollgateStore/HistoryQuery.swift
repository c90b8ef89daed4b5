import TollgateCore

/// What to show from the history: a search and filters, all ANDed.
///
/// Every set means "any of these"; an empty set or nil means no filter on that field.
/// Example: the pending critical actions in production mentioning "customers":
/// `HistoryQuery(text: "customers", statuses: [.pending], risks: [.critical], environments: ["production"])`.
public struct HistoryQuery: Hashable, Sendable {
    /// Words to find in summary, command, resource, justification, context and decision
    /// reasons; the last word also matches as a prefix. Any text is safe (see `SearchExpression`).
    public var text: String
    public var statuses: Set<ActionStatus>
    public var risks: Set<Risk>
    /// Exact kinds, such as `data.export`.
    public var kinds: Set<String>
    public var environments: Set<String>
    /// A principal who asked: the requester's id or the one it acted on behalf of.
    public var requester: String?
    /// A principal who decided (either verdict).
    public var approver: String?
    /// Created at or after this time.
    public var since: Timestamp?
    /// Created before this time (exclusive, so ranges tile).
    public var until: Timestamp?
    /// One server's actions; nil means every server in the cache.
    public var server: String?

    public init(
        text: String = "", statuses: Set<ActionStatus> = [], risks: Set<Risk> = [], kinds: Set<String> = [],
        environments: Set<String> = [], requester: String? = nil, approver: String? = nil,
        since: Timestamp? = nil, until: Timestamp? = nil, server: String? = nil
    ) {
        self.text = text; self.statuses = statuses; self.risks = risks; self.kinds = kinds
        self.environments = environments; self.requester = requester; self.approver = approver
        self.since = since; self.until = until; self.server = server
    }
}

/// One page of history, newest first.
public struct HistoryPage: Sendable {
    public var actions: [StoredAction]
    /// Pass to `page(_:limit:cursor:)` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(actions: [StoredAction], nextCursor: String?) {
        self.actions = actions; self.nextCursor = nextCursor
    }
}

/// An action as last seen, and the server it came from.
public struct StoredAction: Hashable, Sendable {
    public var server: String
    public var action: Action

    public init(server: String, action: Action) {
        self.server = server; self.action = action
    }
}
