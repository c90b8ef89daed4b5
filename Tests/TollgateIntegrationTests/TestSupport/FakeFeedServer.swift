import Foundation
import Glibc
import Synchronization
import XCTest

/// A hostile or broken stand-in for the server's `GET /v1/feed`, on raw sockets at `127.0.0.1`;
/// also the socket under `WebhookReceiver`, which scripts answers to the server's deliveries.
///
/// Every connection is answered on its own thread: the request head is read and recorded, then
/// `script` writes whatever bytes the test wants (silence, one byte at a time, garbage) through
/// a `FakeFeedPeer`. Stopping closes the listener and every open connection.
final class FakeFeedServer: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var heads: [String] = []
        var open: [Int32] = []
        var stopped = false
    }

    /// Listens on `port` (0: a free one) and serves each connection with `script`.
    init(_ test: XCTestCase, port: Int = 0, script: @escaping @Sendable (FakeFeedPeer, Int) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw HTTPClientError("bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            var count = 0
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                let proceed = state.withLock { s -> Bool in
                    if s.stopped { return false }
                    s.open.append(client)
                    return true
                }
                guard proceed else { Glibc.close(client); return }
                count += 1
                let index = count
                Thread.detachNewThread { [self] in
                    let peer = FakeFeedPeer(fd: client)
                    state.withLock { $0.heads.append(peer.head) }
                    script(peer, index)
                    state.withLock { $0.open.removeAll { $0 == client } }
                    peer.close()
                }
            }
        }
        test.addTeardownBlock { [self] in stop() }
    }

    /// The request heads received so far, in order of arrival.
    var heads: [String] { state.withLock { $0.heads } }

    /// Closes the listener and every connection (a script still writing gets errors and returns).
    func stop() {
        let open = state.withLock { s -> [Int32] in
            guard !s.stopped else { return [] }
            s.stopped = true
            return s.open
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// The head of a `200 text/event-stream` response without length: the body runs until close.
    static let streamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
}

/// The test's side of one fake feed connection.
final class FakeFeedPeer: Sendable {
    private let fd: Int32
    /// The request head the client sent.
    let head: String

    /// Takes over `fd` and reads its request head.
    init(fd: Int32) {
        self.fd = fd
        head = Self.readHead(fd)
    }

    /// Reads up to the blank line ending the request head (at most 64 KiB, at most 10 s).
    private static func readHead(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        while bytes.count < 65_536, recv(fd, &byte, 1, 0) == 1 {
            bytes.append(byte)
            if bytes.count >= 4, bytes.suffix(4) == [13, 10, 13, 10] { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the request's body: `Content-Length` bytes (at most 16 MiB), or fewer if the client
    /// stops sending.
    func readBody() -> [UInt8] {
        let length =
            head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        var body = [UInt8](repeating: 0, count: min(length, 16 << 20))
        var read = 0
        while read < body.count {
            let n = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress.map { $0 + read }, $0.count - read, 0) }
            if n <= 0 { break }
            read += n
        }
        return Array(body.prefix(read))
    }

    /// Writes every byte; false once the other side is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Holds the connection open without sending a byte until the client closes it or `seconds` pass.
    func holdSilently(seconds: Double) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var scratch = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now < deadline {
            entry.revents = 0
            guard poll(&entry, 1, 100) >= 0 else { return }
            if entry.revents != 0 {
                let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n == 0 || (n < 0 && errno != EAGAIN) { return }
            }
        }
    }

    func close() { Glibc.close(fd) }
}
