import TollgateCore
import XCTest

@testable import TollgateConsole

/// The bytes of the title and of desktop notifications, built from hostile agent text: nothing
/// an agent writes may end the sequence, start another, or reach the terminal as a control.
final class TerminalControlTests: XCTestCase {
    static let hostile =
        "wipe\u{1B}]0;evil\u{07}\u{1B}]52;c;ZWNobw==\u{1B}\\ disk \u{9D}2;c1 title\u{9C} \u{202E}txt.exe; rm -rf /;\u{0301} done"

    private func alert(kind: String = "infra.apply", summary: String = hostile, risk: Risk = .critical, count: Int = 1) -> Alert {
        var alert = Alert(AlertEvent(reason: .arrived, risk: risk, kind: kind, summary: summary))
        for _ in 1..<max(1, count) { alert.add(AlertEvent(reason: .arrived, risk: .low, kind: "k", summary: "s")) }
        return alert
    }

    /// The OSC strings in `bytes`, each checked to start with `ESC ]`, end with ST, and hold no
    /// ESC, BEL or C0/C1 control in between; fails and returns what it could read otherwise.
    private func oscs(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        var out: [String] = []
        var i = 0
        while i < bytes.count {
            guard i + 1 < bytes.count, bytes[i] == 0x1B, bytes[i + 1] == 0x5D else {
                XCTFail("byte \(i) (\(bytes[i])) does not start an OSC", file: file, line: line)
                return out
            }
            var j = i + 2
            while j < bytes.count, bytes[j] != 0x1B {
                XCTAssertNotEqual(bytes[j], 0x07, "a BEL inside the OSC at \(j)", file: file, line: line)
                j += 1
            }
            guard j + 1 < bytes.count, bytes[j + 1] == 0x5C else {
                XCTFail("the OSC at \(i) does not end with ST", file: file, line: line)
                return out
            }
            let payload = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
            for scalar in payload.unicodeScalars where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                XCTFail("control U+\(String(scalar.value, radix: 16)) inside an OSC", file: file, line: line)
            }
            out.append(payload)
            i = j + 2
        }
        return out
    }

    func testAHostileSummaryStaysInsideBothNotifications() throws {
        let bytes = TerminalControl.desktopNotification(alert(), asciiOnly: false, tmux: false)
        let sequences = oscs(bytes)
        XCTAssertEqual(sequences.count, 2, "\(sequences)")
        let notify = try XCTUnwrap(sequences.first)
        let fields = notify.split(separator: ";", maxSplits: 3, omittingEmptySubsequences: false)
        XCTAssertEqual(fields.count, 4)
        XCTAssertEqual(fields[0], "777")
        XCTAssertEqual(fields[1], "notify")
        XCTAssertEqual(fields[2], "Tollgate: new critical action")
        let body = String(fields[3])
        XCTAssertTrue(body.hasPrefix("infra.apply: wipe␛]0;evil␇"), body)
        XCTAssertTrue(body.contains("⟨RLO⟩txt.exe"), "bidi overrides shown, not obeyed: \(body)")
        XCTAssertEqual(sequences.last, "9;Tollgate: new critical action: " + body, "OSC 9 says the same")
    }

    func testAFieldSeparatorInTheTitleFieldIsReplacedEvenUnderACombiningMark() throws {
        // The title is our own words; a kind is the agent's and could be made a title one day:
        // whatever reaches the title field, it has no `;`.
        let title = TerminalControl.field("a;b;\u{0301}c", limit: 60, asciiOnly: false, fieldSeparator: true)
        XCTAssertFalse(title.unicodeScalars.contains(";"), title)
        XCTAssertEqual(TerminalControl.field("a;b", limit: 60, asciiOnly: false, fieldSeparator: false), "a;b", "a body may keep its ;")
    }

    func testWhatEndsOrBreaksAnOSCIsDroppedEvenWhereTheSanitiserWouldHaveLeftIt() {
        for control: Character in ["\u{1B}", "\u{07}", "\u{00}", "\u{18}", "\u{7F}", "\u{9C}", "\u{9D}", "\u{9B}", "\u{85}"] {
            XCTAssertNil(TerminalControl.safe(control, fieldSeparator: false), "U+\(String(control.unicodeScalars.first?.value ?? 0, radix: 16))")
        }
        XCTAssertNil(TerminalControl.safe("\r\n", fieldSeparator: false), "CR LF is one character")
        XCTAssertEqual(TerminalControl.safe(";\u{301}", fieldSeparator: true), ",", "a ; under a combining mark")
        XCTAssertEqual(TerminalControl.safe(";", fieldSeparator: true), ",")
        XCTAssertEqual(TerminalControl.safe(";", fieldSeparator: false), ";")
        XCTAssertEqual(TerminalControl.safe("␛", fieldSeparator: true), "␛", "the sanitiser's placeholders stay")
    }

    func testVeryLongTextIsCutAndTheCountSurvives() throws {
        let bytes = TerminalControl.desktopNotification(
            alert(summary: String(repeating: "ab ", count: 10_000), count: 5), asciiOnly: false, tmux: false)
        let sequences = oscs(bytes)
        let body = try XCTUnwrap(sequences.first?.split(separator: ";", maxSplits: 3).last)
        XCTAssertEqual(body.count, TerminalControl.maxNotificationBody)
        XCTAssertTrue(body.hasSuffix("… (and 4 more)"), String(body))
        XCTAssertTrue(sequences.first?.contains(";Tollgate: 5 new actions;") ?? false)
        XCTAssertLessThan(bytes.count, 1_200)
    }

    func testOutsideUTF8EveryByteIsPrintableASCII() {
        let bytes = TerminalControl.desktopNotification(alert(summary: Self.hostile + " ünïcødé 日本"), asciiOnly: true, tmux: false)
        _ = oscs(bytes)
        let payload = bytes.filter { $0 != 0x1B }
        XCTAssertTrue(payload.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, String(decoding: payload, as: UTF8.self))
    }

    func testInsideTmuxEveryEscapeIsDoubledInOnePassthroughPerSequence() throws {
        let plain = TerminalControl.desktopNotification(alert(), asciiOnly: false, tmux: false)
        let wrapped = TerminalControl.desktopNotification(alert(), asciiOnly: false, tmux: true)
        let opening = Array("\u{1B}Ptmux;".utf8)
        XCTAssertEqual(Array(wrapped.prefix(opening.count)), opening)
        XCTAssertEqual(Array(wrapped.suffix(2)), [0x1B, 0x5C])
        // Unwrapping (drop each wrapper, halve each ESC pair) gives the plain sequences back.
        var unwrapped: [UInt8] = []
        var i = 0
        var wrappers = 0
        while i < wrapped.count {
            guard wrapped[i...].starts(with: opening) else { return XCTFail("no passthrough at \(i)") }
            wrappers += 1
            i += opening.count
            while i < wrapped.count {
                if wrapped[i] == 0x1B {
                    guard i + 1 < wrapped.count else { return XCTFail("a lone ESC at the end") }
                    if wrapped[i + 1] == 0x1B {
                        unwrapped.append(0x1B)
                        i += 2
                        continue
                    }
                    XCTAssertEqual(wrapped[i + 1], 0x5C, "an undoubled ESC at \(i) ends the passthrough, and only ST may")
                    i += 2
                    break
                }
                unwrapped.append(wrapped[i])
                i += 1
            }
        }
        XCTAssertEqual(wrappers, 2)
        XCTAssertEqual(unwrapped, plain)
    }

    func testTheWindowTitleEndsWithSTAndKeepsNoControl() throws {
        let bytes = TerminalControl.windowTitle("tollgate: 3 pending\u{07}\u{1B}]0;x\u{9C}", asciiOnly: false)
        let sequences = oscs(bytes)
        XCTAssertEqual(sequences.count, 1)
        XCTAssertTrue(sequences.first?.hasPrefix("2;tollgate: 3 pending") ?? false)
        XCTAssertFalse(bytes.contains(0x07))
        XCTAssertEqual(TerminalControl.pushTitle, Array("\u{1B}[22;0t".utf8))
        XCTAssertEqual(TerminalControl.popTitle, Array("\u{1B}[23;0t".utf8))
    }
}
