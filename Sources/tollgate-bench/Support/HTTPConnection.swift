import Glibc

/// Why a benchmark could not talk to a server: one line saying what and where.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Sockets

enum Socket {
    /// A connected TCP socket to 127.0.0.1:`port`, with Nagle off (requests are single writes).
    static func connect(port: Int, timeoutSeconds: Int = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw BenchError("connect 127.0.0.1:\(port): \(why)")
        }
        return fd
    }

    /// A listening socket on 127.0.0.1 with a kernel-chosen port, and that port.
    static func listen() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, Glibc.listen(fd, 128) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw BenchError("listen on 127.0.0.1: \(why)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Writes all of `bytes`, retrying short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return send(fd, base + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("send: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }
}

// MARK: - A blocking HTTP/1.1 client

/// One keep-alive HTTP/1.1 connection to 127.0.0.1, one request at a time.
///
/// Only what the load generators need: a request with a body, and a response with either
/// Content-Length or chunked framing. Both servers under test answer with one or the other.
final class HTTPConnection {
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    let port: Int
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(port: Int) throws {
        self.port = port
        fd = try Socket.connect(port: port)
    }

    deinit { close(fd) }

    func request(_ method: String, _ path: String, token: String, body: [UInt8]? = nil, headers: [(String, String)] = []) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        try Socket.writeAll(fd, bytes)
        return try readResponse()
    }

    // MARK: - Reading

    private func readResponse() throws -> Response {
        let headerEnd = try readUntilHeaderEnd()
        let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        buffer.removeFirst(headerEnd + 4)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw BenchError("127.0.0.1:\(port): malformed status line \(String(lines.first ?? "").debugDescription)")
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = Self.trim(line[line.index(after: colon)...])
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        if chunked { return Response(status: status, body: try readChunkedBody()) }
        let count = length ?? 0
        try fill(atLeast: count)
        let body = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return Response(status: status, body: body)
    }

    private func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readLine()
            let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(Self.trim(sizeText), radix: 16) else { throw BenchError("127.0.0.1:\(port): malformed chunk size") }
            buffer.removeFirst(lineEnd + 2)
            if size == 0 {
                _ = try readLine()
                buffer.removeFirst(2)
                return body
            }
            try fill(atLeast: size + 2)
            body += buffer[0..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readUntilHeaderEnd() throws -> Int {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) { return end }
            try readMore()
        }
    }

    private func readLine() throws -> Int {
        while true {
            if let end = Self.find([13, 10], in: buffer) { return end }
            try readMore()
        }
    }

    private func fill(atLeast count: Int) throws {
        while buffer.count < count { try readMore() }
    }

    private func readMore() throws {
        let n = readBuffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0, errno == EINTR { return }
        guard n > 0 else {
            throw BenchError("127.0.0.1:\(port): connection \(n == 0 ? "closed" : String(cString: strerror(errno))) mid-response")
        }
        buffer += readBuffer[0..<n]
    }

    private static func trim(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// Where `needle` first starts in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if (1..<needle.count).allSatisfy({ haystack[i + $0] == needle[$0] }) { return i }
        }
        return nil
    }
}
