import Foundation
import Glibc

/// A `tollgate` child process running in the background, its output captured in files.
///
/// For commands that block (`request --wait`, `watch`): start, act on the server, then
/// signal or wait. Every wait has a timeout, and `deinit` kills what is still running.
final class Spawned {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    /// Starts `executable` (the tollgate binary unless given) with `arguments`.
    init(_ arguments: [String], in directory: URL, environment: [String: String]? = nil, executable: URL? = nil) throws {
        let name = UUID().uuidString
        stdoutPath = directory.appendingPathComponent("\(name).out").path
        stderrPath = directory.appendingPathComponent("\(name).err").path
        try TestFiles.create(stdoutPath)
        try TestFiles.create(stderrPath)
        process.executableURL = try executable ?? TollgateBinary.url()
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    deinit { kill(SIGKILL) }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func kill(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits for the exit and returns the status; throws when `timeout` passes first.
    @discardableResult
    func wait(timeout: Double = 60) throws -> Int32 {
        guard ChildProcess.waitForExit(process, timeout: timeout) else {
            throw HTTPClientError(
                "tollgate \(process.arguments?.joined(separator: " ") ?? "") still running after \(timeout) s; stderr: \(stderr.suffix(1000))")
        }
        return ChildProcess.status(of: process)
    }
}

extension Sandbox {
    /// Writes `principal`'s token to an owner-only file and returns its path (for `--token-file`).
    func tokenFile(_ principal: String) throws -> String {
        let path = directory.appendingPathComponent("\(principal).token").path
        try TestFiles.create(path, Data((try token(principal) + "\n").utf8), ownerOnly: true)
        return path
    }

    /// `--server URL --token-file F` for `principal` against `server`.
    func connection(_ server: ServerProcess, as principal: String) throws -> [String] {
        ["--server", "http://127.0.0.1:\(server.port)", "--token-file", try tokenFile(principal)]
    }

    /// A history cache path of this sandbox.
    func historyPath(_ name: String) -> String { directory.appendingPathComponent("\(name)-history.sqlite").path }
}
