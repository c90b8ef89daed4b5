import Foundation
import Glibc
import Synchronization
import TollgateCore

/// Many `GET /v1/feed` subscribers over plain sockets, read by one thread with `poll`, each
/// parsing its stream with TollgateCore's `SSEParser` as `tollgate watch` does.
///
/// With `recordArrivals`, each subscriber notes the monotonic time at which every `action`
/// event arrived (the time the bytes came off the socket), keyed by action id.
final class FeedSubscribers: @unchecked Sendable {
    // @unchecked: `streams` is touched only by the reader thread between `start()` and `stop()`,
    // and by the caller only before `start()` and after `stop()` has joined the thread; the
    // counters shared while it runs are atomics.

    final class Stream {
        let fd: Int32
        var headerBuffer: [UInt8] = []
        var headerDone = false
        var chunks = ChunkDecoder()
        var chunked = false
        var parser = SSEParser()
        var synced = false
        var closed = false
        var status = 0
        var actionEvents = 0
        var bytes = 0
        var arrivals: [String: UInt64] = [:]

        init(fd: Int32) { self.fd = fd }
    }

    private(set) var streams: [Stream] = []
    let recordArrivals: Bool
    private let syncedCount = Atomic<Int>(0)
    private let closedCount = Atomic<Int>(0)
    private let actionCount = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(recordArrivals: Bool) {
        self.recordArrivals = recordArrivals
    }

    deinit {
        for s in streams { close(s.fd) }
    }

    /// Opens `count` subscriptions (sequentially, as real consoles would, not all in one burst).
    func connect(port: Int, token: String, count: Int) throws {
        let request = Array("GET /v1/feed HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        for _ in 0..<count {
            let fd = try Socket.connect(port: port)
            try Socket.writeAll(fd, request)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            streams.append(Stream(fd: fd))
        }
    }

    var synced: Int { syncedCount.load(ordering: .acquiring) }
    var closedByServer: Int { closedCount.load(ordering: .acquiring) }
    /// `action` events received so far, all subscribers together.
    var actionEvents: Int { actionCount.load(ordering: .acquiring) }

    /// Starts the reader thread.
    func start() {
        let thread = Thread { [self] in
            self.readLoop()
            self.finished.signal()
        }
        thread.name = "feed-subscribers"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Waits until every subscriber has had its `sync` (or `seconds` pass); true when all did.
    func waitUntilSynced(seconds: Double) -> Bool {
        let deadline = BenchClock.now() + UInt64(seconds * 1e9)
        while BenchClock.now() < deadline {
            if synced + closedByServer >= streams.count { return closedByServer == 0 }
            BenchClock.sleep(nanoseconds: 5_000_000)
        }
        return false
    }

    /// Stops the reader thread and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        finished.wait()
    }

    /// Closes every connection (after `stop()`).
    func disconnect() {
        for s in streams { close(s.fd) }
        streams = []
    }

    // MARK: - Reading

    private func readLoop() {
        var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while !stopping.load(ordering: .acquiring) {
            let ready = poll(&fds, nfds_t(fds.count), 50)
            guard ready > 0 else { continue }
            for i in fds.indices where fds[i].revents != 0 {
                let stream = streams[i]
                // Drain what is there now; the next poll reports anything later.
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(stream.fd, $0.baseAddress, $0.count, 0) }
                    if n > 0 {
                        let at = BenchClock.now()
                        buffer.withUnsafeBytes { consume(stream, UnsafeRawBufferPointer(rebasing: $0[0..<n]), at: at) }
                        if n < buffer.count { break }
                    } else {
                        if n == 0 || (errno != EAGAIN && errno != EINTR) {
                            if !stream.closed {
                                stream.closed = true
                                closedCount.add(1, ordering: .releasing)
                            }
                            fds[i].fd = -1
                        }
                        break
                    }
                }
            }
        }
    }

    private func consume(_ stream: Stream, _ bytes: UnsafeRawBufferPointer, at: UInt64) {
        stream.bytes += bytes.count
        if !stream.headerDone {
            stream.headerBuffer += bytes
            guard let end = Self.headerEnd(stream.headerBuffer) else { return }
            let head = String(decoding: stream.headerBuffer[0..<end], as: UTF8.self).lowercased()
            stream.status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            stream.chunked = head.contains("transfer-encoding: chunked")
            stream.headerDone = true
            let rest = Array(stream.headerBuffer[(end + 4)...])
            stream.headerBuffer = []
            rest.withUnsafeBytes { deliver(stream, $0, at: at) }
            return
        }
        deliver(stream, bytes, at: at)
    }

    private func deliver(_ stream: Stream, _ bytes: UnsafeRawBufferPointer, at: UInt64) {
        if stream.chunked {
            stream.chunks.decode(bytes) { payload in parse(stream, payload, at: at) }
        } else {
            parse(stream, bytes, at: at)
        }
    }

    private func parse(_ stream: Stream, _ bytes: UnsafeRawBufferPointer, at: UInt64) {
        stream.parser.feed(bytes) { event in
            switch event.type {
            case "action":
                stream.actionEvents += 1
                actionCount.add(1, ordering: .releasing)
                if recordArrivals, let id = JSONScan.topLevelString("id", in: event.data) {
                    stream.arrivals[id] = at
                }
            case "sync":
                if !stream.synced {
                    stream.synced = true
                    syncedCount.add(1, ordering: .releasing)
                }
            default:
                break
            }
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// Undoes HTTP/1.1 chunked transfer coding incrementally, handing out payload slices without copying.
struct ChunkDecoder {
    private enum State {
        case size(Int, inExtension: Bool)
        case sizeLF(Int)
        case data(Int)
        case dataCR
        case dataLF
        case done
    }

    private var state = State.size(0, inExtension: false)

    mutating func decode(_ bytes: UnsafeRawBufferPointer, payload: (UnsafeRawBufferPointer) -> Void) {
        var i = 0
        while i < bytes.count {
            switch state {
            case .size(let value, let inExtension):
                let b = bytes[i]
                i += 1
                if b == 13 {
                    state = .sizeLF(value)
                } else if inExtension {
                    continue
                } else if let digit = Self.hexValue(b) {
                    state = .size(value * 16 + digit, inExtension: false)
                } else if b == UInt8(ascii: ";") {
                    state = .size(value, inExtension: true)
                }
            case .sizeLF(let value):
                i += 1
                state = value == 0 ? .done : .data(value)
            case .data(let remaining):
                let take = min(remaining, bytes.count - i)
                payload(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                state = remaining - take == 0 ? .dataCR : .data(remaining - take)
            case .dataCR:
                i += 1
                state = .dataLF
            case .dataLF:
                i += 1
                state = .size(0, inExtension: false)
            case .done:
                return
            }
        }
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
