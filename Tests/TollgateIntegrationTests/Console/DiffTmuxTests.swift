import Foundation
import TollgateCore
import XCTest

/// The real console's diff view in tmux against the real server: emphasis as the terminal
/// draws it, and `S`.
final class DiffTmuxTests: XCTestCase {
    static let policyDiff = """
        --- a/policy.json
        +++ b/policy.json
        @@ -1,4 +1,4 @@
         {
           "Effect": "Allow",
        -  "Action": "s3:GetObject",
        +  "Action": "s3:*",
         }

        """

    static let plan = """
        Terraform will perform the following actions:

          # aws_db_instance.main will be destroyed
          - resource "aws_db_instance" "main" {
              - identifier = "prod-main" -> null
            }

          # aws_security_group_rule.db will be updated in-place
          ~ resource "aws_security_group_rule" "db" {
              ~ cidr_blocks = [
                  - "10.0.0.0/8",
                  + "0.0.0.0/0",
                ]
            }

        Plan: 0 to add, 1 to change, 1 to destroy.

        """

    /// The console on the detail of an action carrying `diffs`.
    private func detailScreen(_ diffs: [ActionDiff], width: Int = 120, environment: [String: String] = [:]) throws -> TmuxSession {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        var request = Fixtures.request(kind: "iam.grant", summary: "Widen the export role")
        request.diffs = diffs
        _ = try sandbox.client(server, as: "agent-1").submit(request)
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", sandbox.historyPath("alice")]
        var env = ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path]
        env.merge(environment) { $1 }
        let tmux = try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))", width: width, height: 40, environment: env)
        try tmux.waitFor("Widen the export role")
        try tmux.send("Enter")
        try tmux.waitFor("D diffs")
        return tmux
    }

    /// The console on the diff of an action carrying `policyDiff`.
    private func diffScreen(width: Int = 120, environment: [String: String] = [:]) throws -> TmuxSession {
        let tmux = try detailScreen([ActionDiff(title: "policy.json", text: Self.policyDiff)], width: width, environment: environment)
        try tmux.send("D")
        try tmux.waitFor("GetObject")
        return tmux
    }

    func testTheChangedWordAloneIsDrawnDifferently() throws {
        let tmux = try diffScreen()
        let line = try XCTUnwrap(StyledLine.containing("GetObject", in: tmux.styledScreen()))
        let word = try XCTUnwrap(line.styles(of: "GetObject"))
        let before = try XCTUnwrap(line.styles(of: #""Action": "s3:"#))
        let after = try XCTUnwrap(line.styles(of: #"","#))
        XCTAssertEqual(Set(word).count, 1, "the word is drawn one way: \(line.raw.debugDescription)")
        XCTAssertEqual(Set(before).count, 1, "the unchanged text is drawn one way: \(line.raw.debugDescription)")
        XCTAssertNotEqual(word[0], before[0], "the changed word stands out: \(line.raw.debugDescription)")
        XCTAssertEqual(after[0], before[0], "and only the word: \(line.raw.debugDescription)")
        let added = try XCTUnwrap(StyledLine.containing(#""s3:*""#, in: tmux.styledScreen()))
        XCTAssertNotEqual(try XCTUnwrap(added.styles(of: "*")).first, try XCTUnwrap(added.styles(of: "s3:")).first)
    }

    func testWithoutColourTheChangedWordIsReversed() throws {
        let tmux = try diffScreen(environment: ["NO_COLOR": "1"])
        let line = try XCTUnwrap(StyledLine.containing("GetObject", in: tmux.styledScreen()))
        let word = try XCTUnwrap(line.styles(of: "GetObject"))
        let before = try XCTUnwrap(line.styles(of: #""Action""#))
        XCTAssertTrue(word[0].reverse, "an attribute, not colour: \(line.raw.debugDescription)")
        XCTAssertFalse(before[0].reverse, line.raw.debugDescription)
        XCTAssertNil(word[0].foreground, "no colour at all under NO_COLOR")
        XCTAssertNil(word[0].background)
    }

    func testSTogglesSideBySide() throws {
        let tmux = try diffScreen()
        var screen = try tmux.waitFor("S side by side")
        XCTAssertFalse(screen.contains("· side by side"), screen)
        try tmux.send("S")
        screen = try tmux.waitFor("· side by side")
        let row = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("GetObject") }, screen)
        XCTAssertTrue(row.contains(#""s3:*""#), "old and new on one row:\n\(screen)")
        XCTAssertTrue(screen.contains("S unified"), screen)
        try tmux.send("S")
        screen = try tmux.waitFor("S side by side")
        XCTAssertFalse(screen.split(separator: "\n").contains { $0.contains("GetObject") && $0.contains("s3:*") }, screen)
    }
}

extension DiffTmuxTests {
    func testAPlansDestroyCountAndDangerMarksShowBeforeTheDiffIsOpened() throws {
        let tmux = try detailScreen([ActionDiff(title: "plan", format: DiffFormat.terraformPlan, text: Self.plan)])
        let screen = try tmux.waitFor("1 to destroy")
        XCTAssertTrue(screen.contains("destroy: aws_db_instance.main"), screen)
        XCTAssertTrue(screen.contains("1 danger mark: world-open CIDR"), screen)
        XCTAssertFalse(screen.contains("Diff 1/1"), "the diff is not open yet:\n\(screen)")
    }

    func testNJumpsToADangerMark() throws {
        let tmux = try detailScreen([ActionDiff(title: "plan", format: DiffFormat.terraformPlan, text: Self.plan)])
        try tmux.send("D")
        try tmux.waitFor("n danger mark")
        var screen = try tmux.screen()
        XCTAssertFalse(Self.topLine(screen).hasPrefix("!"), "the plan opens at its top:\n\(screen)")
        try tmux.send("n")
        // The marked line comes to the top of the scrolling part, under the two summary rows.
        let deadline = ContinuousClock.now + .seconds(30)
        while !Self.topLine(screen).hasPrefix("!"), ContinuousClock.now < deadline {
            usleep(100_000)
            screen = try tmux.screen()
        }
        let top = Self.topLine(screen)
        XCTAssertTrue(top.hasPrefix("!") && top.contains(#"+ "0.0.0.0/0","#) && top.contains("! world-open CIDR"), screen)
    }

    /// The first row of a plan's lines: under the header, the title and the two summary rows.
    private static func topLine(_ screen: String) -> String {
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
        return rows.count > 4 ? String(rows[4]) : ""
    }
}

/// One captured row: its characters and the SGR state each is drawn in.
struct StyledLine {
    /// What SGR sequences set, as far as these tests read them.
    struct Style: Hashable {
        var foreground: String?
        var background: String?
        var bold = false
        var reverse = false
        var underline = false
        var dim = false
    }

    let raw: String
    let characters: [Character]
    let cellStyles: [Style]

    /// The first row of `screen` (from `capture-pane -e`) whose text contains `text`.
    static func containing(_ text: String, in screen: String) -> StyledLine? {
        screen.split(separator: "\n").map { StyledLine(String($0)) }.first { String($0.characters).contains(text) }
    }

    init(_ raw: String) {
        self.raw = raw
        var characters: [Character] = []
        var styles: [Style] = []
        var style = Style()
        var rest = Substring(raw)
        while let first = rest.first {
            if first == "\u{1B}", rest.dropFirst().first == "[", let end = rest.firstIndex(of: "m") {
                let body = rest[rest.index(rest.startIndex, offsetBy: 2)..<end]
                style.apply(body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 })
                rest = rest[rest.index(after: end)...]
                continue
            }
            characters.append(first)
            styles.append(style)
            rest = rest.dropFirst()
        }
        self.characters = characters
        cellStyles = styles
    }

    /// The styles of the characters of the first occurrence of `text`.
    func styles(of text: String) -> [Style]? {
        let target = Array(text)
        guard target.count <= characters.count else { return nil }
        for start in 0...(characters.count - target.count) where Array(characters[start..<(start + target.count)]) == target {
            return Array(cellStyles[start..<(start + target.count)])
        }
        return nil
    }
}

extension StyledLine.Style {
    /// Applies one SGR sequence's parameters.
    mutating func apply(_ parameters: [Int]) {
        var i = 0
        while i < parameters.count {
            let p = parameters[i]
            switch p {
            case 0: self = StyledLine.Style()
            case 1: bold = true
            case 2: dim = true
            case 4: underline = true
            case 7: reverse = true
            case 22: bold = false; dim = false
            case 24: underline = false
            case 27: reverse = false
            case 30...37, 90...97: foreground = "\(p)"
            case 39: foreground = nil
            case 40...47, 100...107: background = "\(p)"
            case 49: background = nil
            case 38, 48:
                let value = i + 2 < parameters.count && parameters[i + 1] == 5 ? "5;\(parameters[i + 2])" : "?"
                if p == 38 { foreground = value } else { background = value }
                i += parameters.count > i + 1 && parameters[i + 1] == 2 ? 4 : 2
            default: break
            }
            i += 1
        }
    }
}
