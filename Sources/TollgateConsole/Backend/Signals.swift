import CNcurses
import Glibc

/// SIGTERM, SIGHUP and SIGINT end the console cleanly: the handler only records the signal and
/// wakes the UI loop, which then restores the terminal on its own thread.
///
/// (Ctrl-C at the keyboard is not a signal here: curses runs in raw mode, so it arrives as a key.)
enum Signals {
    nonisolated(unsafe) private static var wakeFD: Int32 = -1
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    static func install(wakeFD fd: Int32) {
        wakeFD = fd
        received = 0
        for signo in [SIGTERM, SIGHUP, SIGINT] {
            _ = tg_install_handler(signo) { signo in
                Signals.received = signo
                var byte: UInt8 = 2
                _ = write(Signals.wakeFD, &byte, 1)
            }
        }
        // A closed terminal must end the program through SIGHUP, not kill it with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Puts the default handlers back once the terminal is restored.
    static func restore() {
        for signo in [SIGTERM, SIGHUP, SIGINT] { signal(signo, SIG_DFL) }
        wakeFD = -1
    }

    /// The signal that asked the console to stop, if any.
    static var requested: Int32? { received == 0 ? nil : received }
}
