import Foundation
import Glibc
import Synchronization

/// A webhook receiver on 127.0.0.1 for the notify bench: it reads the server's deliveries on
/// keep-alive HTTP/1.1 connections (a thread each, as few as the dispatcher opens) and either
/// answers each with a 200 at once or never answers, holding the connection open as a dead
/// receiver does.
///
/// It counts deliveries by event; while `recording`, it also notes when the last byte of each
/// `pending` delivery arrived, by action and notifier, on the clock the load generators use.
final class WebhookSink: Sendable {
    enum Behaviour: Sendable {
        case answer
        case silent
    }

    /// A `pending` delivery as received.
    struct Arrival: Sendable {
        var actionID: String
        var notifier: String
        var at: UInt64
    }

    private struct State {
        var byEvent: [String: Int] = [:]
        /// Requests that are not a delivery the bench can read: no Content-Length, no event
        /// header, or (while recording) no action id in the body.
        var unreadable = 0
        var recording = false
        var arrivals: [Arrival] = []
        var connections: Set<Int32> = []
        var stopping = false
    }

    let port: Int
    private let listener: Int32
    private let behaviour: Behaviour
    private let state = Mutex(State())
    private let acceptorDone = DispatchSemaphore(value: 0)

    init(_ behaviour: Behaviour) throws {
        let (listener, port) = try Socket.listen()
        self.listener = listener
        self.port = port
        self.behaviour = behaviour
        let thread = Thread { [self] in
            acceptLoop()
            acceptorDone.signal()
        }
        thread.name = "webhook-sink"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Deliveries of `event` received so far.
    func count(_ event: String) -> Int { state.withLock { $0.byEvent[event, default: 0] } }

    var unreadable: Int { state.withLock { $0.unreadable } }

    /// Starts noting `pending` arrivals (and forgets earlier ones), or stops.
    func record(_ on: Bool) {
        state.withLock {
            $0.recording = on
            $0.arrivals = []
        }
    }

    var arrivals: [Arrival] { state.withLock { $0.arrivals } }

    /// Stops accepting and ends every connection; their threads end by themselves.
    func stop() {
        let open = state.withLock { s -> Set<Int32> in
            s.stopping = true
            return s.connections
        }
        // shutdown wakes the blocked accept and recv calls; each thread closes its own socket.
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        acceptorDone.wait()
        close(listener)
    }

    // MARK: - Serving

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let admitted = state.withLock { s -> Bool in
                guard !s.stopping else { return false }
                s.connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                return
            }
            let thread = Thread { [self] in serve(fd) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private static let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
    private static let headEnd: [UInt8] = [13, 10, 13, 10]

    /// Reads requests from `fd` until the sender or `stop` closes it.
    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        func more() -> Bool {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { return true }
            guard n > 0 else { return false }
            buffer += chunk[0..<n]
            return true
        }
        while true {
            var end = HTTPConnection.find(Self.headEnd, in: buffer)
            while end == nil {
                guard more() else { return }
                end = HTTPConnection.find(Self.headEnd, in: buffer)
            }
            guard let end else { return }
            let head = Self.headers(String(decoding: buffer[0..<end], as: UTF8.self))
            guard let length = head["content-length"].flatMap({ Int($0) }), let event = head["x-tollgate-event"] else {
                // Not a delivery as the server sends them; nothing after it can be framed.
                state.withLock { $0.unreadable += 1 }
                return
            }
            while buffer.count < end + 4 + length {
                guard more() else { return }
            }
            let at = BenchClock.now()
            note(event: event, notifier: head["x-tollgate-notifier"] ?? "", body: buffer[(end + 4)..<(end + 4 + length)], at: at)
            buffer.removeFirst(end + 4 + length)
            if behaviour == .answer {
                guard (try? Socket.writeAll(fd, Self.ok)) != nil else { return }
            }
        }
    }

    private func note(event: String, notifier: String, body: ArraySlice<UInt8>, at: UInt64) {
        let recording = state.withLock { s -> Bool in
            s.byEvent[event, default: 0] += 1
            return s.recording
        }
        guard recording, event == "pending" else { return }
        let id = Self.actionID(in: body)
        state.withLock { s in
            if let id { s.arrivals.append(Arrival(actionID: id, notifier: notifier, at: at)) } else { s.unreadable += 1 }
        }
    }

    /// Header names lowercased, values trimmed.
    private static func headers(_ head: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    private static let jsonOpening = Array("{\"action\":".utf8)
    private static let actionPrefix = Array("act_".utf8)

    /// The id of the action a delivery announces. A `json` body opens with the action object,
    /// whose top-level `id` a scan finds; a `slack` body names it last, in the context element
    /// the server writes ("tollgate · act_… · delivery dlv_…"), after any agent text.
    static func actionID(in body: ArraySlice<UInt8>) -> String? {
        if body.starts(with: jsonOpening) {
            return body.dropFirst(jsonOpening.count).withUnsafeBytes { JSONScan.topLevelString("id", in: $0) }
        }
        var i = body.endIndex - actionPrefix.count
        while i >= body.startIndex {
            if body[i..<(i + actionPrefix.count)].elementsEqual(actionPrefix) {
                let id = body[i...].prefix {
                    $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                }
                return id.count > actionPrefix.count ? String(decoding: id, as: UTF8.self) : nil
            }
            i -= 1
        }
        return nil
    }
}
