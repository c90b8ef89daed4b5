import Foundation
import Glibc

/// A child process started with `posix_spawn`, which the benchmark owns and always ends.
///
/// Standard streams are either files (a log, /dev/null) or a pseudo-terminal's replica, which
/// then becomes the child's controlling terminal, as it is for a person at a real terminal.
final class Subprocess {
    let pid: pid_t
    let executable: String
    private var reaped = false

    enum Streams {
        /// stdin from /dev/null; stdout and stderr appended to these files.
        case files(stdout: String, stderr: String)
        /// All three on the terminal at `path` (a pty replica), which the child takes as its
        /// controlling terminal.
        case terminal(path: String)
    }

    init(_ executable: String, _ arguments: [String], environment: [String: String], streams: Streams) throws {
        self.executable = executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        switch streams {
        case .files(let stdout, let stderr):
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        case .terminal(let path):
            // A new session with no controlling terminal; opening the replica then makes it one.
            posix_spawnattr_setflags(&attributes, Int16(Self.spawnSetSID))
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(status)))") }
        pid = child
        Self.live.withLock { _ = $0.insert(child) }
    }

    /// Every child not yet reaped, so an interrupted run leaves no server behind.
    private static let live = Shared<Set<pid_t>>([])

    /// Kills every child still running (on SIGINT or SIGTERM to the benchmark).
    static func killAll() {
        for pid in live.withLock({ $0 }) { kill(pid, SIGKILL) }
    }

    deinit { terminate() }

    /// glibc's POSIX_SPAWN_SETSID (2.26+), which Swift's Glibc module does not export.
    private static let spawnSetSID: Int32 = 0x80

    var isRunning: Bool {
        guard !reaped else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            markReaped()
            return false
        }
        return true
    }

    /// SIGTERM, then SIGKILL after `graceSeconds`; reaps the child either way.
    func terminate(graceSeconds: Double = 5) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = BenchClock.now() + UInt64(graceSeconds * 1e9)
        while BenchClock.now() < deadline {
            if !isRunning { return }
            BenchClock.sleep(nanoseconds: 10_000_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        markReaped()
    }

    private func markReaped() {
        reaped = true
        let pid = self.pid
        Self.live.withLock { _ = $0.remove(pid) }
    }

    /// Waits up to `seconds` for the child to exit by itself; true when it did.
    func waitForExit(seconds: Double) -> Bool {
        let deadline = BenchClock.now() + UInt64(seconds * 1e9)
        while BenchClock.now() < deadline {
            if !isRunning { return true }
            BenchClock.sleep(nanoseconds: 5_000_000)
        }
        return !isRunning
    }

    /// Resident set size in bytes, from /proc (VmRSS); nil once the process is gone.
    var residentBytes: Int? { ProcStatus.residentBytes(pid: pid) }

    /// Anonymous resident bytes (RssAnon): the process's own data, without mapped files.
    var anonymousBytes: Int? { ProcStatus.anonymousBytes(pid: pid) }

    /// CPU time used so far (user + system), in seconds; nil once the process is gone.
    var cpuSeconds: Double? { ProcStatus.cpuSeconds(pid: pid) }
}

/// Reads /proc/<pid>/status and /proc/<pid>/stat.
enum ProcStatus {
    /// utime + stime from /proc/<pid>/stat, in seconds.
    static func cpuSeconds(pid: pid_t) -> Double? {
        guard let fields = statFields(pid: pid), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The CPU time of `pid` and its children, in seconds: its own, its children's that have
    /// exited and been reaped (cutime + cstime), and each live child's. For a server that forks a
    /// process per connection (PostgreSQL), whose children come and go.
    static func familyCPUSeconds(pid: pid_t) -> Double? {
        guard let fields = statFields(pid: pid), let user = Double(fields[11]), let system = Double(fields[12]),
            let reapedUser = Double(fields[13]), let reapedSystem = Double(fields[14])
        else { return nil }
        var ticks = user + system + reapedUser + reapedSystem
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let child = pid_t(entry), let childFields = statFields(pid: child), parent(childFields) == pid,
                let childUser = Double(childFields[11]), let childSystem = Double(childFields[12])
            else { continue }
            ticks += childUser + childSystem
        }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The parent of `pid` (ppid in /proc/<pid>/stat).
    static func parent(of pid: pid_t) -> pid_t? { statFields(pid: pid).flatMap(parent) }

    private static func parent(_ fields: [Substring]) -> pid_t? { pid_t(fields[1]) }

    /// The fields of /proc/<pid>/stat after the parenthesised command name (which may hold
    /// spaces): state (field 3) is at 0, ppid (4) at 1, utime (14) at 11, stime at 12, cutime at
    /// 13, cstime at 14; nil when the process is gone or the line is short.
    private static func statFields(pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 14 ? fields : nil
    }

    static func residentBytes(pid: pid_t) -> Int? { field("VmRSS", pid: pid) }

    /// The part of the resident set that is the process's own data (heap, stacks), not pages of
    /// mapped files such as its code and shared libraries (RssAnon).
    static func anonymousBytes(pid: pid_t) -> Int? { field("RssAnon", pid: pid) }

    /// A `kB` line of /proc/<pid>/status, in bytes.
    private static func field(_ name: String, pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}

/// Runs a command to completion and returns its standard output (for short helpers: git, sqlite3, python).
enum Command {
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: String? = nil, standardErrorToOutput: Bool = false
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = standardErrorToOutput ? out : FileHandle.standardError
        let inPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The absolute path of `name` on PATH, or nil.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
