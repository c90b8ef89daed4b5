import Foundation
import Glibc
import TollgateCore

/// A failure of the test HTTP client: what it was doing and what went wrong.
struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP/1.1 connection to `127.0.0.1` over a blocking POSIX socket.
///
/// Small on purpose: it speaks exactly what the tests need (a request with headers and a
/// body, a response with a Content-Length, chunked or read-to-close body) and nothing waits
/// without a deadline, so a silent server fails the test instead of hanging it.
final class HTTPConnection {
    let port: Int
    private var fd: Int32
    /// Bytes received but not consumed yet.
    private var inbox: [UInt8] = []

    /// Connects to `127.0.0.1:port`.
    init(port: Int) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPClientError("connect to 127.0.0.1:\(port): errno \(code)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Takes over `fd`, a stream socket already connected to what speaks HTTP for a server on
    /// `port` (a `TLSTunnel`); the Host header names `127.0.0.1:port`.
    init(connected fd: Int32, port: Int) {
        self.port = port
        self.fd = fd
    }

    deinit { close() }

    /// Closes the socket; later calls do nothing.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    // MARK: - Writing

    /// Sends every byte (MSG_NOSIGNAL: a server that hung up is an error here, not a SIGPIPE).
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw HTTPClientError("send to 127.0.0.1:\(port): errno \(errno)") }
            sent += n
        }
    }

    /// The bytes of a request: Host and, for a body without Transfer-Encoding, Content-Length.
    static func requestBytes(_ method: String, _ path: String, port: Int, headers: [(String, String)], body: [UInt8]?) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" }
        if let body, !chunked, !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    /// Sends a request without waiting for its response.
    func sendRequest(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws {
        try send(Self.requestBytes(method, path, port: port, headers: headers, body: body))
    }

    /// Sends a request and reads its whole response.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Double = 20) throws -> HTTPResponse {
        try sendRequest(method, path, headers: headers, body: body)
        return try readResponse(timeout: timeout)
    }

    // MARK: - Reading

    /// Reads whatever arrives next (at least one byte); nil when the server closed the connection.
    func receive(deadline: ContinuousClock.Instant) throws -> [UInt8]? {
        if !inbox.isEmpty {
            defer { inbox.removeAll() }
            return inbox
        }
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { throw HTTPClientError("timed out waiting for data from 127.0.0.1:\(port)") }
            let ms = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { throw HTTPClientError("poll: errno \(errno)") }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNRESET { return nil }
            guard n >= 0 else { throw HTTPClientError("recv: errno \(errno)") }
            if n == 0 { return nil }
            return Array(buffer[..<n])
        }
    }

    /// Puts bytes back, to be returned first by the next read.
    private func unread(_ bytes: some Collection<UInt8>) {
        inbox = Array(bytes) + inbox
    }

    /// Reads a response's status line and headers.
    func readHead(timeout: Double = 20) throws -> HTTPResponseHead {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var bytes: [UInt8] = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let end = bytes.firstRange(of: separator) {
                unread(bytes[end.upperBound...])
                return try HTTPResponseHead(parsing: String(decoding: bytes[..<end.lowerBound], as: UTF8.self))
            }
            guard let more = try receive(deadline: deadline) else {
                throw HTTPClientError("the server closed the connection before a complete response head (\(bytes.count) bytes)")
            }
            bytes += more
        }
    }

    /// Reads a whole response: head, then the body by Content-Length, chunked coding or until close.
    func readResponse(timeout: Double = 20) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        let head = try readHead(timeout: timeout)
        var body: [UInt8] = []
        if head.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            var decoder = ChunkedDecoder()
            while !decoder.isFinished {
                guard let more = try receive(deadline: deadline) else { throw HTTPClientError("the connection closed inside a chunked body") }
                body += try decoder.feed(more)
            }
            unread(decoder.leftover)
        } else if let length = head.header("content-length").flatMap(Int.init) {
            while body.count < length {
                guard let more = try receive(deadline: deadline) else {
                    throw HTTPClientError("the connection closed after \(body.count) of \(length) body bytes")
                }
                body += more
            }
            unread(body[length...])
            body.removeSubrange(length...)
        } else if head.status != 204 && head.status != 304 {
            while let more = try receive(deadline: deadline) { body += more }
        }
        return HTTPResponse(head: head, body: body)
    }
}

// MARK: - Responses

/// A response's status line and headers.
struct HTTPResponseHead {
    var status: Int
    var headers: [(name: String, value: String)]

    init(parsing text: String) throws {
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError("not an HTTP/1.x status line: \(lines.first ?? "")")
        }
        self.status = status
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// The first header named `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A complete response.
struct HTTPResponse {
    var head: HTTPResponseHead
    var body: [UInt8]

    var status: Int { head.status }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { head.header(name) }

    /// The body decoded as `T`; the error quotes the body.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw HTTPClientError("status \(status): cannot decode \(T.self) from \(text.prefix(400)): \(error)")
        }
    }

    /// The body as an action.
    func action() throws -> Action { try decode(Action.self) }

    /// The body as a protocol error.
    func protocolError() throws -> ProtocolError { try decode(ProtocolError.self) }
}

// MARK: - Chunked transfer coding

/// An incremental decoder of HTTP/1.1 chunked transfer coding (RFC 9112 §7.1).
struct ChunkedDecoder {
    private enum State {
        case size([UInt8])
        case data(remaining: Int)
        case dataEnd([UInt8])
        case trailer([UInt8])
        case done
    }

    private var state = State.size([])
    /// Bytes after the final chunk's trailer, which belong to the next response.
    private(set) var leftover: [UInt8] = []

    var isFinished: Bool {
        if case .done = state { return true }
        return false
    }

    /// Feeds received bytes; returns the payload bytes they complete.
    mutating func feed(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            switch state {
            case .size(var line):
                line.append(bytes[i]); i += 1
                if line.count >= 2, line.suffix(2) == [13, 10] {
                    let text = String(decoding: line.dropLast(2), as: UTF8.self)
                    let hex = text.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    guard let size = Int(hex, radix: 16), size >= 0 else { throw HTTPClientError("bad chunk size line: \(text)") }
                    state = size == 0 ? .trailer([]) : .data(remaining: size)
                } else {
                    state = .size(line)
                }
            case .data(let remaining):
                let n = min(remaining, bytes.count - i)
                out += bytes[i..<(i + n)]
                i += n
                state = remaining - n == 0 ? .dataEnd([]) : .data(remaining: remaining - n)
            case .dataEnd(var crlf):
                crlf.append(bytes[i]); i += 1
                if crlf.count == 2 {
                    guard crlf == [13, 10] else { throw HTTPClientError("a chunk is not followed by CRLF") }
                    state = .size([])
                } else {
                    state = .dataEnd(crlf)
                }
            case .trailer(var line):
                line.append(bytes[i]); i += 1
                if line.count >= 2, line.suffix(2) == [13, 10] {
                    state = line.count == 2 ? .done : .trailer([])
                } else {
                    state = .trailer(line)
                }
            case .done:
                leftover += bytes[i...]
                i = bytes.count
            }
        }
        return out
    }
}
