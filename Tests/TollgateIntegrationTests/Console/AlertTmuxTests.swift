import Foundation
import TollgateCore
import XCTest

/// The console's alerts and title in tmux, against the real server: the raw bytes the console
/// writes (tmux `pipe-pane`), and what tmux made of them (the pane's title).
final class AlertTmuxTests: XCTestCase {
    // MARK: - Reading the recording

    /// BEL bytes that are a bell: not the end of an OSC, nor inside a DCS, APC, PM or SOS
    /// string (ncurses and the console end their own strings with ST, but a BEL may end an OSC).
    static func bareBells(_ bytes: [UInt8]) -> Int {
        var count = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x07 {
                count += 1
                i += 1
            } else if bytes[i] == 0x1B, i + 1 < bytes.count, [0x5D, 0x50, 0x5F, 0x5E, 0x58].contains(bytes[i + 1]) {
                // A control string: it ends at ST, or at BEL for an OSC; a doubled ESC (tmux's
                // passthrough) is part of it.
                let osc = bytes[i + 1] == 0x5D
                i += 2
                while i < bytes.count {
                    if osc, bytes[i] == 0x07 { i += 1; break }
                    if bytes[i] == 0x1B, i + 1 < bytes.count {
                        if bytes[i + 1] == 0x5C { i += 2; break }
                        if bytes[i + 1] == 0x1B { i += 2; continue }
                    }
                    i += 1
                }
            } else {
                i += 1
            }
        }
        return count
    }

    /// The AGE the console shows on the row of `summary`, in seconds (`12s`); nil before it shows.
    static func age(of summary: String, in screen: String) -> Int? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains(summary) }),
            let match = line.firstMatch(of: #/ (\d+)s +\S+ +\d+/\d+ *$/#)
        else { return nil }
        return Int(match.1)
    }

    /// Waits until the console's own clock, as its AGE column shows it, has moved on by
    /// `seconds` from now, then presses `key` and waits until the recording holds `marker`, text
    /// the screen it opens draws: whatever alert was due by then has been written (the UI loop
    /// wakes for it and writes it before it paints again), and the recording has caught up.
    private func letTheConsoleClockRun(
        _ recording: ConsoleRecording, row summary: String, seconds: Int = 4, thenPress key: String, marker: String
    ) throws {
        let tmux = recording.tmux
        var first: Int?
        try eventually(timeout: 30, "the row \(summary.debugDescription) shows its age", { (try? tmux.screen()) ?? "" }) {
            first = Self.age(of: summary, in: try tmux.screen())
            return first != nil
        }
        let start = first ?? 0
        try eventually(timeout: 60, "the console's clock moved \(seconds) s on", { (try? tmux.screen()) ?? "" }) {
            (Self.age(of: summary, in: try tmux.screen()) ?? 0) >= start + seconds
        }
        XCTAssertFalse(recording.output().containsBytes(Array(marker.utf8)), "\(marker.debugDescription) is new to the recording")
        try tmux.send(key)
        try recording.output(containing: marker)
    }

    /// A console started with `arguments`, once it has shown a burst of `count` high-risk
    /// submissions, sent together so they reach the server at the same moment, and let its
    /// clock run past any alert the burst could make.
    private func consoleAfterABurst(
        _ sandbox: Sandbox, _ server: ServerProcess, count: Int, summary: String, arguments: [String] = []
    ) throws -> ConsoleRecording {
        let recording = try ConsoleRecording(self, sandbox, server, arguments: arguments)
        try recording.tmux.waitFor("live")
        var requests = SimultaneousRequests()
        for i in 1...count {
            let body = Fixtures.json(Fixtures.request(summary: "\(summary) \(i)", risk: .high))
            requests.add(port: server.port, "POST", "/v1/actions", token: try sandbox.token("agent-1"), body: body)
        }
        for response in try requests.send() { XCTAssertEqual(response.status, 201, response.text) }
        try recording.tmux.waitFor("\(count) pending")
        try letTheConsoleClockRun(recording, row: "\(summary) 1", thenPress: "?", marker: "Keys,")
        return recording
    }

    // MARK: - The bell

    func testABurstOfUrgentActionsRingsTheBellOnce() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let recording = try consoleAfterABurst(sandbox, server, count: 6, summary: "Burst action")
        XCTAssertEqual(Self.bareBells(recording.output()), 1, "one bell for six actions")

        // A later one is an alert of its own.
        try recording.tmux.send("q")
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "After the burst", risk: .critical))
        try recording.tmux.waitFor("After the burst")
        try recording.tmux.send("g")
        try letTheConsoleClockRun(recording, row: "After the burst", thenPress: "Enter", marker: "quarterly report")
        XCTAssertEqual(Self.bareBells(recording.output()), 2)
    }

    func testNotifyOffRingsNothing() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let recording = try consoleAfterABurst(sandbox, server, count: 4, summary: "Silent action", arguments: ["--notify", "off"])
        XCTAssertEqual(Self.bareBells(recording.output()), 0)
    }

    // MARK: - Desktop notifications

    func testDesktopNotificationsPassThroughTmuxWithTheSummarySanitised() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        // Chosen in config.toml (the console's config folder is the sandbox), not by a flag.
        let folder = sandbox.directory.appendingPathComponent("tollgate")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "notify = \"desktop\"\n".write(to: folder.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let recording = try ConsoleRecording(self, sandbox, server)
        try recording.tmux.waitFor("live")
        let hostile = "Drop\u{1B}]0;evil\u{07} it;\u{9D}2;c1\u{9C} \u{202E}fdp.exe " + String(repeating: "long ", count: 150)
        _ = try sandbox.client(server, as: "agent-1").submit(Fixtures.request(kind: "db.drop", summary: hostile, risk: .critical))

        let body = "db.drop: Drop␛]0;evil␇ it;⟨U+009D⟩2;c1⟨U+009C⟩ ⟨RLO⟩fdp.exe long long"
        let notify = "\u{1B}Ptmux;\u{1B}\u{1B}]777;notify;Tollgate: new critical action;" + body
        let osc9 = "\u{1B}Ptmux;\u{1B}\u{1B}]9;Tollgate: new critical action: " + body
        let bytes = try recording.output(containing: osc9)
        XCTAssertTrue(bytes.containsBytes(Array(notify.utf8)), "OSC 777 in tmux's passthrough")
        // Each ends with its ESC doubled inside the passthrough, then the passthrough's own ST.
        XCTAssertTrue(bytes.containsBytes(Array("…\u{1B}\u{1B}\\\u{1B}\\".utf8)), "cut, ended with ST")
        XCTAssertFalse(bytes.containsBytes(Array("\u{1B}]0;evil".utf8)), "the agent's OSC never reaches the terminal")
        XCTAssertFalse(bytes.containsBytes([0xC2, 0x9D]), "nor its C1 OSC")
        XCTAssertFalse(bytes.containsBytes([0xE2, 0x80, 0xAE]), "nor its bidi override")
        XCTAssertEqual(Self.bareBells(bytes), 0, "desktop notifies without ringing")
        XCTAssertNotEqual(try paneTitle(recording.tmux), "evil")
    }

    // MARK: - The title

    /// `#{pane_title}`: what the console's OSC 2 (and the title stack) made of the pane's title.
    private func paneTitle(_ tmux: TmuxSession) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", tmux.socket, "-f", "/dev/null", "display-message", "-p", "-t", tmux.name, "#{pane_title}"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func waitForTitle(_ tmux: TmuxSession, _ expected: String) throws {
        var last = ""
        try eventually(timeout: 30, "the pane title becomes \(expected.debugDescription)", { "it is \(last.debugDescription)" }) {
            last = try paneTitle(tmux)
            return last == expected
        }
    }

    func testTheTitleShowsThePendingCountFollowsADecisionAndIsRestoredAtExit() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let first = try agent.submit(Fixtures.request(summary: "Titled one", risk: .low))
        _ = try agent.submit(Fixtures.request(summary: "Titled two", risk: .low))
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", sandbox.historyPath("alice"), "--title"]
        // The pane has a title of its own before the console starts, which it must give back.
        let script = "printf '\\033]2;before the console\\033\\\\'; " + ([binary] + args).map(TmuxSession.quote).joined(separator: " ")
        // tmux-256color, whose terminfo (unlike xterm's, whose smcup and rmcup save and restore
        // the title too) leaves the title alone: what gives it back is the console's own push and pop.
        let tmux = try TmuxSession(
            self, command: "sh -c \(TmuxSession.quote(script))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path, "TERM": "tmux-256color"])
        try waitForTitle(tmux, "tollgate: 2 pending")
        _ = try agent.submit(Fixtures.request(summary: "Titled three", risk: .low))
        try waitForTitle(tmux, "tollgate: 3 pending")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(first, .approve).status, 200)
        try waitForTitle(tmux, "tollgate: 2 pending")
        try tmux.send("q")
        try waitForTitle(tmux, "before the console")
    }

    // MARK: - Escalation (the server's [[notify]] escalate_before_seconds)

    func testAnEscalatedActionIsMarkedFirstAndRingsTheBell() throws {
        let config =
            Sandbox.quickExpiryConfig + """

                [[notify]]
                id = "pager"
                url = "http://127.0.0.1:9/hook"
                format = "json"
                events = ["escalation"]
                min_risk = "low"
                escalate_before_seconds = 10
                """
        let sandbox = try Sandbox(self, config: config)
        let server = try sandbox.startServer()
        let recording = try ConsoleRecording(self, sandbox, server)
        let tmux = recording.tmux
        try tmux.waitFor("live")
        let agent = try sandbox.client(server, as: "agent-1")
        _ = try agent.submit(Fixtures.request(summary: "Routine and urgent", risk: .high, ttl: 3600))
        _ = try agent.submit(Fixtures.request(summary: "Quiet but expiring", risk: .low, ttl: 15))
        let before = try tmux.waitFor("Quiet but expiring")
        XCTAssertLessThan(
            try XCTUnwrap(before.range(of: "Routine and urgent")).lowerBound, try XCTUnwrap(before.range(of: "Quiet but expiring")).lowerBound,
            "by urgency, high before low:\n\(before)")
        XCTAssertFalse(before.contains("ESCALATED"))

        // Five seconds in, ten before expiry, the server escalates it.
        let screen = try tmux.waitFor("ESCALATED Quiet but expiring")
        let lines = screen.split(separator: "\n")
        let escalated = try XCTUnwrap(lines.firstIndex { $0.contains("Quiet but expiring") })
        let routine = try XCTUnwrap(lines.firstIndex { $0.contains("Routine and urgent") })
        XCTAssertLessThan(escalated, routine, "escalated first:\n\(screen)")
        XCTAssertEqual(Array(lines[escalated]).dropFirst().first, "!", "marked in the gutter: \(lines[escalated])")
        XCTAssertTrue(lines.first?.contains("2 pending 1 ESCALATED") ?? false, screen)
        // The high one's arrival rang once; the escalation, of a low one, rings again.
        try eventually(timeout: 30, "a second bell for the escalation") { Self.bareBells(recording.output()) >= 2 }
        try tmux.send("g")
        try tmux.send("Enter")
        try tmux.waitFor("Escalated ")
    }
}
