import Foundation
import Glibc
import Synchronization

/// The built `tollgate` executable, and one-shot runs of it.
enum TollgateBinary {
    /// The executable beside the test bundle, else `.build/debug/tollgate` under the package root.
    static func url() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            candidates.append(dir.appendingPathComponent("tollgate"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(try packageRoot().appendingPathComponent(".build/debug/tollgate"))
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) && !isDirectory($0) }) { return found }
        throw HTTPClientError("the tollgate executable is not built (looked for \(candidates.map(\.path).joined(separator: ", "))); run `swift build` first")
    }

    /// The package root: this file is Tests/TollgateIntegrationTests/TestSupport/TollgateBinary.swift.
    static func packageRoot() throws -> URL {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root = root.deletingLastPathComponent() }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) else {
            throw HTTPClientError("cannot find the package root from \(#filePath)")
        }
        return root
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// What a finished run printed and how it exited.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tollgate arguments` to completion (killed after `timeout` seconds), output captured in `directory`.
    static func run(_ arguments: [String], in directory: URL, timeout: Double = 30) throws -> Run {
        try ChildProcess.run(try url(), arguments, in: directory, timeout: timeout)
    }
}

/// Waiting on child processes without ever waiting forever.
enum ChildProcess {
    /// Runs `executable arguments` to completion (killed after `timeout` seconds), its output
    /// captured in files in `directory` so it can never block on a pipe.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Double) throws -> TollgateBinary.Run {
        let name = UUID().uuidString
        let outURL = directory.appendingPathComponent("\(name).out")
        let errURL = directory.appendingPathComponent("\(name).err")
        for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        defer { for url in [outURL, errURL] { try? FileManager.default.removeItem(at: url) } }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        guard waitForExit(process, timeout: timeout) else {
            // What it was doing, for the failure message: its state and where it sleeps.
            let pid = process.processIdentifier
            let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? "?"
            let state = "state \(isZombie(pid) ? "Z" : "not Z"), waiting in \(wchan)"
            kill(pid, SIGKILL)
            _ = waitForExit(process, timeout: 10)
            let said = ((try? String(contentsOf: errURL, encoding: .utf8)) ?? "").suffix(1_000)
            throw HTTPClientError(
                "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(timeout) s (\(state)); stderr: \(said)")
        }
        return TollgateBinary.Run(
            status: status(of: process),
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Exit statuses of children this file reaped itself, by process id (see `waitForExit`).
    private static let reaped = Mutex<[Int32: Int32]>([:])

    /// True once `process` has exited; false when `timeout` seconds pass first.
    ///
    /// Foundation on Linux learns of a child's exit from SIGCHLD, and with many children ending
    /// at once it can miss one: `isRunning` then stays true for a process long gone (a zombie),
    /// and a test waited its full timeout for an `approve` that had finished (NginxTLSTests in
    /// CI). A child that has been a zombie for a second is reaped here, its status kept for
    /// `status(of:)`.
    static func waitForExit(_ process: Process, timeout: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        let pid = process.processIdentifier
        var zombieSince: ContinuousClock.Instant?
        while process.isRunning {
            if reaped.withLock({ $0[pid] != nil }) { return true }
            if isZombie(pid) {
                let since = zombieSince ?? .now
                zombieSince = since
                if ContinuousClock.now - since > .seconds(1) {
                    var status: Int32 = 0
                    if waitpid(pid, &status, WNOHANG) == pid {
                        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
                        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
                        reaped.withLock { $0[pid] = code }
                        return true
                    }
                }
            }
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// The exit status of a process `waitForExit` said had exited: Foundation's, or the one
    /// reaped here when Foundation missed the exit.
    static func status(of process: Process) -> Int32 {
        if let status = reaped.withLock({ $0[process.processIdentifier] }) { return status }
        return process.terminationStatus
    }

    /// Whether `pid` has exited and not been reaped yet (state Z in /proc/PID/stat).
    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return false
        }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
