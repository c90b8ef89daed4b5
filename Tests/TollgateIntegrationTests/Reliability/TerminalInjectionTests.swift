import Foundation
import TollgateCore
import XCTest

/// Hostile agent text in every field of an action, through the real server into the real console:
/// none of the escape sequences, controls or bidi overrides may reach the terminal raw.
///
/// ncurses itself writes CSI sequences, so the test searches the console's raw output for the
/// payloads' own byte strings (each tagged with text ncurses never writes), not for any ESC.
final class TerminalInjectionTests: XCTestCase {
    // MARK: - Payloads

    /// One hostile string: OSC title, clipboard and hyperlink; CSI clear, cursor move and colour;
    /// DCS; 8-bit C1 CSI, OSC and ST; a bidi override; zero-width and combining storms;
    /// backspaces, BEL and NUL. `tag` names the field so a failure says where the payload was.
    static func payload(_ tag: String) -> String {
        "\(tag):\u{1B}]0;pwned\u{07} \u{1B}]52;c;cHduZWQ=\u{07} \u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\ "
            + "\u{1B}[2Jpwn \u{1B}[99;77Hpwn \u{1B}[38;5;213mpwncolor \u{1B}P1;2|pwndcs\u{1B}\\ "
            + "\u{9B}2J \u{9D}0;t\u{9C} \u{202E}exe.txt \u{200B}\u{200B}\u{2060}e" + String(repeating: "\u{301}", count: 40)
            + " pwnbs\u{08}\u{08} pwnbel\u{07} \u{0}nul"
    }

    /// The byte strings that must never reach the terminal, and what each one is.
    static let needles: [(String, [UInt8])] = [
        ("OSC 0 title", Array("\u{1B}]0;pwned".utf8)),
        ("OSC 52 clipboard", Array("\u{1B}]52;".utf8)),
        ("OSC 8 hyperlink", Array("\u{1B}]8;;".utf8)),
        ("CSI clear screen", Array("\u{1B}[2Jpwn".utf8)),
        ("CSI cursor move", Array("\u{1B}[99;77Hpwn".utf8)),
        ("CSI colour", Array("\u{1B}[38;5;213mpwn".utf8)),
        ("DCS", Array("\u{1B}P1;2|".utf8)),
        ("C1 CSI U+009B", [0xC2, 0x9B]),
        ("C1 OSC U+009D", [0xC2, 0x9D]),
        ("C1 ST U+009C", [0xC2, 0x9C]),
        ("bidi override U+202E", [0xE2, 0x80, 0xAE]),
        ("zero-width space U+200B", [0xE2, 0x80, 0x8B]),
        ("word joiner U+2060", [0xE2, 0x81, 0xA0]),
        ("backspaces", Array("pwnbs\u{08}".utf8)),
        ("BEL", Array("pwnbel\u{07}".utf8)),
        ("BEL ending the title", Array("pwned\u{07}".utf8)),
        ("NUL", Array("\u{0}nul".utf8)),
        ("lone surrogate as CESU-8", [0xED, 0xA0, 0x80]),
    ]

    static func hostileRequest() -> ActionRequest {
        let diff =
            "--- a/\(payload("oldpath"))\n+++ b/\(payload("newpath"))\n@@ -1,2 +1,2 @@ \(payload("section"))\n"
            + "-\(payload("removed"))\n+\(payload("added"))\n \(payload("context"))\n"
        return ActionRequest(
            kind: "data.export", summary: payload("summary"), command: payload("command"), resource: payload("resource"),
            environment: payload("environment"), risk: .high, policy: Policy(id: payload("policy-id"), reason: payload("policy-reason")),
            justification: payload("justification") + String(repeating: "x", count: 1 << 20) + payload("after-1mb"),
            context: [
                ContextEntry(key: payload("ctx-key"), value: payload("ctx-value")),
                ContextEntry(key: "long", value: String(repeating: "\u{1B}[2Jpwn", count: 1 << 16)),
            ],
            diffs: [ActionDiff(title: payload("diff-title"), text: diff)],
            onBehalfOf: payload("on-behalf-of"), session: payload("session")
        )
    }

    // MARK: - Tests

    func testHostileTextInEveryFieldNeverReachesTheTerminalRaw() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let recording = try ConsoleRecording(self, sandbox, server)
        try recording.tmux.waitFor("live")

        let agent = try sandbox.client(server, as: "agent-1")
        let action = try agent.submit(Self.hostileRequest())
        // JSON cannot carry invalid UTF-8; a lone surrogate escape is the nearest thing. The server
        // may refuse it (400) or store U+FFFD; either way nothing invalid may reach the screen.
        let surrogate = #"{"kind":"data.export","summary":"surrogate:\ud800\udc00x\ud800 end","risk":"low"}"#
        _ = try agent.send("POST", "/v1/actions", body: Array(surrogate.utf8))

        // The escape shows as a visible ␛ (the queue row cuts the rest of the summary off).
        try recording.tmux.waitFor("summary:␛]0;pwned")
        try recording.tmux.send("Enter")
        let detail = try recording.tmux.waitFor("justification:␛]0;pwned")
        // ncurses would hide a raw 8-bit C1 control as well, so only the screen shows that the sanitiser replaced it.
        try recording.tmux.waitFor("⟨U+009B⟩2J")
        XCTAssertTrue(detail.contains(action.id) || detail.contains("command:␛"), "the detail view is open:\n\(detail)")
        try recording.tmux.send("D")
        try recording.tmux.waitFor("added:␛]0;pwned")
        for key in ["n", "N", "]", "[", "j", "j", "k"] { try recording.tmux.send(key) }
        try recording.tmux.send("Escape")
        try recording.tmux.send("Escape")
        try recording.tmux.waitFor("summary:␛]0;pwned")
        // A last action as an end marker: once its bytes are recorded, so is everything before.
        _ = try agent.submit(Fixtures.request(summary: "End of the hostile session"))
        try recording.tmux.waitFor("End of the hostile session")

        let output = try recording.output(containing: "End of the hostile session")
        XCTAssertGreaterThan(output.count, 1_000, "the console's output was recorded")
        for (name, needle) in Self.needles {
            XCTAssertFalse(output.containsBytes(needle), "\(name) reached the terminal raw")
        }
        XCTAssertTrue(output.containsBytes(Array("pwned".utf8)), "the payload text itself is shown")
    }
}
