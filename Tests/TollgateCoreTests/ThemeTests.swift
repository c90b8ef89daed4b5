import Foundation
import TollgateCore
import XCTest

/// Theme files: the shipped ones, the built-in fallback, and every kind of mistake a user can make.
final class ThemeTests: XCTestCase {
    private static let themesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes")

    private func shipped(_ name: String) throws -> (String, String) {
        let url = Self.themesDirectory.appendingPathComponent("\(name).toml")
        return (try String(contentsOf: url, encoding: .utf8), "themes/\(name).toml")
    }

    // MARK: - Shipped themes

    func testDefaultFileIsExactlyTheBuiltInTheme() throws {
        let (text, file) = try shipped("default")
        XCTAssertEqual(try ThemeFile.parse(text: text, file: file), Theme.builtIn)
    }

    func testEveryShippedThemeParsesAndWritesEveryRole() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory.path)
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
        XCTAssertEqual(names, ["default", "high-contrast", "light", "monochrome", "solarized-dark"])
        for name in names {
            let (text, file) = try shipped(name)
            let theme = try ThemeFile.parse(text: text, file: file)
            XCTAssertEqual(theme.name, name)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for role in ThemeRole.allCases {
                guard let at = lines.firstIndex(where: { $0.hasPrefix("\(role.rawValue) = {") }) else {
                    XCTFail("\(file) does not write \(role.rawValue)")
                    continue
                }
                XCTAssertTrue(at > 0 && lines[at - 1].hasPrefix("# "), "\(file): \(role.rawValue) has no comment above it")
            }
        }
    }

    func testMonochromeThemeUsesNoColour() throws {
        let (text, file) = try shipped("monochrome")
        let theme = try ThemeFile.parse(text: text, file: file)
        for role in ThemeRole.allCases {
            XCTAssertEqual(theme[role].foreground, .terminalDefault, role.rawValue)
            XCTAssertEqual(theme[role].background, .terminalDefault, role.rawValue)
        }
        XCTAssertEqual(theme[.riskCritical].monochrome, [.bold, .reverse])
    }

    // MARK: - Values

    func testColourSpellings() throws {
        let theme = try ThemeFile.parse(
            text: """
                name = "t"
                [roles]
                body = { fg = "bright_red", bg = 17 }
                dim = { fg = "#ff0000", bg = "#808080" }
                header = { fg = "default", attrs = ["bold", "underline"] }
                """, file: "t.toml")
        XCTAssertEqual(theme[.body].foreground, .indexed(9))
        XCTAssertEqual(theme[.body].background, .indexed(17))
        XCTAssertEqual(theme[.dim].foreground, .indexed(196))
        XCTAssertEqual(theme[.dim].background, .indexed(244))
        XCTAssertEqual(theme[.header].attributes, [.bold, .underline])
        XCTAssertEqual(theme[.header].monochrome, [.bold, .underline], "mono defaults to attrs")
        XCTAssertEqual(theme[.riskHigh], Theme.builtIn[.riskHigh], "an omitted role keeps the built-in style")
        XCTAssertEqual(theme.description, "")
    }

    func testColoursFitSmallerPalettes() {
        XCTAssertEqual(ThemeColor.indexed(196).fitted(toColors: 256), .indexed(196))
        XCTAssertEqual(ThemeColor.indexed(196).fitted(toColors: 16), .indexed(9))
        XCTAssertEqual(ThemeColor.indexed(196).fitted(toColors: 8), .indexed(1))
        XCTAssertEqual(ThemeColor.indexed(12).fitted(toColors: 8), .indexed(4))
        XCTAssertEqual(ThemeColor.indexed(236).fitted(toColors: 16), .indexed(0))
        XCTAssertEqual(ThemeColor.indexed(3).fitted(toColors: 2), .terminalDefault)
        XCTAssertEqual(ThemeColor.terminalDefault.fitted(toColors: 8), .terminalDefault)
    }

    // MARK: - Errors name file, line and key

    private func error(_ text: String) -> ConfigError? {
        do {
            _ = try ThemeFile.parse(text: text, file: "bad.toml")
            return nil
        } catch {
            return error
        }
    }

    func testUnknownColourIsAnErrorAtItsLine() {
        let e = error("name = \"x\"\n[roles]\nbody = {}\nrisk_high = { fg = \"brightred\" }\n")
        XCTAssertEqual(e?.file, "bad.toml")
        XCTAssertEqual(e?.line, 4)
        XCTAssertEqual(e?.key, "roles.risk_high.fg")
        XCTAssertTrue(e?.description.hasPrefix("bad.toml:4: roles.risk_high.fg: unknown colour \"brightred\"") ?? false, e?.description ?? "no error")
    }

    func testColourNumberOutOfRange() {
        let e = error("name = \"x\"\n[roles]\nbody = { bg = 256 }\n")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.key, "roles.body.bg")
    }

    func testUnknownRole() {
        let e = error("name = \"x\"\n[roles]\n\nrisk_hgh = { fg = \"red\" }\n")
        XCTAssertEqual(e?.line, 4)
        XCTAssertEqual(e?.key, "roles.risk_hgh")
        XCTAssertTrue(e?.message.hasPrefix("unknown role") ?? false)
    }

    func testUnknownKeyInARole() {
        let e = error("name = \"x\"\n[roles]\nbody = { fg = \"red\", colour = \"blue\" }\n")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.key, "roles.body.colour")
    }

    func testUnknownTopLevelKey() {
        let e = error("name = \"x\"\nauthor = \"me\"\n[roles]\n")
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.key, "author")
    }

    func testUnknownAttribute() {
        let e = error("name = \"x\"\n[roles]\nbody = { mono = [\"blinking\"] }\n")
        XCTAssertEqual(e?.key, "roles.body.mono")
        XCTAssertTrue(e?.message.contains("blinking") ?? false)
    }

    func testMissingPiecesAndWrongTypes() {
        XCTAssertEqual(error("[roles]\n")?.key, "name")
        XCTAssertEqual(error("name = \"x\"\n")?.key, "roles")
        XCTAssertEqual(error("name = \"x\"\n[roles]\nbody = \"red\"\n")?.key, "roles.body")
        XCTAssertEqual(error("name = \"x\"\n[roles]\nbody = { fg = true }\n")?.key, "roles.body.fg")
        XCTAssertEqual(error("name = \"\"\n[roles]\n")?.key, "name")
        XCTAssertEqual(error("name = \"x\"\n[roles]\nbody = { fg = \"red\" \n")?.line, 3, "syntax errors keep their line")
    }

    func testHostileValuesAreQuotedSafely() {
        let e = error("name = \"x\"\n[roles]\nbody = { fg = \"\\u001b[31m\" }\n")
        XCTAssertNotNil(e)
        XCTAssertFalse(e?.description.unicodeScalars.contains { $0.value < 0x20 } ?? true)
    }

    func testArbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("name=\"x\"[roles]{}fg bg,attrs mono#0123456789\n\\u\u{1b}é界".unicodeScalars)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<80, using: &generator)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
            _ = try? ThemeFile.parse(text: text, file: "fuzz.toml")
        }
    }
}
