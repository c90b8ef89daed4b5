import Foundation
import Glibc

/// A `tollgate` child started the way a supervisor or a dispatch worker thread would start it:
/// with SIGINT, SIGTERM and SIGHUP blocked in the mask it inherits.
///
/// That is how a stop signal used to stay pending for ever; `Spawned` (Foundation's `Process`)
/// clears the mask, so it cannot show it. Output goes to files; `deinit` kills what still runs.
final class MaskedChild {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private var status: Int32?

    init(_ arguments: [String], in directory: URL) throws {
        let name = UUID().uuidString
        stdoutPath = directory.appendingPathComponent("\(name).out").path
        stderrPath = directory.appendingPathComponent("\(name).err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signo in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, signo) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &blocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let binary = try TollgateBinary.url().path
        var cArgs = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, &attributes, &cArgs, environ)
        guard spawned == 0 else { throw HTTPClientError("cannot run tollgate: \(String(cString: strerror(spawned)))") }
        self.pid = pid
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var s: Int32 = 0
            waitpid(pid, &s, 0)
        }
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit and returns its status, or 128+n when signal n killed it; throws when
    /// `timeout` passes first.
    func wait(timeout: Double) throws -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        try eventually(timeout: timeout, "tollgate \(pid) exited; stderr: \(stderr.suffix(600))") {
            waitpid(pid, &raw, WNOHANG) == pid
        }
        // WIFSIGNALED / WEXITSTATUS, spelled out: the C macros are not imported.
        let signal = raw & 0x7f
        let result = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        status = result
        return result
    }
}
