import Foundation
import TollgateCore
import XCTest

/// The console under hostile terminal conditions: resize storms, a tiny window, and input
/// arriving faster than frames.
final class TerminalConditionsTests: XCTestCase {
    static let config = """
        [limits]
        rate_per_second = 0
        """

    private func start(width: Int = 120, height: Int = 40, environment: [String: String] = [:])
        throws -> (Sandbox, ServerProcess, ConsoleRecording) {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let recording = try ConsoleRecording(self, sandbox, server, width: width, height: height, environment: environment)
        return (sandbox, server, recording)
    }

    /// The console still runs: its header is on screen (when it exits, the terminal's own screen comes back).
    private func assertConsoleAlive(_ recording: ConsoleRecording) throws {
        try recording.tmux.waitFor("Tollgate")
    }

    // MARK: - Resizing

    func testResizeStormWhileActionsArriveLeavesACorrectScreen() throws {
        let (sandbox, server, recording) = try start()
        try recording.tmux.waitFor("live")
        let agent = try sandbox.client(server, as: "agent-1")
        for step in 0..<50 {
            try recording.resize(width: 20 + (step * 37) % 180, height: 5 + (step * 13) % 50)
            if step % 5 == 0 { _ = try agent.submit(Fixtures.request(summary: "Storm action \(step / 5)")) }
        }
        try recording.resize(width: 100, height: 30)
        let screen = try recording.tmux.waitFor("Storm action 9")
        try assertConsoleAlive(recording)
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertLessThanOrEqual(lines.count, 30, screen)
        for line in lines { XCTAssertLessThanOrEqual(line.count, 100, "a line wider than the window:\n\(screen)") }
        XCTAssertTrue(screen.contains("Tollgate"), "the header is redrawn:\n\(screen)")
    }

    func testTwentyByFiveStillShowsTheQueue() throws {
        let (sandbox, server, recording) = try start(width: 20, height: 5)
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(risk: .critical))
        let screen = try recording.tmux.waitFor("CRIT")
        try assertConsoleAlive(recording)
        XCTAssertTrue(screen.contains("Tollgate"), screen)
        try recording.tmux.send("Enter")
        try recording.tmux.send("D")
        try recording.tmux.send("?")
        try recording.tmux.send("Escape")
        try recording.tmux.send("Escape")
        try recording.tmux.waitFor("CRIT")
        try assertConsoleAlive(recording)
    }

    // MARK: - Input faster than frames

    func testATenKilobytePasteIntoTheDenyReasonIsCappedAndSent() throws {
        let (sandbox, server, recording) = try start()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "Paste target"))
        try recording.tmux.waitFor("Paste target")
        try recording.tmux.send("d")
        try recording.tmux.waitFor("reason")
        // Distinct, space-free text, so a dropped or reordered chunk would show.
        let pasted = (0..<1_000).map { String(format: "r%04d-abcd", $0) }.joined()
        XCTAssertEqual(pasted.utf8.count, 10_000)
        try recording.tmux.send(pasted, literal: true)
        try recording.tmux.send("Enter")
        try assertConsoleAlive(recording)

        let approver = try sandbox.client(server, as: "bob")
        var decided = try approver.action(action.id)
        for _ in 0..<300 where decided.status == .pending {
            usleep(100_000)
            decided = try approver.action(action.id)
        }
        XCTAssertEqual(decided.status, .denied)
        let reason = try XCTUnwrap(decided.decisions.first?.reason)
        // LineEditor caps a reason at 4096 UTF-8 bytes: the prompt keeps the first 4096 and drops the rest.
        XCTAssertEqual(reason, String(pasted.prefix(4_096)))
        try recording.tmux.waitFor("live")
        try assertConsoleAlive(recording)
    }
}
