import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// The diff view: changed words emphasised, side by side, and the goldens of both views.
final class DiffViewTests: XCTestCase {
    /// An IAM policy and a Kubernetes manifest: pairs, an unpaired line, wide characters, a
    /// hostile control character and a line too long for any window.
    static let diffText = """
        diff --git a/policy.json b/policy.json
        --- a/policy.json
        +++ b/policy.json
        @@ -3,7 +3,8 @@
           "Statement": [{
             "Effect": "Allow",
        -    "Action": "s3:GetObject",
        -    "Resource": "arn:aws:s3:::billing-exports/*"
        +    "Action": "s3:*",
        +    "Resource": "*",
        +    "Condition": {"Bool": {"aws:SecureTransport": "true"}}
           }],
        -  "Comment": "名前: 太郎 \u{1B}[2J read only"
        +  "Comment": "名前: 花子 \u{1B}[2J read only"
         }
        diff --git a/deploy.yaml b/deploy.yaml
        --- a/deploy.yaml
        +++ b/deploy.yaml
        @@ -20,4 +20,4 @@ spec:
               containers:
        -      - image: registry.example.com/payments/api:1.4.2 # pinned by the release train on 2026-11-02 after the incident review
        +      - image: registry.example.com/payments/api:1.5.0 # pinned by the release train on 2026-11-02 after the incident review
                 securityContext:
        -          privileged: false
        +          privileged: true

        """

    static let sizes = [(80, 24), (120, 40), (200, 50)]

    private func model(width: Int, height: Int) -> TestConsole {
        let action = Fixture.action(
            "act-0001", risk: .critical, kind: "iam.grant", summary: "Widen the billing export role",
            diffs: [ActionDiff(title: "policy and manifest", text: Self.diffText)])
        return Fixture.model([action], width: width, height: height)
    }

    private func diffScreen(width: Int, height: Int) -> TestConsole {
        var console = model(width: width, height: height)
        console.press(.enter, .char("D"))
        return console
    }

    /// Rows whose text contains `needle`, and the roles of the cells of each occurrence.
    private func roles(of needle: String, in frame: Frame) -> [[ThemeRole]] {
        var out: [[ThemeRole]] = []
        for y in 0..<frame.height {
            let cells = (0..<frame.width).map { frame[$0, y] }
            let texts = cells.map(\.text)
            let target = needle.map(String.init)
            var x = 0
            while x + target.count <= texts.count {
                if Array(texts[x..<(x + target.count)]) == target {
                    out.append(cells[x..<(x + target.count)].map(\.role))
                    x += target.count
                } else {
                    x += 1
                }
            }
        }
        return out
    }

    // MARK: - Goldens

    /// Unified and side by side at each size, with each role's look without colour beside the
    /// monochrome copies: emphasis there must be an attribute.
    func testGoldens() throws {
        let monochrome = try Snapshot.shippedTheme("monochrome")
        for (w, h) in Self.sizes {
            var console = diffScreen(width: w, height: h)
            let opensSideBySide = w >= DiffView.sideBySideWidth
            var frames = [(opensSideBySide ? "sbs" : "unified", console.frame())]
            console.press(.char("S"))
            frames.append((opensSideBySide ? "unified" : "sbs", console.frame()))
            for (view, frame) in frames {
                FrameCheck.assertWellFormed(frame)
                Snapshot.assert(frame, named: "diff-\(view)-\(w)x\(h)")
                Snapshot.assert(frame, named: "diff-\(view)-\(w)x\(h)-monochrome", monochrome: monochrome)
            }
        }
    }

    // MARK: - Emphasis

    func testOnlyTheChangedWordIsEmphasised() {
        let frame = diffScreen(width: 120, height: 40).frame()
        XCTAssertEqual(roles(of: "GetObject", in: frame), [Array(repeating: .diffRemovedEmphasis, count: 9)])
        XCTAssertEqual(roles(of: #""s3:"#, in: frame), [Array(repeating: .diffRemoved, count: 4), Array(repeating: .diffAdded, count: 4)])
        XCTAssertEqual(roles(of: "*\",", in: frame).first, [.diffAddedEmphasis, .diffAdded, .diffAdded], "s3:* emphasises the star only")
        XCTAssertEqual(roles(of: "false", in: frame), [Array(repeating: .diffRemovedEmphasis, count: 5)])
        XCTAssertEqual(roles(of: "true", in: frame).last, Array(repeating: .diffAddedEmphasis, count: 4))
        XCTAssertEqual(
            roles(of: "Condition", in: frame), [Array(repeating: .diffAdded, count: 9)], "an added line with no partner is shown whole")
        XCTAssertEqual(
            roles(of: "privileged", in: frame).prefix(2), [Array(repeating: .diffRemoved, count: 10), Array(repeating: .diffAdded, count: 10)])
    }

    func testWideCharactersAndPlaceholdersKeepTheirWidthsUnderEmphasis() {
        let frame = diffScreen(width: 120, height: 40).frame()
        let text = frame.plainText
        // 太郎 is emphasised as two wide cells each (glyph + continuation), and the escape after
        // it is a placeholder, not emphasis: it did not change.
        XCTAssertTrue(text.contains("名前: 太郎 ␛[2J read only"), text)
        XCTAssertTrue(text.contains("名前: 花子 ␛[2J read only"), text)
        XCTAssertEqual(roles(of: "太郎", in: frame), [])  // wide glyphs sit in two cells: look them up cell by cell
        guard let y = (0..<frame.height).first(where: { row in (0..<frame.width).contains { frame[$0, row].text == "太" } }),
            let x = (0..<frame.width).first(where: { frame[$0, y].text == "太" })
        else { return XCTFail("no 太 on screen") }
        XCTAssertEqual((x..<(x + 4)).map { frame[$0, y].role }, Array(repeating: .diffRemovedEmphasis, count: 4))
        XCTAssertEqual(frame[x + 4, y].role, .diffRemoved, "the space after the change is plain")
        XCTAssertEqual(frame[x + 5, y].text, "␛")
        XCTAssertEqual(frame[x + 5, y].role, .placeholder)
        XCTAssertEqual(frame[x - 2, y].role, .diffRemoved, "名前: is unchanged")
    }

    func testEmphasisFollowsHorizontalScroll() {
        var console = diffScreen(width: 80, height: 24)
        console.press(.char("l"))
        XCTAssertEqual(roles(of: "GetObject", in: console.frame()), [Array(repeating: .diffRemovedEmphasis, count: 9)])
        console.press(.char("]"), .char("l"), .char("l"))
        let frame = console.frame()
        guard case .diff(let d) = console.screen else { return XCTFail("not on the diff") }
        XCTAssertEqual(d.left, 24)
        XCTAssertEqual(roles(of: "4.2", in: frame), [Array(repeating: .diffRemovedEmphasis, count: 3)])
        XCTAssertEqual(roles(of: "5.0", in: frame), [Array(repeating: .diffAddedEmphasis, count: 3)])
    }

    func testEmphasisColumnsCountTabsAndPlaceholdersAsDrawn() {
        let styler = Styler(asciiOnly: false)
        // A tab before the span expands to the next stop; the escape becomes `␛` and its tail.
        let text: Substring = "\tx\u{1B}[1m=GetObject"
        let start = text.utf8.count - "GetObject".utf8.count
        let columns = DiffView.emphasisColumns([start..<text.utf8.count], in: text, styler: styler, limit: 200)
        XCTAssertEqual(columns.count, 1)
        // Drop the columns before the span from what is drawn: the span's text is what is left.
        var glyphs = TextSanitizer.singleLine(text, options: styler.options)[...]
        var column = 0
        while column < (columns.first?.lowerBound ?? 0), let glyph = glyphs.popFirst() { column += glyph.width }
        XCTAssertEqual(column, 4 + 1 + 4 + 1, "tab to column 4, x, ␛[1m, then =")
        XCTAssertEqual(glyphs.map(\.text).joined(), "GetObject")
        XCTAssertEqual(columns.first?.count, 9)
    }

    // MARK: - Side by side

    func testSideBySideAlignsPairsAndFacesUnpairedLinesWithBlanks() {
        let diff = UnifiedDiff(Self.diffText)
        let rows = SideBySideRows(diff, pairing: LinePairing(diff))
        let shown = (0..<rows.count).map { i -> String in
            let row = rows[i]
            func text(_ index: Int32) -> String { index < 0 ? "" : String(diff[Int(index)].text.prefix(16)) }
            return row.isShared ? "=" + text(row.left) : text(row.left) + " | " + text(row.right)
        }
        XCTAssertEqual(
            Array(shown[4...10]),
            [
                #"=  "Statement": ["#,
                #"=    "Effect": "A"#,
                #"    "Action": "s |     "Action": "s"#,
                #"    "Resource":  |     "Resource": "#,
                #" |     "Condition":"#,
                #"=  }],"#,
                #"  "Comment": "名前 |   "Comment": "名前"#,
            ])
        for line in diff.indices {
            let row = rows[rows.row(ofLine: line)]
            XCTAssertTrue(row.left == Int32(line) || row.right == Int32(line), "line \(line) is on its row")
        }
    }

    func testSideBySideShowsOldLeftAndNewRightWithTheirNumbers() {
        let frame = diffScreen(width: 200, height: 50).frame()
        let text = frame.plainText
        XCTAssertTrue(text.contains("side by side"), text)
        guard let y = (0..<frame.height).first(where: { row in (0..<frame.width).map { frame[$0, row].text }.joined().contains("GetObject") })
        else { return XCTFail(text) }
        let row = (0..<frame.width).map { frame[$0, y].text }.joined()
        XCTAssertTrue(row.hasPrefix("  5│-"), row)
        XCTAssertTrue(row.contains("!  5│+    \"Action\": \"s3:*\","), "the new side, its danger mark on the rule: \(row)")
        let half = (frame.width - 1) / 2
        XCTAssertLessThan(row.range(of: "GetObject").map { row.distance(from: row.startIndex, to: $0.lowerBound) } ?? .max, half)
        XCTAssertEqual(roles(of: "*\",", in: frame).first, [.diffAddedEmphasis, .diffAdded, .diffAdded])
    }

    func testLongLinesAreCutWithAMarkerAndScrollTogether() {
        var console = diffScreen(width: 160, height: 40)
        var frame = console.frame()
        let rowText = { (frame: Frame, needle: String) -> String? in
            (0..<frame.height).map { y in (0..<frame.width).map { frame[$0, y].text }.joined() }.first { $0.contains(needle) }
        }
        guard let imageRow = rowText(frame, "image: registry") else { return XCTFail(frame.plainText) }
        XCTAssertEqual(imageRow.filter { $0 == "…" }.count, 2, "each half is cut with a marker: \(imageRow)")
        console.press(.char("l"), .char("l"), .char("l"), .char("l"), .char("l"))
        frame = console.frame()
        guard let scrolled = rowText(frame, "release train") else { return XCTFail(frame.plainText) }
        XCTAssertEqual(scrolled.components(separatedBy: "release train").count, 3, "both halves scrolled by the same amount: \(scrolled)")
        XCTAssertTrue(frame.plainText.contains("col +40"))
    }

    func testSToggles() {
        var console = diffScreen(width: 200, height: 50)
        XCTAssertTrue(console.showsSideBySide)
        XCTAssertTrue(console.screenText.contains("S unified"), "the hint says what S does now")
        console.press(.char("S"))
        XCTAssertFalse(console.showsSideBySide)
        XCTAssertTrue(console.screenText.contains("S side by side"))
        XCTAssertFalse(console.screenText.contains("· side by side ─"))
        console.press(.char("S"))
        XCTAssertTrue(console.showsSideBySide)

        var narrow = diffScreen(width: 80, height: 24)
        XCTAssertFalse(narrow.showsSideBySide)
        narrow.press(.char("S"))
        XCTAssertTrue(narrow.showsSideBySide, "S opens side by side on a window that allows it")

        var tiny = diffScreen(width: 50, height: 24)
        XCTAssertFalse(tiny.isAvailable(.toggleSideBySide))
        tiny.press(.char("S"))
        XCTAssertFalse(tiny.showsSideBySide)
        XCTAssertFalse(tiny.screenText.contains("S side by side"))
    }

    func testTheChoiceSurvivesAResizeAndTheTopLineStays() {
        var console = diffScreen(width: 200, height: 50)
        console.press(.char("}"), .char("}"))
        let top = console.frame().plainText.split(separator: "\n")[2]
        XCTAssertTrue(top.contains("@@ -20,4 +20,4 @@"), String(top))
        console.press(.char("S"))
        XCTAssertTrue(console.frame().plainText.split(separator: "\n")[2].contains("@@ -20,4 +20,4 @@"), "toggling keeps the top line")
        _ = console.update(.resize(Size(width: 210, height: 50)))
        XCTAssertFalse(console.showsSideBySide, "unified, as chosen, however wide")
    }

    func testPagingSideBySideMovesByRowsAndStopsAtTheLastPage() {
        var text = "@@ -1,300 +1,300 @@\n"
        for i in 0..<300 { text += "-value_\(i) = \(i)\n+value_\(i) = \(i + 1)\n" }
        let action = Fixture.action("act-0001", diffs: [ActionDiff(title: "values", text: text)])
        var console = Fixture.model([action], width: 200, height: 50)
        console.press(.enter, .char("D"), .pageDown)
        guard case .diff(let d) = console.screen else { return XCTFail("not on the diff") }
        let rows = Layout(console.size, split: false).paneRows
        XCTAssertEqual(d.sideRows.row(ofLine: d.top), rows - 1, "a page (less one row of overlap) is of rows, not lines")
        console.press(.char("G"))
        guard case .diff(let end) = console.screen else { return XCTFail("not on the diff") }
        XCTAssertEqual(end.sideRows.row(ofLine: end.top), end.sideRows.count - rows)
    }
}
