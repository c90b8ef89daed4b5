import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Screens and keys: detail, diffs, history, help, the command line, resizing, the mouse.
final class NavigationTests: XCTestCase {
    func testQuitKeys() {
        var model = Fixture.model([Fixture.action("act-1")])
        XCTAssertEqual(model.press(.char("q")), [.quit])
        model.press(.enter)
        XCTAssertEqual(model.press(.char("q")), [], "q in detail goes back")
        XCTAssertEqual(model.press(.char("q")), [.quit])
        model.press(.char("d"))
        XCTAssertEqual(model.press(.ctrl("c")), [.quit], "Ctrl-C quits even from a prompt")
        model.prompt = nil
        model.press(.char(":"))
        model.type("q")
        XCTAssertEqual(model.press(.enter), [.quit])
    }

    func testDetailScrollsAndEscGoesBack() {
        let long = String(repeating: "a long justification that wraps ", count: 60)
        var action = Fixture.action("act-1")
        action.justification = long
        var model = Fixture.model([action], width: 80, height: 24)
        model.press(.enter)
        guard case .detail = model.screen else { return XCTFail("no detail") }
        let first = model.screenText
        XCTAssertTrue(first.contains("Summary"))
        model.press(.char("j"), .char("j"))
        XCTAssertNotEqual(model.screenText, first)
        model.press(.pageDown, .pageDown, .pageDown, .pageDown, .pageDown)
        XCTAssertTrue(model.screenText.contains("Action id"), "the end of the document is reachable")
        model.press(.char("g"))
        XCTAssertEqual(model.screenText, first)
        model.press(.escape)
        guard case .queue = model.screen else { return XCTFail("Esc should go back") }
    }

    func testDiffNavigation() {
        let action = Fixture.action(
            "act-1",
            diffs: [
                ActionDiff(title: "schema change", text: Fixture.diffText),
                ActionDiff(title: "second", text: "@@ -1 +1 @@\n-a\n+b\n"),
            ])
        var model = Fixture.model([action])
        model.press(.enter, .char("D"))
        guard case .diff(let d0) = model.screen else { return XCTFail("no diff screen") }
        XCTAssertEqual(d0.top, 0)
        model.press(.char("n"))
        guard case .diff(let d1) = model.screen else { return XCTFail() }
        XCTAssertEqual(d1.top, 4, "first hunk header")
        model.press(.char("n"))
        guard case .diff(let d2) = model.screen else { return XCTFail() }
        XCTAssertEqual(d2.top, 12)
        model.press(.char("N"))
        guard case .diff(let d3) = model.screen else { return XCTFail() }
        XCTAssertEqual(d3.top, 4)
        model.press(.char("]"))
        guard case .diff(let d4) = model.screen else { return XCTFail() }
        XCTAssertEqual(d4.top, 16, "second file")
        model.press(.char("]"))
        guard case .diff(let d5) = model.screen else { return XCTFail() }
        XCTAssertEqual(d5.diffIndex, 1, "on into the next diff")
        model.press(.char("["))
        guard case .diff(let d6) = model.screen else { return XCTFail() }
        XCTAssertEqual(d6.diffIndex, 0)
        XCTAssertEqual(d6.top, 16)
        model.press(.char("l"), .char("l"), .right, .char("h"))
        guard case .diff(let d7) = model.screen else { return XCTFail() }
        XCTAssertEqual(d7.left, 16)
        model.press(.escape)
        guard case .detail = model.screen else { return XCTFail("Esc returns to detail") }
    }

    func testNoDiffsSaysSo() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.enter, .char("D"))
        XCTAssertTrue(model.screenText.contains("This action has no diffs"))
    }

    func testHugeDiffIsPagedWithoutLayingOutEverything() {
        var text = "diff --git a/big b/big\n--- a/big\n+++ b/big\n@@ -1,200000 +1,200000 @@\n"
        text.reserveCapacity(4_000_000)
        for i in 0..<200_000 { text += i % 2 == 0 ? "+line \(i)\n" : " line \(i)\n" }
        var model = Fixture.model([Fixture.action("act-1", diffs: [ActionDiff(title: "big", text: text)])])
        model.press(.enter, .char("D"), .char("G"))
        let screen = model.screenText
        XCTAssertTrue(screen.contains("line 199999"), screen)
        XCTAssertTrue(screen.contains("/200004"), "title shows the window")
    }

    func testHistoryLoadsPagesLazilyAndDropsStaleOnes() {
        var model = Fixture.model([])
        let effects = model.press(.char("H"))
        guard case .loadHistory(let request)? = effects.first else { return XCTFail("no page request") }
        XCTAssertEqual(request.limit, 200)
        XCTAssertNil(request.cursor)
        let page = (0..<200).map { Fixture.action(String(format: "h-%03d", $0), createdSecondsAgo: Double($0) * 60) }
        XCTAssertEqual(model.update(.historyPage(generation: request.generation, items: page.map(HistoryItem.init), next: "c1")), [])
        XCTAssertTrue(model.screenText.contains("1/200+"))
        let more = model.press(.pageDown, .pageDown, .pageDown, .pageDown, .pageDown)
        XCTAssertEqual(more.count, 1, "one request at a time")
        guard case .loadHistory(let second)? = more.last else { return XCTFail("no second page request") }
        XCTAssertEqual(second.cursor, "c1")
        model.press(.char("/"))
        model.type("churn")
        let search = model.press(.enter)
        guard case .loadHistory(let searched)? = search.first else { return XCTFail("no search request") }
        XCTAssertEqual(searched.filter.text, "churn")
        XCTAssertNotEqual(searched.generation, second.generation)
        _ = model.update(.historyPage(generation: second.generation, items: page.map(HistoryItem.init), next: nil))
        XCTAssertTrue(model.history.items.isEmpty, "a page of the old query is dropped")
    }

    func testHistoryFilterCommandAndOfflineMode() {
        var model = TestConsole(ConsoleModel(now: Fixture.now, size: Size(width: 120, height: 40), server: nil))
        XCTAssertTrue(model.isOffline)
        let first = model.update(.resize(Size(width: 120, height: 40)))
        guard case .loadHistory = first.first else { return XCTFail("offline mode opens the history") }
        model.press(.char(":"))
        model.type("filter status=denied risk=high env=production since=2026-11-01")
        let effects = model.press(.enter)
        guard case .loadHistory(let request)? = effects.first else { return XCTFail("no reload") }
        XCTAssertEqual(request.filter.statuses, [.denied])
        XCTAssertEqual(request.filter.risks, [.high])
        XCTAssertEqual(request.filter.environments, ["production"])
        XCTAssertEqual(request.filter.since, Timestamp(rfc3339: "2026-11-01T00:00:00Z"))
        XCTAssertEqual(model.press(.char("r")), [], "nothing to reconnect to")
        XCTAssertEqual(model.press(.char("q")), [.quit], "q on the offline root quits")
    }

    func testHelpListsEveryBinding() {
        var model = Fixture.model([], width: 120, height: 200)
        model.press(.char("?"))
        let text = model.screenText
        for binding in KeyMap.bindings {
            XCTAssertTrue(text.contains(binding.help), "help lacks \(binding.help)")
        }
        for key in KeyMap.promptKeys { XCTAssertTrue(text.contains(key.help)) }
        model.press(.char("?"))
        guard case .queue = model.screen else { return XCTFail("? closes help") }
    }

    func testKeyMapHasNoConflicts() {
        for context in KeyContext.allCases {
            var seen: [Key: Command] = [:]
            for binding in KeyMap.bindings(in: context) {
                for key in binding.keys {
                    if let other = seen[key], other != binding.command, !(context == .help && key == .char("?")) {
                        XCTFail("\(key) means both \(other) and \(binding.command) in \(context)")
                    }
                    seen[key] = seen[key] ?? binding.command
                }
            }
        }
    }

    func testHintsBarFollowsTheKeyMap() {
        let model = Fixture.model([Fixture.action("act-1")])
        let bar = model.screenText.split(separator: "\n").last.map(String.init) ?? ""
        for word in ["Enter open", "a approve", "d deny", "/ filter", "H history", "r reconnect", ": cmd", "? help", "q quit"] {
            XCTAssertTrue(bar.contains(word), "bar lacks \(word): \(bar)")
        }
        XCTAssertFalse(bar.contains("Tab"), "no panes to switch below 160 columns")
        XCTAssertFalse(bar.contains("clear"), "no filter to clear")
    }

    func testSplitViewFrom160Columns() {
        var model = Fixture.model(Fixture.queue(5), width: 160, height: 40)
        XCTAssertTrue(model.isSplit)
        XCTAssertTrue(model.screenText.contains("Detail: data.export"))
        XCTAssertTrue(model.screenText.contains("Tab pane"))
        model.press(.tab)
        XCTAssertEqual(model.keyContext, .detail)
        model.press(.escape)
        XCTAssertEqual(model.keyContext, .queue)
        _ = model.update(.resize(Size(width: 120, height: 40)))
        XCTAssertFalse(model.isSplit)
    }

    func testThemeCommand() {
        var model = Fixture.model()
        model.press(.char(":"))
        model.type("theme light")
        XCTAssertEqual(model.press(.enter), [.loadTheme("light")])
        _ = model.update(.themeLoaded(name: "default", problem: "themes/light.toml:3: roles.body.fg: unknown colour"))
        XCTAssertTrue(model.screenText.contains("themes/light.toml:3: roles.body.fg"))
    }

    func testUnknownCommand() {
        var model = Fixture.model()
        model.press(.char(":"))
        model.type("frobnicate")
        XCTAssertEqual(model.press(.enter), [])
        XCTAssertTrue(model.screenText.contains("Unknown command :frobnicate"))
    }

    func testPromptEditing() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char(":"))
        model.type("filtr")
        model.press(.left, .char("e"), .end, .char("!"), .home, .delete)
        XCTAssertEqual(model.prompt?.editor.text, "ilter!")
        model.press(.right, .right, .ctrl("u"))
        XCTAssertEqual(model.prompt?.editor.text, "ter!")
        model.press(.end, .backspace, .backspace)
        XCTAssertEqual(model.prompt?.editor.text, "te")
    }

    func testPasteOf10KBStaysBounded() {
        var model = Fixture.model([Fixture.action("act-1")])
        model.press(.char("d"))
        model.type(String(repeating: "paste ", count: 1_700))
        XCTAssertEqual(model.prompt?.editor.byteCount, 4_096)
        FrameCheck.assertWellFormed(model.frame())
    }

    func testMouse() {
        var model = Fixture.model(Fixture.queue(10))
        _ = model.update(.mouse(.click(x: 10, y: 5)))
        XCTAssertEqual(model.queueList.index, 3)
        _ = model.update(.mouse(.click(x: 10, y: 5)))
        guard case .detail = model.screen else { return XCTFail("a second click opens") }
        model.press(.escape)
        _ = model.update(.mouse(.wheelDown))
        XCTAssertEqual(model.queueList.index, 6)
    }

    func testResizeDownToNothing() {
        var model = Fixture.model(Fixture.queue(50))
        for (w, h) in [(80, 24), (20, 5), (19, 5), (1, 1), (0, 0), (500, 3), (3, 300), (160, 50)] {
            _ = model.update(.resize(Size(width: w, height: h)))
            let frame = model.frame()
            XCTAssertEqual(frame.width, w)
            XCTAssertEqual(frame.height, h)
            FrameCheck.assertWellFormed(frame)
            model.press(.char("j"), .enter, .char("D"), .escape, .char("?"), .escape, .escape, .char("H"), .char("q"))
            FrameCheck.assertWellFormed(model.frame())
        }
        _ = model.update(.resize(Size(width: 19, height: 4)))
        XCTAssertTrue(model.screenText.hasPrefix("terminal too small"))
    }

    func testCacheUnavailableIsShown() {
        var model = Fixture.model()
        _ = model.update(.cacheUnavailable("disk full"))
        XCTAssertTrue(model.screenText.contains("cache unavailable"))
    }
}
