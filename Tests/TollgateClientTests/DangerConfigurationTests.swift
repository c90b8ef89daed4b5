import Foundation
import TollgateClient
import TollgateCore
import XCTest

/// `[[danger]]` in config.toml: extra patterns beside the defaults, and one-line errors naming file, line and key.
final class DangerConfigurationTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-danger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/tollgate", withIntermediateDirectories: true)
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(atPath: folder) }
    }

    private var environment: [String: String] { ["XDG_CONFIG_HOME": folder] }
    private var path: String { folder + "/tollgate/config.toml" }

    private func danger(_ toml: String) throws(ConfigurationError) -> DangerMatcher {
        try? toml.write(toFile: path, atomically: false, encoding: .utf8)
        return try ClientConfiguration.danger(environment: environment)
    }

    private func failure(_ toml: String) -> String {
        do {
            return "accepted \(try danger(toml).patterns.count) patterns"
        } catch {
            return error.message
        }
    }

    func testDangerTablesExtendTheDefaults() throws {
        let matcher = try danger(
            """
            server = "https://tollgate.example"
            theme = "monochrome"

            [[danger]]
            pattern = '(?i)prod-db'
            label = 'production database'

            [[danger]]
            pattern = 'kubectl\\s+delete\\s+ns'
            label = "namespace delete"
            """)
        XCTAssertEqual(matcher.patterns.count, DangerMatcher.defaults.count + 2)
        XCTAssertEqual(matcher.patterns.suffix(2).map(\.label), ["production database", "namespace delete"])
        let marks = matcher.marks(in: UnifiedDiff("@@ -0,0 +1,3 @@\n+host = PROD-DB\n+kubectl  delete ns web\n+cidr = 0.0.0.0/0"))
        XCTAssertEqual(marks.summary, "3 danger marks: production database, namespace delete, world-open CIDR")
        XCTAssertEqual(try ClientConfiguration.load(file: path, environment: environment)?.danger, matcher)
    }

    /// docs/configuration.md's example, as written, adds its pattern and marks what it says.
    func testTheDocumentedExampleWorks() throws {
        let page = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/docs/configuration.md", encoding: .utf8)
        let blocks = page.components(separatedBy: "```toml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        let example = try XCTUnwrap(blocks.first { $0.contains("[[danger]]") }, "configuration.md has a [[danger]] example")
        let matcher = try danger(example)
        XCTAssertEqual(matcher.patterns.count, DangerMatcher.defaults.count + 1)
        let marks = matcher.marks(in: UnifiedDiff("@@ -1,1 +1,1 @@\n-host = staging-db\n+host = PROD-DB\n"))
        XCTAssertEqual(marks.summary, "1 danger mark: production database")
    }

    func testNoFileOrNoTablesGiveTheDefaults() throws {
        XCTAssertEqual(try ClientConfiguration.danger(environment: environment).patterns.count, DangerMatcher.defaults.count)
        XCTAssertEqual(try danger("server = \"https://x\"\n").patterns.count, DangerMatcher.defaults.count)
    }

    func testBadTablesAreOneLineErrorsNamingFileLineAndKey() {
        let cases: [(String, String)] = [
            ("[[danger]]\npattern = '(unclosed'\nlabel = 'x'\n", "\(path):2: danger[1].pattern: not a valid regular expression"),
            ("[[danger]]\nlabel = 'x'\npattern = 'a*'\n", "\(path):3: danger[1].pattern: matches an empty line, so it would mark every added line"),
            ("[[danger]]\npattern = 'ok'\nlabel = 'x'\n[[danger]]\nlabel = 'y'\n", "\(path):4: danger[2].pattern: "),
            ("[[danger]]\npattern = 'ok'\n", "\(path):1: danger[1].label: "),
            ("[[danger]]\npattern = 'ok'\nlabel = ''\n", "\(path):3: danger[1].label: expected 1 to 40 characters"),
            ("[[danger]]\npattern = 'ok'\nlabel = \"a\\u001b[2Jb\"\n", "\(path):3: danger[1].label: expected 1 to 40 characters"),
            ("[[danger]]\npattern = 'ok'\nlabel = 'x'\ncolour = 'red'\n", "\(path):4: danger[1].colour: unknown key"),
            ("[[danger]]\npattern = 3\nlabel = 'x'\n", "\(path):2: danger[1].pattern: expected a string"),
            ("danger = 'rm'\n", "\(path):1: danger: expected [[danger]] tables"),
            (String(repeating: "[[danger]]\npattern = 'x'\nlabel = 'x'\n", count: 51), "\(path):1: danger: more than 50 [[danger]] tables"),
        ]
        for (toml, expected) in cases {
            let message = failure(toml)
            XCTAssertTrue(message.hasPrefix(expected), "\(toml)\n→ \(message)")
            XCTAssertFalse(message.contains("\n"), message)
        }
    }
}
