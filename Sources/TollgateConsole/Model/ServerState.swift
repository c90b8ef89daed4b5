import TollgateClient
import TollgateCore

/// What the console knows of one of its servers: the feed's state, who the token is there, and
/// where its snapshot stands. Each server is followed, identified and kept apart on its own.
public struct ServerState: Sendable {
    /// The name the configuration gives it (`[[servers]] name`), or its host for `--server`.
    public let name: String
    /// Its base URL, as the header shows it.
    public let url: String
    /// Followed now (`--context`, `:ctx`): its feed runs and its actions are in the queue.
    public var followed: Bool
    public var connection: ConnectionState = .connecting
    /// The last reason the feed went offline, shown beside the reconnect countdown.
    var connectionProblem: String?
    /// Who the token belongs to on this server (`GET /v1/whoami`); nil until known.
    public var me: Principal?
    var identityProblem: String?
    /// The feed has sent `sync` at least once: from then on a new urgent action alerts.
    var isLive = false
    /// After a `reset`: the pending ids not yet re-sent; whatever is left at `sync` is dropped.
    var staleAfterReset: Set<String>?
    var malformedEvents = 0

    public init(name: String, url: String, followed: Bool = true) {
        self.name = name
        self.url = url
        self.followed = followed
    }

    /// Its rows may be out of date: the feed is not streaming now.
    var isStale: Bool { followed && connection != .live }

}
