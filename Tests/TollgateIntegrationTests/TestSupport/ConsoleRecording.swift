import Foundation
import XCTest

/// The real console in tmux with every byte it writes recorded (tmux `pipe-pane`), for tests that
/// must look at the raw terminal output rather than at tmux's rendering of it.
///
/// The console only starts once the recorder is attached (it waits for a gate file), so the
/// recording holds its very first frame too.
final class ConsoleRecording {
    let tmux: TmuxSession
    private let outputPath: String

    /// Starts the console as `principal` against `server` in a `width`x`height` tmux window,
    /// with `arguments` after the connection's.
    init(
        _ test: XCTestCase, _ sandbox: Sandbox, _ server: ServerProcess, as principal: String = "alice",
        width: Int = 120, height: Int = 40, environment: [String: String] = [:], arguments: [String] = []
    ) throws {
        let id = UUID().uuidString.prefix(8)
        let gate = sandbox.directory.appendingPathComponent("gate-\(id)").path
        outputPath = sandbox.directory.appendingPathComponent("console-\(id).bytes").path
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: principal) + ["--db", sandbox.historyPath("\(principal)-\(id)")] + arguments
        let console = ([binary] + args).map(TmuxSession.quote).joined(separator: " ")
        var env = ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path]
        env.merge(environment) { $1 }
        // TmuxSession runs `env VARS command`, so the waiting loop needs a shell of its own.
        let script = "while [ ! -e \(TmuxSession.quote(gate)) ]; do sleep 0.05; done; exec \(console)"
        tmux = try TmuxSession(
            test, command: "sh -c \(TmuxSession.quote(script))",
            width: width, height: height, environment: env)
        try TestFiles.create(outputPath)
        try control(["pipe-pane", "-o", "-t", tmux.name, "cat >> \(TmuxSession.quote(outputPath))"])
        try TestFiles.create(gate)
    }

    /// Every byte the console has written so far.
    func output() -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: outputPath))).map { [UInt8]($0) } ?? []
    }

    /// Every byte written so far, once `text` is among them: tmux hands bytes to the recorder a
    /// little after it draws them, so a test that saw something on screen waits here first.
    @discardableResult
    func output(containing text: String, timeout: Double = 20) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try eventually(timeout: timeout, "the recording holds \(text.debugDescription)") {
            bytes = output()
            return bytes.containsBytes(Array(text.utf8))
        }
        return bytes
    }

    /// Resizes the tmux window, which the console sees as SIGWINCH.
    func resize(width: Int, height: Int) throws {
        try control(["resize-window", "-t", tmux.name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Whether the console process is still running in the pane (its shell waits in `sleep 600` after it).
    func consoleCommand() throws -> String {
        try control(["display-message", "-p", "-t", tmux.name, "#{pane_current_command}"], capture: true)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs one tmux client command against the session's server, which already runs, so the
    /// client exits on its own and Process can wait for it.
    @discardableResult
    private func control(_ arguments: [String], capture: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", tmux.socket, "-f", "/dev/null"] + arguments
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = capture ? pipe : FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = capture ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HTTPClientError("tmux \(arguments.first ?? "") failed with status \(process.terminationStatus): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs as a contiguous run of bytes.
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
