import TollgateCore

/// Where the feed connection stands, for the console's status bar.
public enum ConnectionState: Hashable, Sendable {
    /// Opening the stream, or receiving the snapshot or replay before `sync`.
    case connecting
    /// `sync` arrived: the view is complete and changes arrive as they happen.
    case live
    /// Waiting to reconnect: attempt `attempt` starts at `at`.
    case reconnecting(at: Timestamp, attempt: Int)
    /// The connection was lost or could not be made, and why (one line). Always followed by
    /// `reconnecting`; keep the reason to show beside the countdown.
    case offline(String)
    /// The server refused the token (401) or its role (403). Final: the feed does not retry.
    case unauthorised(String)
    /// The server's TLS certificate was refused, and libcurl's reason. Final: another try would
    /// be refused the same way.
    case certificateRefused(String)
    /// `stop()` took effect. Final.
    case stopped
}

/// What the feed thread reports, in order, to the `onUpdate` callback.
public enum FeedUpdate: Hashable, Sendable {
    case event(FeedEvent)
    /// An event whose data did not decode; the stream goes on, and its id still counts.
    case malformed(MalformedFeedEvent)
    case state(ConnectionState)
}

/// Timing of the feed connection; the defaults follow protocol.md.
public struct FeedOptions: Hashable, Sendable {
    /// Seconds without a byte (the server comments at least every 15 s) before the connection
    /// is taken for dead and replaced.
    public var heartbeatTimeout: Double
    /// The longest wait between reconnect attempts, in seconds.
    public var maxBackoff: Double
    /// The ceiling of the first jittered wait when the server set no `retry:`, in seconds.
    public var initialBackoff: Double

    public init(heartbeatTimeout: Double = 45, maxBackoff: Double = 30, initialBackoff: Double = 0.5) {
        self.heartbeatTimeout = heartbeatTimeout
        self.maxBackoff = maxBackoff
        self.initialBackoff = initialBackoff
    }
}
