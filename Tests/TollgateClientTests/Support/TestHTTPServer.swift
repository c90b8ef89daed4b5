import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the client's tests, on raw POSIX sockets.
///
/// Each accepted connection reads one request head (and its body, by Content-Length), records
/// it, and runs the test's script with the connection's index (0 for the first); the socket
/// closes when the script returns. `stop()` ends everything, including scripts that wait.
final class TestHTTPServer: @unchecked Sendable {
    /// One request as the client sent it; header names lowercased.
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    typealias Script = @Sendable (_ index: Int, _ request: Request, _ connection: Connection) -> Void

    let port: UInt16
    private let listener: Int32
    private let script: Script
    private let lock = NSCondition()
    private var recorded: [Request] = []
    private var open: [Connection] = []
    private var stopped = false

    init(script: @escaping Script) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A loopback port that was free a moment ago, where nothing listens.
    static func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ServerError("bind: \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// The requests received so far, in order of arrival.
    var requests: [Request] { lock.withLock { recorded } }

    /// Waits until `count` requests have arrived; false when `timeout` passes first.
    func waitForRequests(_ count: Int, timeout: Double = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock()
        defer { lock.unlock() }
        while recorded.count < count {
            if !lock.wait(until: deadline) { return recorded.count >= count }
        }
        return true
    }

    func stop() {
        let connections: [Connection] = lock.withLock {
            stopped = true
            return open
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in connections { connection.shutDown() }
    }

    deinit {
        stop()
        close(listener)
    }

    // MARK: - Serving

    private func acceptLoop() {
        var index = 0
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = Connection(fd: fd)
            let isStopped = lock.withLock {
                open.append(connection)
                return stopped
            }
            if isStopped {
                connection.shutDown()
                connection.close()
                return
            }
            let number = index
            index += 1
            let thread = Thread { [self] in serve(connection, number) }
            thread.start()
        }
    }

    private func serve(_ connection: Connection, _ index: Int) {
        defer {
            lock.withLock { open.removeAll { $0 === connection } }
            connection.close()
        }
        guard let request = connection.readRequest() else { return }
        lock.withLock {
            recorded.append(request)
            lock.broadcast()
        }
        script(index, request, connection)
    }

    struct ServerError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

// MARK: - One connection

extension TestHTTPServer {
    /// The server's side of one accepted socket, for scripts to write to.
    final class Connection: @unchecked Sendable {
        private let fd: Int32
        private let lock = NSLock()
        private var closed = false

        init(fd: Int32) {
            self.fd = fd
            // A test must never hang on a silent client.
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        /// Writes all of `bytes`; false once the client has gone.
        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool {
            var sent = 0
            while sent < bytes.count {
                // MSG_NOSIGNAL: a client that hung up must fail the write, not kill the test process.
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                sent += n
            }
            return true
        }

        @discardableResult
        func send(_ text: String) -> Bool { send(Array(text.utf8)) }

        /// A whole response with a body and Content-Length.
        func respond(status: Int, reason: String = "X", contentType: String, body: String) {
            send("HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        }

        /// The head of an open-ended event stream; events follow with `send`.
        func startEventStream(contentType: String = "text/event-stream") {
            send("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
        }

        /// Blocks until the client closes its end (or `timeout` seconds pass, or the server stops).
        @discardableResult
        func waitUntilClientCloses(timeout: Double = 10) -> Bool {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let deadline = Date(timeIntervalSinceNow: timeout)
            var scratch = [UInt8](repeating: 0, count: 512)
            while Date() < deadline {
                let ready = poll(&entry, 1, 100)
                if ready > 0 {
                    let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                    if n <= 0 { return true }
                }
            }
            return false
        }

        /// Wakes anything blocked on the socket; a no-op once closed, as the number may be reused.
        func shutDown() {
            lock.withLock {
                if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            }
        }

        func close() {
            lock.withLock {
                guard !closed else { return }
                closed = true
                _ = Glibc.close(fd)
            }
        }

        /// Reads one request head and its Content-Length body; nil when the client sent none.
        func readRequest() -> Request? {
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            var headEnd: Int?
            while headEnd == nil {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return nil }
                data.append(contentsOf: chunk[0..<n])
                headEnd = Self.find([13, 10, 13, 10], in: data)
                if data.count > 1 << 20 { return nil }
            }
            guard let headEnd else { return nil }
            let head = String(decoding: data[0..<headEnd], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count >= 2 else { return nil }
            let headers = lines.compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            var body = Array(data[(headEnd + 4)...])
            let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
            while body.count < length {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return nil }
                body.append(contentsOf: chunk[0..<n])
            }
            return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
        }

        private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard haystack.count >= needle.count else { return nil }
            for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
            return nil
        }
    }
}
