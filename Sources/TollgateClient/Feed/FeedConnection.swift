import Foundation
import TollgateCore

/// The live feed (`GET /v1/feed`), kept open on its own thread for as long as it is wanted.
///
/// It reconnects by itself: after the server's `retry:`, then with jittered exponential
/// backoff; always sending the id of the last event it saw (or the `sync` position) as
/// `Last-Event-ID`, so nothing is missed across a reconnect. A connection silent for longer
/// than `heartbeatTimeout` is taken for dead. A 401 or 403 ends it with `.unauthorised`,
/// since retrying a refused token would only fill the server's logs; a refused TLS
/// certificate ends it with `.certificateRefused`, since another try is refused the same way.
///
/// `onUpdate` runs on the feed thread, in stream order; hop to your own thread from there.
/// The last update is `.state(.stopped)`, `.state(.unauthorised)` or `.state(.certificateRefused)`.
///
/// ```swift
/// let feed = FeedConnection(endpoint: endpoint, lastEventID: store.lastEventID, options: FeedOptions()) { update in
///     wakeUp.post(update)
/// }
/// feed.start()
/// ```
public final class FeedConnection: Sendable {
    private let endpoint: ServerEndpoint
    private let options: FeedOptions
    private let onUpdate: @Sendable (FeedUpdate) -> Void
    let control: FeedControl

    /// - Parameter lastEventID: where the caller's view stands (say, from its store); nil for
    ///   a first connect, which receives every pending action.
    public init(endpoint: ServerEndpoint, lastEventID: Int64?, options: FeedOptions = FeedOptions(), onUpdate: @escaping @Sendable (FeedUpdate) -> Void) {
        self.endpoint = endpoint
        self.options = options
        self.onUpdate = onUpdate
        control = FeedControl(position: lastEventID)
    }

    /// Stopping on release keeps a forgotten connection from running for ever.
    deinit { control.requestStop() }

    /// Starts the feed thread. Only the first call does anything, and none after `stop()`.
    public func start() {
        guard control.claimStart() else { return }
        // Only Sendable values cross into the thread; the worker and its parser live there.
        let (endpoint, options, control, onUpdate) = (endpoint, options, control, onUpdate)
        let thread = Thread {
            FeedWorker(endpoint: endpoint, options: options, control: control, onUpdate: onUpdate).run()
        }
        thread.name = "tollgate-feed"
        thread.start()
    }

    /// Closes the connection and ends the thread; returns at once, from any thread (including
    /// `onUpdate`). No event is delivered after the `.stopped` update that follows.
    public func stop() { control.requestStop() }

    /// Drops the current connection, or cuts a backoff wait short, and connects again now.
    public func reconnectNow() { control.requestReconnect() }

    /// The id of the last event received (or the last `sync` position): what a reconnect sends.
    public var lastEventID: Int64? { control.lastEventID }
}
