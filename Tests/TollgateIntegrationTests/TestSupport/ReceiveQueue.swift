import Foundation

/// The bytes the kernel holds for a local TCP port that its process has not read yet, from
/// `/proc/net/tcp`: how a test knows a request reached a frozen server (SIGSTOP) and waits in
/// its socket, accepted or not.
enum ReceiveQueue {
    /// The unread bytes of every established IPv4 connection whose local port is `port`.
    static func bytesWaiting(atPort port: Int) throws -> Int {
        return try table().split(separator: "\n").dropFirst().reduce(0) { total, line in
            try total + (waiting(in: line, port: port) ?? 0)
        }
    }

    /// `/proc/net/tcp` read to its end. Not with `String(contentsOfFile:)`, which stops at the
    /// first page the kernel hands out (4 KB: a few dozen connections) for a file sized 0.
    private static func table() throws -> String {
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp") else { throw HTTPClientError("cannot open /proc/net/tcp") }
        defer { try? file.close() }
        return String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
    }

    /// The receive queue of the connection `line` describes when it is established on local
    /// `port`; nil for any other. A line: `sl local rem st tx_queue:rx_queue …`, numbers in hex.
    private static func waiting(in line: Substring, port: Int) throws -> Int? {
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { throw HTTPClientError("/proc/net/tcp: unexpected line \(line.debugDescription)") }
        let local = fields[1].split(separator: ":")
        let queues = fields[4].split(separator: ":")
        guard local.count == 2, queues.count == 2, let localPort = Int(local[1], radix: 16), let unread = Int(queues[1], radix: 16) else {
            throw HTTPClientError("/proc/net/tcp: unexpected line \(line.debugDescription)")
        }
        // 01 is TCP_ESTABLISHED.
        return localPort == port && fields[3] == "01" ? unread : nil
    }
}
