import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Agent-written text in every field, drawn on every screen: nothing reaches the terminal raw.
final class HostileTextTests: XCTestCase {
    static let nasty = [
        "\u{1B}[2J\u{1B}[H cleared?",
        "\u{1B}]0;owned title\u{07}",
        "\u{1B}]52;c;ZWNobyBwd25lZA==\u{07}clipboard",
        "\u{1B}]8;;http://evil.example\u{1B}\\click\u{1B}]8;;\u{1B}\\",
        "invoice\u{202E}gpj.exe",
        "\u{2066}isolated\u{2069} \u{200F}rtl",
        "数据导出到外部存储桶，请批准",
        "👩‍💻 deploy 🇫🇷 ✅ 🚀",
        "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301} zalgo",
        "tab\there\r\nnew\u{0B}line\u{0C}feed\u{85}nel",
        "\u{9B}31m C1 CSI \u{90}dcs\u{9C}",
        "\u{0}\u{1}\u{7F} nul and del",
        "混合 mixed 幅 width ｆｕｌｌ",
    ]

    private func hostileAction(_ id: String, _ s: String, risk: Risk = .high) -> Action {
        var action = Fixture.action(
            id, risk: risk, kind: s, summary: s, requester: s, onBehalfOf: s, environment: s,
            diffs: [ActionDiff(title: s, text: "--- a/\(s)\n+++ b/\(s)\n@@ -1 +1 @@\n-\(s)\n+\(s)\n")],
            context: [ContextEntry(key: s, value: s), ContextEntry(key: "k", value: s + "\n" + s)],
            command: s + "\n" + s)
        action.justification = s
        action.policy = Policy(id: s, reason: s)
        action.requester.session = s
        action.decisions = [Decision(approver: s, verdict: .approve, reason: s, at: Fixture.now, digest: s)]
        action.digest = s
        action.resource = s
        return action
    }

    func testEveryScreenStaysClean() {
        let actions = Self.nasty.enumerated().map { hostileAction("id-\($0.offset)-\($0.element)", $0.element) }
        for (w, h, ascii) in [(80, 24, false), (120, 40, false), (160, 40, false), (80, 24, true), (33, 9, false)] {
            var model = Fixture.model(actions, width: w, height: h, asciiOnly: ascii)
            _ = model.update(.identity(Principal(id: Self.nasty[0], roles: [.approver]), from: .first))
            _ = model.update(.feed(.state(.offline(Self.nasty[1])), from: .first))
            var screens: [Frame] = [model.frame()]
            for _ in actions {
                model.press(.enter)
                screens.append(model.frame())
                model.press(.pageDown)
                screens.append(model.frame())
                model.press(.char("D"), .char("l"))
                screens.append(model.frame())
                model.press(.escape, .escape, .char("j"))
                screens.append(model.frame())
            }
            model.press(.char("d"))
            model.type(Self.nasty.joined())
            screens.append(model.frame())
            model.press(.escape)
            _ = model.update(.identityFailed(Self.nasty[2], from: .first))
            screens.append(model.frame())
            model.press(.char("H"))
            _ = model.update(.historyPage(generation: model.history.generation, items: actions.map(HistoryItem.init), next: nil))
            screens.append(model.frame())
            for frame in screens {
                FrameCheck.assertWellFormed(frame)
                if ascii {
                    XCTAssertTrue(frame.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy(\.isASCII) })
                }
            }
        }
    }

    func testPlaceholdersAreMarked() {
        var model = Fixture.model([hostileAction("a", "x\u{202E}y")])
        model.press(.enter)
        let frame = model.frame()
        XCTAssertTrue(frame.cells.contains { $0.role == .placeholder }, "sanitiser placeholders are drawn in the placeholder role")
    }

    func testWideCharactersAreMeasured() {
        let model = Fixture.model([Fixture.action("a", summary: "数据导出到外部存储桶数据导出到外部存储桶数据导出到外部存储桶")], width: 80, height: 24)
        let frame = model.frame()
        FrameCheck.assertWellFormed(frame)
        let row = (0..<frame.width).map { frame[$0, 2] }
        let columns = row.reduce(0) { $0 + ($1.isContinuation ? 0 : max(1, DisplayWidth.of($1.text))) }
        XCTAssertEqual(columns, 80, "the row is exactly as wide as the terminal")
    }
}
