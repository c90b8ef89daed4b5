/// A feed event as protocol.md defines it, decoded from one server-sent event.
public enum FeedEvent: Hashable, Sendable {
    /// An action as it now stands; `seq` is the event id when the server sent one.
    case action(Action, seq: Int64?)
    /// The snapshot or replay is complete; the consumer is live at `seq`.
    case sync(seq: Int64, pending: Int)
    /// The server cannot replay from the consumer's position: drop pending actions.
    case reset
    /// An event type this version does not know; ignored, but its id still counts.
    case unknown(type: String)

    /// The `sync` event's data.
    public struct SyncData: Codable, Hashable, Sendable {
        public var seq: Int64
        public var pending: Int
        public init(seq: Int64, pending: Int) { self.seq = seq; self.pending = pending }
    }
}

/// Why a feed event could not be decoded; the stream goes on, and consumers count these.
public struct MalformedFeedEvent: Error, Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var id: String
    public var reason: String
    public var description: String { "malformed \(type) event\(id.isEmpty ? "" : " (id \(id))"): \(reason)" }
}
