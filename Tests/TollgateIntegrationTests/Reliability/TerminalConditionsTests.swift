import Foundation
import TollgateCore
import XCTest

/// The console under hostile terminal conditions: resize storms, a tiny window, and input
/// arriving faster than frames.
final class TerminalConditionsTests: XCTestCase {
    private func start(width: Int = 120, height: Int = 40, environment: [String: String] = [:])
        throws -> (Sandbox, ServerProcess, ConsoleRecording)
    {
        let sandbox = try Sandbox(self)
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
        try recording.tmux.waitFor("Storm action 9")
        try assertConsoleAlive(recording)
        // A frame painted before the last resize may still be on screen when the action first
        // shows: wait for the one laid out for 100x30, whose status line is the second-last row.
        var screen = ""
        do {
            try eventually("a frame laid out for 100x30 that shows the last action") {
                screen = try recording.tmux.screen()
                let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
                return screen.contains("Storm action 9") && rows.count >= 29 && rows[28].contains("theme:")
            }
        } catch {
            XCTFail("\(error); last screen:\n\(screen)")
            return
        }
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
        // The key works once the console knows who you are (whoami): its hint says so.
        try recording.tmux.waitFor("d deny")
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

    // MARK: - Locale, terminal type, colour

    /// The SGR parameters of every `ESC [ ... m` in `bytes` that set a colour (30-49, 90-107, 38/48).
    private static func colourSequences(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x5B else { i += 1; continue }
            var j = i + 2
            while j < bytes.count, (0x30...0x3F).contains(bytes[j]) { j += 1 }
            if j < bytes.count, bytes[j] == 0x6D {
                let parameters = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                let colours = parameters.split(separator: ";").compactMap { Int($0) }.filter { (30...49).contains($0) || (90...107).contains($0) }
                if !colours.isEmpty { found.append(parameters) }
            }
            i = j
        }
        return found
    }

    func testNoColorPaintsWithAttributesOnly() throws {
        let (sandbox, server, recording) = try start(environment: ["NO_COLOR": "1"])
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "Colourless critical", risk: .critical))
        try recording.tmux.waitFor("Colourless critical")
        try recording.tmux.send("Enter")
        try recording.tmux.waitFor("Justification")
        try assertConsoleAlive(recording)
        let output = try recording.output(containing: "Justification")
        XCTAssertEqual(Self.colourSequences(in: output), [], "NO_COLOR: no colour reached the terminal")
        // The same screens with colour allowed do use colour, so the check above can fail.
        let (colourSandbox, colourServer, coloured) = try start()
        _ = try colourSandbox.client(colourServer, as: "agent-1").submit(Fixtures.request(summary: "Colourful critical", risk: .critical))
        try coloured.tmux.waitFor("Colourful critical")
        XCTAssertNotEqual(
            Self.colourSequences(in: try coloured.output(containing: "Colourful critical")), [],
            "without NO_COLOR the theme's colours are used")
    }

    func testTheCLocaleSendsOnlyASCIIWhateverTheAgentsWrote() throws {
        let (sandbox, server, recording) = try start(environment: ["LANG": "C", "LC_ALL": "", "LC_CTYPE": ""])
        let summary = "Grüße 日本 \u{202E}evil \u{1F680} zero\u{200B}w done"
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: summary, context: [ContextEntry(key: "région", value: "eu-west-1 ✓")]))
        try recording.tmux.waitFor("Gr<U+00FC>")
        // ncurses blanks a non-ASCII separator in the C locale, so only the screen shows the ASCII one was chosen.
        try recording.tmux.waitFor("Tollgate | live")
        try recording.tmux.send("Enter")
        try recording.tmux.waitFor("eu-west-1")
        try recording.tmux.send("?")
        try recording.tmux.waitFor("Help")
        try assertConsoleAlive(recording)
        let output = try recording.output(containing: "Help")
        let high = output.enumerated().filter { $0.element >= 0x80 }
        XCTAssertTrue(high.isEmpty, "LANG=C: \(high.count) bytes >= 0x80 reached the terminal, the first at offset \(high.first?.offset ?? -1)")
    }

    func testADumbTerminalIsRefusedWithOneClearLine() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", sandbox.historyPath("alice-dumb")]
        let console = ([binary] + args).map(TmuxSession.quote).joined(separator: " ")
        let tmux = try TmuxSession(
            self, command: "\(console); echo \"exit status $?\"",
            environment: ["TERM": "dumb", "HOME": sandbox.directory.path, "XDG_CONFIG_HOME": sandbox.directory.path])
        let screen = try tmux.waitFor("exit status")
        XCTAssertTrue(screen.contains("exit status 1"), screen)
        XCTAssertTrue(screen.contains("tollgate: TERM=dumb cannot move the cursor"), screen)
        XCTAssertTrue(screen.contains("tollgate watch"), "it says what to use instead:\n\(screen)")
    }
}
