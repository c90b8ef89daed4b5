import CCurl
import Foundation
import TollgateCore

/// The feed's connect–stream–back-off loop. Lives on the feed thread and owns everything
/// per-connection: the SSE parser, the easy handle, the silence clock.
///
/// One transfer at a time runs on `control.multi`, driven with `curl_multi_perform` and
/// `curl_multi_poll`; the poll wakes for data, for `curl_multi_wakeup` (stop, reconnect) and
/// at least once a second, so stopping is prompt whatever the network does.
final class FeedWorker {
    private let endpoint: ServerEndpoint
    private let control: FeedControl
    private let onUpdate: @Sendable (FeedUpdate) -> Void
    private let heartbeat: Duration
    private let backoff: Backoff
    private var parser = SSEParser()
    private let decoder = JSONDecoder()
    private var random = SystemRandomNumberGenerator()
    private var lastState: ConnectionState?

    // MARK: - Per-connection state, reset by `connect`

    private var handle: EasyHandle?
    private var response = Response.undecided
    private var lastActivity = ContinuousClock.now
    private var reachedSync = false
    /// The parser's last event id as last acted on, to notice ids of events without data.
    private var seenParserID = ""

    /// What the server's answer turned out to be, judged at its first body byte or its end.
    private enum Response {
        case undecided
        case stream
        /// Not an event stream: the start of the body, kept to explain the refusal.
        case refused(status: Int, contentType: String?, body: [UInt8])
    }

    /// How one connection ended.
    private enum Outcome {
        case stopped
        case reconnectRequested
        case unauthorised(String)
        case certificateRefused(String)
        case lost(String)
    }

    /// How much of a refusal's body is kept: enough for any protocol error.
    private static let refusalBodyLimit = 16 << 10

    init(endpoint: ServerEndpoint, options: FeedOptions, control: FeedControl, onUpdate: @escaping @Sendable (FeedUpdate) -> Void) {
        self.endpoint = endpoint
        self.control = control
        self.onUpdate = onUpdate
        // Guard against nonsense (zero, negative, NaN) turning the loop into a busy spin.
        heartbeat = Self.duration(seconds: options.heartbeatTimeout.isFinite ? max(options.heartbeatTimeout, 0.05) : 45)
        backoff = Backoff(initial: options.initialBackoff, cap: options.maxBackoff)
    }

    // MARK: - The loop

    func run() {
        defer { control.hasEnded = true }
        guard let multi = control.multi else {
            emit(.offline("libcurl failed to initialise"))
            emit(.stopped)
            return
        }
        var attempt = 0
        reconnecting: while !control.shouldStop {
            emit(.connecting)
            switch connect(multi) {
            case .stopped:
                break reconnecting
            case .unauthorised(let reason):
                emit(.unauthorised(reason))
                return
            case .certificateRefused(let reason):
                emit(.certificateRefused(reason))
                return
            case .reconnectRequested:
                attempt = 0
            case .lost(let reason):
                attempt = reachedSync ? 1 : attempt + 1
                let retry = parser.reconnectionTime.map { Double($0) / 1000 }
                let delay = backoff.delay(attempt: attempt, serverRetry: retry, using: &random)
                emit(.offline(reason))
                emit(.reconnecting(at: Timestamp.now().adding(seconds: delay), attempt: attempt))
                switch pause(seconds: delay, multi) {
                case .stopped: break reconnecting
                case .reconnectRequested: attempt = 0
                case .elapsed: break
                }
            }
        }
        emit(.stopped)
    }

    /// How a backoff wait ended.
    private enum PauseEnd { case elapsed, stopped, reconnectRequested }

    /// Waits `seconds`, or less when asked to stop or reconnect.
    private func pause(seconds: Double, _ multi: UnsafeMutableRawPointer) -> PauseEnd {
        let deadline = ContinuousClock.now + Self.duration(seconds: seconds)
        while true {
            if control.shouldStop { return .stopped }
            if control.takeReconnectRequest() { return .reconnectRequested }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return .elapsed }
            // With no transfer attached, the poll is an interruptible sleep.
            _ = curl_multi_poll(multi, nil, 0, Self.milliseconds(left), nil)
        }
    }

    // MARK: - One connection

    private func connect(_ multi: UnsafeMutableRawPointer) -> Outcome {
        // A request made before this attempt began is answered by this attempt.
        _ = control.takeReconnectRequest()
        parser.beginStream()
        response = .undecided
        reachedSync = false
        lastActivity = .now
        seenParserID = parser.lastEventID

        var headers = ["Accept: text/event-stream", "Cache-Control: no-cache"]
        if let position = control.lastEventID { headers.append("Last-Event-ID: \(position)") }
        let sink = BodySink { [unowned self] bytes in receive(bytes) }
        let handle: EasyHandle
        do {
            handle = try EasyHandle(url: endpoint.url("/v1/feed"), endpoint: endpoint, headers: headers, body: nil, timeout: nil, sink: sink)
        } catch {
            return .lost(error.description)
        }
        self.handle = handle
        defer { self.handle = nil }

        let added = curl_multi_add_handle(multi, handle.raw)
        guard added == CURLM_OK else { return .lost("libcurl: \(Curl.message(added))") }
        defer { curl_multi_remove_handle(multi, handle.raw) }

        while true {
            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            if control.shouldStop { return .stopped }
            if control.takeReconnectRequest() { return .reconnectRequested }
            guard performed == CURLM_OK else { return .lost("libcurl: \(Curl.message(performed))") }
            if let result = Self.finishedTransfer(multi) { return outcome(of: result, handle) }
            let silence = lastActivity.duration(to: .now)
            if silence >= heartbeat {
                return .lost("no data from the server for \(Self.seconds(silence)) s")
            }
            _ = curl_multi_poll(multi, nil, 0, Self.milliseconds(heartbeat - silence), nil)
        }
    }

    /// The result of the transfer when it has finished.
    private static func finishedTransfer(_ multi: UnsafeMutableRawPointer) -> CURLcode? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            if message.pointee.msg == CURLMSG_DONE { return tg_curl_msg_result(message) }
        }
        return nil
    }

    private func outcome(of result: CURLcode, _ handle: EasyHandle) -> Outcome {
        if case .undecided = response, result == CURLE_OK { decide(handle) }
        switch response {
        case .undecided:
            if Curl.refusedCertificate(result) { return .certificateRefused(handle.failure(result)) }
            return .lost(handle.failure(result))
        case .stream:
            return .lost(result == CURLE_OK ? "the server closed the feed" : handle.failure(result))
        case .refused(let status, let contentType, let body):
            if status == 401 || status == 403 {
                return .unauthorised(APIClient.error(status: status, body: body).description)
            }
            if (200..<300).contains(status) {
                let type = contentType.map { ClientError.excerpt($0, limit: 80) } ?? "no content type"
                return .lost("the server answered \(status) with \(type), not an event stream")
            }
            return .lost(APIClient.error(status: status, body: body).description)
        }
    }

    // MARK: - Bytes in

    /// The write callback: judges the response at its first byte, then parses or keeps the refusal.
    private func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = .now
        if control.shouldStop { return false }
        if case .undecided = response, let handle { decide(handle) }
        switch response {
        case .undecided:
            return false
        case .stream:
            parser.feed(bytes) { event in deliver(event) }
            if parser.lastEventID != seenParserID {
                // An event without data moved the position without being delivered.
                seenParserID = parser.lastEventID
                if let seq = Self.sequenceNumber(seenParserID) { control.lastEventID = seq }
            }
            return !control.shouldStop
        case .refused(let status, let contentType, var body):
            body.append(contentsOf: bytes.prefix(Self.refusalBodyLimit - body.count))
            response = .refused(status: status, contentType: contentType, body: body)
            // Enough to explain the refusal: end the transfer instead of reading the rest.
            return body.count < Self.refusalBodyLimit
        }
    }

    private func decide(_ handle: EasyHandle) {
        let status = handle.responseCode
        let contentType = handle.contentType
        if status == 200, let contentType, Self.isEventStream(contentType) {
            response = .stream
        } else {
            response = .refused(status: status, contentType: contentType, body: [])
        }
    }

    /// Decodes and reports one event, moving the position first so that `lastEventID` read
    /// from `onUpdate` already includes it.
    private func deliver(_ event: SSEEvent) {
        guard !control.shouldStop else { return }
        seenParserID = event.lastEventID
        if let seq = Self.sequenceNumber(event.lastEventID) { control.lastEventID = seq }
        let decoded: FeedEvent
        do {
            decoded = try FeedEvent.decode(event, decoder: decoder)
        } catch {
            onUpdate(.malformed(error))
            return
        }
        if case .sync(let seq, _) = decoded { control.lastEventID = seq }
        onUpdate(.event(decoded))
        if case .sync = decoded {
            reachedSync = true
            emit(.live)
        }
    }

    // MARK: - Helpers

    private func emit(_ state: ConnectionState) {
        guard state != lastState else { return }
        lastState = state
        onUpdate(.state(state))
    }

    /// `text/event-stream`, in any case, with or without parameters.
    static func isEventStream(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return mediaType.trimmingWhitespace.lowercased() == "text/event-stream"
    }

    /// An event id as a sequence number: ASCII digits only, within `Int64`.
    private static func sequenceNumber(_ id: String) -> Int64? {
        guard !id.isEmpty, id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(id)
    }

    /// `seconds` as a duration, within a year so the conversion cannot trap.
    private static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64(min(max(seconds, 0), 31_536_000) * 1000))
    }

    /// A poll timeout: the time left, at least 1 ms and at most a second.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(min(max(ms, 1), 1000))
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds >= 500_000_000_000_000_000 ? String(seconds + 1) : String(seconds)
    }
}
