import Foundation
import TollgateCore

/// A live `GET /v1/feed` on its own connection, parsed with TollgateCore's `SSEParser`.
///
/// Keeps a transcript of every payload byte, because the parser (rightly) drops comments
/// and the keepalive test needs to see them.
final class FeedStream {
    let head: HTTPResponseHead
    private let connection: HTTPConnection
    private let chunked: Bool
    private var decoder = ChunkedDecoder()
    private var parser = SSEParser()
    private var queued: [SSEEvent] = []
    /// Every payload byte received so far, comments included.
    private(set) var transcript: [UInt8] = []

    /// Opens the feed as the holder of `token`, resuming after `lastEventID` when given.
    convenience init(port: Int, token: String, lastEventID: String? = nil, timeout: Double = 20) throws {
        try self.init(connection: HTTPConnection(port: port), token: token, lastEventID: lastEventID, timeout: timeout)
    }

    /// Opens the feed on `connection` (a `TLSTunnel`'s, say) as the holder of `token`.
    convenience init(connection: HTTPConnection, token: String, lastEventID: String? = nil, timeout: Double = 20) throws {
        try Self.sendRequest(on: connection, token: token, lastEventID: lastEventID)
        try self.init(requestSentOn: connection, timeout: timeout)
    }

    /// Sends the feed's request on `connection` without waiting for the answer, for a test that
    /// acts while the server handles it; `init(requestSentOn:)` then reads the answer.
    static func sendRequest(on connection: HTTPConnection, token: String, lastEventID: String? = nil) throws {
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "text/event-stream")]
        if let lastEventID { headers.append(("Last-Event-ID", lastEventID)) }
        try connection.sendRequest("GET", "/v1/feed", headers: headers)
    }

    /// The feed whose request `sendRequest` sent on `connection`, once its response head arrives.
    init(requestSentOn connection: HTTPConnection, timeout: Double = 20) throws {
        self.connection = connection
        head = try connection.readHead(timeout: timeout)
        chunked = head.header("transfer-encoding")?.lowercased().contains("chunked") == true
    }

    func close() { connection.close() }

    /// The transcript as text.
    var transcriptText: String { String(decoding: transcript, as: UTF8.self) }

    // MARK: - Reading

    /// Reads what arrives next into the parser; false when the stream ended.
    private func pump(until deadline: ContinuousClock.Instant) throws -> Bool {
        guard let bytes = try connection.receive(deadline: deadline) else { return false }
        let payload = chunked ? try decoder.feed(bytes) : bytes
        transcript += payload
        queued += parser.feed(payload)
        return true
    }

    /// The next server-sent event.
    func nextEvent(timeout: Double = 20) throws -> SSEEvent {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while queued.isEmpty {
            guard try pump(until: deadline) else { throw HTTPClientError("the feed ended while an event was awaited") }
        }
        return queued.removeFirst()
    }

    /// The next event decoded as a feed event.
    func nextFeedEvent(timeout: Double = 20) throws -> FeedEvent {
        let event = try nextEvent(timeout: timeout)
        do { return try FeedEvent.decode(event) } catch {
            throw HTTPClientError("undecodable \(event.type) event: \(error)")
        }
    }

    /// Everything up to and including the next `sync`.
    func readUntilSync(timeout: Double = 20) throws -> FeedBatch {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var batch = FeedBatch()
        while true {
            let remaining = deadline - .now
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            guard seconds > 0 else { throw HTTPClientError("no sync within \(timeout) s; saw \(batch.types)") }
            switch try nextFeedEvent(timeout: seconds) {
            case .action(let action, let seq):
                batch.types.append("action")
                batch.actions.append(FeedBatch.Entry(seq: seq, action: action))
            case .sync(let seq, let pending):
                batch.types.append("sync")
                batch.sync = FeedEvent.SyncData(seq: seq, pending: pending)
                return batch
            case .reset:
                batch.types.append("reset")
            case .unknown(let type):
                batch.types.append(type)
            }
        }
    }

    /// Reads action events until one satisfies `predicate`; returns it and those before it.
    func waitForAction(timeout: Double = 20, where predicate: (Action) -> Bool) throws -> (match: FeedBatch.Entry, before: [FeedBatch.Entry]) {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var before: [FeedBatch.Entry] = []
        while true {
            let remaining = deadline - .now
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            guard seconds > 0 else { throw HTTPClientError("no matching action event within \(timeout) s") }
            if case .action(let action, let seq) = try nextFeedEvent(timeout: seconds) {
                let entry = FeedBatch.Entry(seq: seq, action: action)
                if predicate(action) { return (entry, before) }
                before.append(entry)
            }
        }
    }

    /// Waits until the transcript, from byte `offset` on, contains `needle`.
    func waitForText(_ needle: String, after offset: Int, timeout: Double = 20) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        let bytes = Array(needle.utf8)
        while transcript.count <= offset || transcript[offset...].firstRange(of: bytes) == nil {
            guard try pump(until: deadline) else { throw HTTPClientError("the feed ended before \(needle.debugDescription) arrived") }
        }
    }
}

/// The events a feed sent up to a `sync`.
struct FeedBatch {
    struct Entry {
        var seq: Int64?
        var action: Action
    }

    /// Event types in the order they came.
    var types: [String] = []
    var actions: [Entry] = []
    var sync: FeedEvent.SyncData?

    var sequenceNumbers: [Int64?] { actions.map(\.seq) }
}
