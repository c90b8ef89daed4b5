import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// Plans and danger marks in the detail and the diff view.
final class PlanViewTests: XCTestCase {
    static let planText = """
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

          # aws_instance.web must be replaced
        -/+ resource "aws_instance" "web" {
              ~ ami = "ami-1" -> "ami-2" # forces replacement
            }

        Plan: 1 to add, 1 to change, 2 to destroy.

        """

    static let riskyDiff = """
        --- a/deploy.sh
        +++ b/deploy.sh
        @@ -1,3 +1,4 @@
         set -e
        -rm -r /var/cache/app
        +rm -rf /var/cache/app
         git push origin main
        +git push --force origin main

        """

    private func console(_ diffs: [ActionDiff], width: Int = 120, height: Int = 40) -> TestConsole {
        let action = Fixture.action("act-0001", risk: .high, kind: "infra.apply", summary: "terraform apply in production", diffs: diffs)
        var console = Fixture.model([action], width: width, height: height)
        console.press(.enter)
        return console
    }

    private func rows(_ frame: Frame) -> [String] {
        (0..<frame.height).map { y in (0..<frame.width).map { frame[$0, y].text }.joined() }
    }

    // MARK: - Detail

    func testTheDetailShowsThePlanAndTheDangerMarksBeforeTheDiffIsOpened() throws {
        let plan = ActionDiff(title: "plan", format: DiffFormat.terraformPlan, text: Self.planText)
        let frame = console([plan, ActionDiff(title: "deploy.sh", text: Self.riskyDiff)], width: 80, height: 24).frame()
        let text = rows(frame)
        let planRow = try XCTUnwrap(text.firstIndex { $0.contains("Plan") && $0.contains("to destroy") }, frame.plainText)
        XCTAssertTrue(text[planRow].contains("0 to add, 1 to change, 1 to replace, 1 to destroy"), text[planRow])
        let destroyX = try XCTUnwrap(text[planRow].range(of: "1 to destroy")).lowerBound.utf16Offset(in: text[planRow])
        XCTAssertEqual(frame[destroyX, planRow].role, .alert, "destroy is in the alert role")
        XCTAssertTrue(text[planRow + 1].contains("destroy: aws_db_instance.main"), text[planRow + 1])
        XCTAssertTrue(text[planRow + 1].contains("replace: aws_instance.web"), text[planRow + 1])
        let danger = try XCTUnwrap(text.firstIndex { $0.contains("danger marks") }, frame.plainText)
        let words = (text[danger] + text[danger + 1]).split(separator: " ").joined(separator: " ")
        XCTAssertTrue(words.contains("3 danger marks: world-open CIDR, recursive force delete, --force"), words)
        XCTAssertLessThan(planRow, 10, "near the top, where the approver looks first")
    }

    /// Addresses are the agent's text: escape sequences, C1 controls and bidi overrides in a
    /// destroyed or replaced address reach neither the detail's summary nor the diff view raw.
    func testHostileAddressesAreShownAsPlaceholders() throws {
        let hostile = """
            Terraform will perform the following actions:

              # aws_db_instance.main\u{1B}]0;pwned\u{07} will be destroyed
              - resource "aws_db_instance" "main" {
                }

              # aws_instance.web\u{202E}\u{9B}2J must be replaced
            -/+ resource "aws_instance" "web" {
                }

            Plan: 1 to add, 0 to change, 2 to destroy.

            """
        var console = console([ActionDiff(title: "plan", format: DiffFormat.terraformPlan, text: hostile)])
        var frames = [console.frame()]
        console.press(.char("D"))
        frames.append(console.frame())
        for frame in frames {
            let text = rows(frame).joined(separator: "\n")
            XCTAssertTrue(text.contains("destroy: aws_db_instance.main"), text)
            for raw: Unicode.Scalar in ["\u{1B}", "\u{07}", "\u{9B}", "\u{202E}"] {
                XCTAssertFalse(text.unicodeScalars.contains(raw), "U+\(String(raw.value, radix: 16)) reached the frame:\n\(text)")
            }
            XCTAssertTrue(text.contains("␛]0;pwned"), "the escape is shown as a placeholder:\n\(text)")
        }
    }

    func testAnActionWithoutDangerShowsNoDangerLine() {
        let frame = console([ActionDiff(title: "schema", text: Fixture.diffText)]).frame()
        XCTAssertFalse(frame.plainText.contains("danger mark"), frame.plainText)
    }

    func testExtraPatternsFromTheConfigurationMarkToo() throws {
        var model = console([ActionDiff(title: "schema", text: Fixture.diffText)])
        model.danger = DangerMatcher(extra: [try DangerPattern(label: "grant to exporter", pattern: "TO exporter")])
        _ = model.update(.resize(Size(width: 121, height: 40)))
        XCTAssertTrue(model.screenText.contains("1 danger mark: grant to exporter"), model.screenText)
    }

    // MARK: - The diff view

    func testAPlanIsShownUnderItsSummaryColouredByItsMarkers() throws {
        var model = console([ActionDiff(title: "plan", format: DiffFormat.terraformPlan, text: Self.planText)])
        model.press(.char("D"))
        let frame = model.frame()
        let text = rows(frame)
        XCTAssertTrue(text[2].hasPrefix(" Plan: 0 to add, 1 to change, 1 to replace, 1 to destroy"), text[2])
        XCTAssertTrue(text[3].contains("destroy: aws_db_instance.main"), text[3])
        XCTAssertEqual(frame[2, 3].role, .alert)
        let destroyed = try XCTUnwrap(text.firstIndex { $0.contains(#"- resource "aws_db_instance""#) })
        XCTAssertEqual(frame[6, destroyed].role, .diffRemoved)
        let open = try XCTUnwrap(text.firstIndex { $0.contains(#"+ "0.0.0.0/0","#) }, frame.plainText)
        XCTAssertEqual(text[open].first, "!", "a gutter mark, not colour alone")
        XCTAssertEqual(frame[0, open].role, .danger)
        XCTAssertTrue(text[open].hasSuffix(" ! world-open CIDR "), text[open])
        XCTAssertFalse(model.isAvailable(.toggleSideBySide), "a plan has no sides")
        XCTAssertTrue(model.screenText.contains("n danger mark"), "the hint says what n does")
    }

    func testNAndShiftNJumpBetweenDangerMarks() throws {
        var model = console([ActionDiff(title: "deploy.sh", text: Self.riskyDiff)])
        model.press(.char("D"))
        XCTAssertTrue(model.screenText.contains("2 danger marks"), model.screenText)
        model.press(.char("n"))
        var top = rows(model.frame())[2]
        XCTAssertTrue(top.contains("+rm -rf /var/cache/app"), top)
        XCTAssertEqual(top.first, "!")
        XCTAssertTrue(top.hasSuffix(" ! recursive force delete "), top)
        model.press(.char("n"))
        top = rows(model.frame())[2]
        XCTAssertTrue(top.contains("+git push --force origin main"), top)
        model.press(.char("n"))
        XCTAssertTrue(model.screenText.contains("No more danger marks"))
        model.press(.char("N"))
        XCTAssertTrue(rows(model.frame())[2].contains("+rm -rf"))
        model.press(.char("g"), .char("}"))
        XCTAssertTrue(rows(model.frame())[2].contains("@@ -1,3 +1,4 @@"), "} still goes by hunk")
    }

    func testSideBySideMarksTheRuleBetweenTheHalves() throws {
        var model = console([ActionDiff(title: "deploy.sh", text: Self.riskyDiff)], width: 200, height: 50)
        model.press(.char("D"))
        let frame = model.frame()
        let text = rows(frame)
        let row = try XCTUnwrap(text.firstIndex { $0.contains("+git push --force") }, frame.plainText)
        let half = (frame.width - 1) / 2
        XCTAssertEqual(frame[half, row].text, "!")
        XCTAssertEqual(frame[half, row].role, .danger)
        XCTAssertTrue(text[row].hasSuffix(" ! --force "), text[row])
    }

    func testWithoutMarksNStillGoesByHunk() {
        var model = console([ActionDiff(title: "schema", text: Fixture.diffText)])
        model.press(.char("D"))
        XCTAssertTrue(model.screenText.contains("n hunk"))
        model.press(.char("n"))
        XCTAssertTrue(rows(model.frame())[2].contains("@@ -1,5 +1,6 @@"))
    }
}
