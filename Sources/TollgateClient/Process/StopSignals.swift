#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SIGINT, SIGTERM and SIGHUP for every long-running command: the one place they are handled.
///
/// The handler only records the signal and writes one byte to a descriptor the command waits
/// on (a pipe), which is all a handler may safely do; the command then stops on its own thread.
/// A real handler rather than `SIG_IGN` plus a dispatch source: an ignored signal is discarded
/// by the kernel unless some thread blocks it, and a blocked one reaches a dispatch source
/// only when every thread blocks it, so that pairing lost or stranded signals. `install` also
/// unblocks the three on the calling thread: a parent that spawned us from a thread blocking
/// them (a supervisor, a dispatch worker) leaves them blocked, and a signal that every thread
/// blocks stays pending for ever.
public enum StopSignals {
    /// The signals that ask a command to stop.
    public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    nonisolated(unsafe) private static var wakeFD: Int32 = -1
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Routes the stop signals to `wakeFD`. Call it on the main thread, before starting other
    /// threads, so they inherit the unblocked mask too.
    public static func install(wakeFD fd: Int32) {
        wakeFD = fd
        received = 0
        var mask = sigset_t()
        sigemptyset(&mask)
        for signo in handled { sigaddset(&mask, signo) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        for signo in handled { setHandler(signo) }
        // A closed pipe or terminal must end the program through its own path, not kill it.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Puts the default actions back (before running a child that must get Ctrl-C itself).
    public static func restore() {
        for signo in handled { signal(signo, SIG_DFL) }
        wakeFD = -1
    }

    /// The stop signal received since `install`, if any.
    public static var requested: Int32? { received == 0 ? nil : received }

    private static func setHandler(_ signo: Int32) {
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        action.__sigaction_handler.sa_handler = { signo in
            StopSignals.received = signo
            var byte: UInt8 = 2
            _ = write(StopSignals.wakeFD, &byte, 1)
        }
        sigaction(signo, &action, nil)
    }
}

/// A pipe a command blocks on until a stop signal or the command itself rings it.
public final class StopBell: Sendable {
    /// Read end, waited on by `wait()`.
    private let readFD: Int32
    /// Write end: given to `StopSignals.install`, rung by `ring()`.
    public let writeFD: Int32

    /// Creates the pipe; nil when the process is out of descriptors.
    public init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Ends `wait()`; callable from any thread.
    public func ring() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Blocks until the bell rings.
    public func wait() {
        var byte: UInt8 = 0
        while read(readFD, &byte, 1) < 0 && errno == EINTR {}
    }
}
