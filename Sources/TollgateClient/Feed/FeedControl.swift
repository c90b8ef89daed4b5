import CCurl
import Foundation

/// What the feed thread shares with the threads that control it: requests to stop or
/// reconnect, the stream position, and the multi handle whose wait any thread may interrupt.
///
/// `@unchecked Sendable`: every mutable field is guarded by `lock`, and the only libcurl call
/// made from other threads is `curl_multi_wakeup`, which libcurl documents as thread-safe.
final class FeedControl: @unchecked Sendable {
    /// The `CURLM *` the feed thread waits on; nil when libcurl could not start.
    let multi: UnsafeMutableRawPointer?
    private let lock = NSLock()
    private var started = false
    private var stopRequested = false
    private var reconnectRequested = false
    private var ended = false
    private var position: Int64?

    init(position: Int64?) {
        self.position = position
        multi = (try? Curl.ensureInitialised()) == nil ? nil : curl_multi_init()
    }

    deinit {
        if let multi { curl_multi_cleanup(multi) }
    }

    // MARK: - Requests from any thread

    /// True the first time only, unless a stop came first: a connection runs at most once.
    func claimStart() -> Bool {
        lock.withLock {
            defer { started = true }
            return !started && !stopRequested
        }
    }

    func requestStop() {
        lock.withLock { stopRequested = true }
        wake()
    }

    func requestReconnect() {
        lock.withLock { reconnectRequested = true }
        wake()
    }

    /// Interrupts the feed thread's wait (in `curl_multi_poll`) so it sees a request at once.
    private func wake() {
        if let multi { _ = curl_multi_wakeup(multi) }
    }

    // MARK: - Read by the feed thread

    var shouldStop: Bool { lock.withLock { stopRequested } }

    /// Whether a reconnect was asked for since the last call; clears the request.
    func takeReconnectRequest() -> Bool {
        lock.withLock {
            defer { reconnectRequested = false }
            return reconnectRequested
        }
    }

    /// The id of the last event seen: sent as `Last-Event-ID` on every (re)connect.
    var lastEventID: Int64? {
        get { lock.withLock { position } }
        set { lock.withLock { position = newValue } }
    }

    /// Set by the feed thread as it exits; after that no update is delivered.
    var hasEnded: Bool {
        get { lock.withLock { ended } }
        set { lock.withLock { ended = newValue } }
    }
}
