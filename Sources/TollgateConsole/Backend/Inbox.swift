import Foundation

/// Messages from other threads (feed, store, network) for the UI thread, plus a pipe that wakes
/// the UI loop out of `poll()` when one arrives.
final class Inbox: @unchecked Sendable {
    // @unchecked: `queue` is only touched under `lock`; the descriptors never change after init.
    private let lock = NSLock()
    private var queue: [Message] = []
    /// Read end, polled by the UI loop.
    let wakeFD: Int32
    private let writeFD: Int32

    init() throws(TerminalError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw TerminalError("cannot create the wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(writeFD)
    }

    /// Queues `message` and wakes the UI loop; callable from any thread.
    func post(_ message: Message) {
        lock.lock()
        queue.append(message)
        let first = queue.count == 1
        lock.unlock()
        // One byte per batch is enough: the loop drains the whole queue when it wakes.
        if first { wake() }
    }

    /// Wakes the loop without a message (a signal handler uses the raw descriptor instead).
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// The descriptor signal handlers write to.
    var signalFD: Int32 { writeFD }

    /// Everything queued so far, in order.
    func drain() -> [Message] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeFD, &buffer, buffer.count) > 0 {}
        lock.lock()
        defer { lock.unlock() }
        let out = queue
        queue = []
        return out
    }
}
