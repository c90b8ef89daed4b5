import Foundation
import Glibc

/// A `tollgate serve` child process listening on `127.0.0.1` on a port the kernel chose.
///
/// Its standard error goes to a file, so tests can search the server's log; whoever starts one
/// must make sure it is killed (`Sandbox` does, at teardown).
final class ServerProcess {
    let port: Int
    let stderrPath: String
    private let process: Process
    private let stdout: Pipe

    /// Starts `tollgate serve arguments` and waits (at most `timeout` s) for its listening line.
    init(arguments: [String], stderrPath: String, timeout: Double = 60) throws {
        self.stderrPath = stderrPath
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let errorLog = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? errorLog.close() }
        stdout = Pipe()
        process = Process()
        process.executableURL = try TollgateBinary.url()
        process.arguments = ["serve"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = errorLog
        try process.run()
        do {
            port = try Self.readListeningPort(stdout.fileHandleForReading.fileDescriptor, timeout: timeout)
        } catch {
            Glibc.kill(process.processIdentifier, SIGKILL)
            _ = ChildProcess.waitForExit(process, timeout: 10)
            let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw HTTPClientError("tollgate serve did not start: \(error); its stderr: \(log.suffix(2000))")
        }
    }

    deinit { kill() }

    /// Reads stdout up to `tollgate serve: listening on http://127.0.0.1:PORT` and returns PORT.
    private static func readListeningPort(_ fd: Int32, timeout: Double) throws -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        let prefix = "tollgate serve: listening on http://127.0.0.1:"
        var text = ""
        while true {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where line.hasPrefix(prefix) {
                guard let port = Int(line.dropFirst(prefix.count)) else { throw HTTPClientError("unexpected listening line: \(line)") }
                return port
            }
            let remaining = deadline - .now
            guard remaining > .zero else { throw HTTPClientError("no listening line within \(timeout) s (stdout so far: \(text.debugDescription))") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: remaining.components.seconds * 1000 + 1))
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw HTTPClientError("the server closed its stdout (exited?) before saying where it listens") }
            text += String(decoding: buffer[..<n], as: UTF8.self)
        }
    }

    var isRunning: Bool { process.isRunning }

    /// The server's log so far.
    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Asks for a graceful stop (SIGTERM) and returns the exit status.
    @discardableResult
    func stop(timeout: Double = 30) throws -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        Glibc.kill(process.processIdentifier, SIGTERM)
        guard ChildProcess.waitForExit(process, timeout: timeout) else {
            kill()
            throw HTTPClientError("tollgate serve did not stop within \(timeout) s of SIGTERM")
        }
        return ChildProcess.status(of: process)
    }

    /// Freezes the server (SIGSTOP): its sockets stay open and accept bytes, but nothing answers.
    func suspend() { Glibc.kill(process.processIdentifier, SIGSTOP) }

    /// Lets a suspended server run again (SIGCONT).
    func resume() { Glibc.kill(process.processIdentifier, SIGCONT) }

    /// Kills the server at once (SIGKILL), as a crash would, and reaps it.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = ChildProcess.waitForExit(process, timeout: 30)
    }
}
