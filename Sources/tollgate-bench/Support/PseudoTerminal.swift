import Foundation
import Glibc

/// A program running on a pseudo-terminal of a fixed size, as if in a person's terminal: the
/// benchmark types into it and counts every byte it writes to the screen.
final class PseudoTerminal {
    let process: Subprocess
    private let master: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Everything read so far, when `keepTranscript` (start-up searches it).
    private(set) var transcript: [UInt8] = []
    var keepTranscript = false

    init(_ executable: String, _ arguments: [String], environment: [String: String], columns: Int, rows: Int) throws {
        var masterFD: Int32 = 0
        var replicaFD: Int32 = 0
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&masterFD, &replicaFD, nil, nil, &size) == 0 else {
            throw BenchError("openpty: \(String(cString: strerror(errno)))")
        }
        guard let name = ttyname(replicaFD) else {
            close(masterFD)
            close(replicaFD)
            throw BenchError("ttyname: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: name)
        _ = fcntl(masterFD, F_SETFD, FD_CLOEXEC)
        defer { close(replicaFD) }
        do {
            process = try Subprocess(executable, arguments, environment: environment, streams: .terminal(path: path))
        } catch {
            close(masterFD)
            throw error
        }
        master = masterFD
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        process.terminate(graceSeconds: 2)
        close(master)
    }

    /// Types `bytes` as if from the keyboard.
    func type(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    func type(_ text: String) { type(Array(text.utf8)) }

    /// Reads everything the program writes for `seconds`; returns the byte count.
    @discardableResult
    func drain(seconds: Double) -> Int {
        read(until: BenchClock.now() + UInt64(seconds * 1e9), stopWhen: nil).bytes
    }

    /// Reads until `deadline`, or until `stopWhen` returns true for what was read so far
    /// (checked after each read); returns the bytes read and when the last read happened.
    func read(until deadline: UInt64, stopWhen: ((ArraySlice<UInt8>) -> Bool)?) -> (bytes: Int, lastAt: UInt64?, stoppedAt: UInt64?) {
        var total = 0
        var lastAt: UInt64?
        var seen: [UInt8] = []
        while true {
            let now = BenchClock.now()
            guard now < deadline else { return (total, lastAt, nil) }
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
            let timeout = Int32(max(1, min(50, (deadline - now) / 1_000_000)))
            guard poll(&fds, 1, timeout) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if n <= 0 {
                if n < 0, errno == EAGAIN || errno == EINTR { continue }
                // The program ended (EIO on Linux once the replica side is closed).
                return (total, lastAt, nil)
            }
            let at = BenchClock.now()
            total += n
            lastAt = at
            if keepTranscript { transcript += buffer[0..<n] }
            if let stopWhen {
                seen += buffer[0..<n]
                if stopWhen(seen[...]) { return (total, lastAt, at) }
            }
        }
    }

    /// Ends the program (SIGTERM, then SIGKILL).
    func stop() { process.terminate(graceSeconds: 2) }
}

extension ArraySlice where Element == UInt8 {
    /// True when `needle`'s UTF-8 bytes occur in the slice.
    func contains(text needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard count >= n.count, let first = n.first else { return n.isEmpty }
        var i = startIndex
        while i <= endIndex - n.count {
            if self[i] == first, self[i..<(i + n.count)].elementsEqual(n) { return true }
            i += 1
        }
        return false
    }
}
