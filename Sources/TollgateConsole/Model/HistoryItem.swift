import TollgateCore

/// One action of the local history, and the server it came from.
public struct HistoryItem: Hashable, Sendable {
    /// The server among the console's; a server the cache holds history of but the console was
    /// not started with has an id past theirs, its own for the session (read-only).
    public let server: ServerID
    /// What the SERVER column shows: its configured name, else its host (and port), as `tollgate history` names it.
    public let serverName: String
    public let action: Action

    public init(server: ServerID, serverName: String, action: Action) {
        self.server = server
        self.serverName = serverName
        self.action = action
    }

    var key: ActionKey { ActionKey(server: server, id: action.id) }
}
