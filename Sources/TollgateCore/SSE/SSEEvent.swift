/// One event dispatched by `SSEParser` (WHATWG HTML, §9.2.6 "Interpreting an event stream").
///
/// Every field came from the network: treat it as untrusted text.
public struct SSEEvent: Hashable, Sendable {
    /// The `event:` field, or `"message"` when the event had none (or an empty one).
    public var type: String
    /// The `data:` lines joined with LF, without the final LF.
    public var data: String
    /// The stream's last event ID when this event was dispatched; ids persist until changed.
    public var lastEventID: String

    public init(type: String = "message", data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}
