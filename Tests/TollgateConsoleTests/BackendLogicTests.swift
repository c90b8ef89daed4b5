import Foundation
import TollgateCore
import XCTest

@testable import TollgateConsole

/// The parts of the backend that need no terminal: key decoding and theme lookup.
final class BackendLogicTests: XCTestCase {
    private func keys(_ codes: [UInt32]) -> [Message] {
        var decoder = KeyDecoder()
        var out: [Message] = []
        for code in codes { out += decoder.character(code) }
        return out + decoder.flush()
    }

    private func describe(_ messages: [Message]) -> [String] {
        messages.map {
            switch $0 {
            case .key(let key): "key \(key.label)"
            case .paste(let text): "paste \(text)"
            default: "other"
            }
        }
    }

    func testControlCharactersBecomeKeys() {
        XCTAssertEqual(
            describe(keys([3, 13, 10, 9, 127, 8, 21, 0x61, 0x4E2D])),
            ["key Ctrl-C", "key Enter", "key Enter", "key Tab", "key Backspace", "key Backspace", "key Ctrl-U", "key a", "key 中"])
        XCTAssertEqual(describe(keys([0, 0x9B, 0x85])), [], "NUL and C1 controls mean nothing")
    }

    func testLoneEscapeIsTheEscapeKey() {
        XCTAssertEqual(describe(keys([27])), ["key Esc"])
        XCTAssertEqual(describe(keys([27, 0x6A])), ["key Esc", "key j"])
        XCTAssertEqual(describe(keys([27, 91, 50, 0x6B])), ["key Esc", "key [", "key 2", "key k"])
    }

    func testBracketedPasteIsOneMessage() {
        let body = Array("ay\nline two".unicodeScalars.map(\.value))
        let codes: [UInt32] = [27, 91, 50, 48, 48, 126] + body + [27, 91, 50, 48, 49, 126, 0x6A]
        XCTAssertEqual(describe(keys(codes)), ["paste ay\nline two", "key j"])
    }

    func testPasteSpanningReadsAndEmptyPaste() {
        var decoder = KeyDecoder()
        var out: [Message] = []
        for code in [27, 91, 50, 48, 48, 126, 0x78] as [UInt32] { out += decoder.character(code) }
        out += decoder.flush()
        XCTAssertTrue(out.isEmpty, "still pasting at the end of a read")
        for code in [27, 91, 50, 48, 49, 126] as [UInt32] { out += decoder.character(code) }
        XCTAssertEqual(describe(out), ["paste x"])
        XCTAssertEqual(describe(keys([27, 91, 50, 48, 48, 126, 27, 91, 50, 48, 49, 126])), ["paste "])
    }

    func testPasteOutsideAPromptIsIgnored() {
        var model = Fixture.model([Fixture.action("act-1")])
        XCTAssertEqual(model.update(.paste("ay")), [])
        XCTAssertNil(model.prompt)
        XCTAssertTrue(model.screenText.contains("Paste ignored"))
        model.press(.char("d"))
        _ = model.update(.paste("first line\nsecond\u{1B}[31m"))
        XCTAssertEqual(model.prompt?.editor.text, "first line second[31m")
        model.press(.escape, .char("a"))
        _ = model.update(.paste("y"))
        XCTAssertNil(model.prompt, "a paste never confirms")
        XCTAssertTrue(model.outcomes.isEmpty)
    }

    // MARK: - Themes

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testSearchOrderAndValidation() throws {
        let root = try temporaryDirectory()
        let user = root.appendingPathComponent("config/tollgate/themes")
        let extra = root.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        try "name = \"mine\"\n[roles]\nbody = { fg = \"red\" }\n".write(to: user.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        try "name = \"mine\"\n[roles]\n".write(to: extra.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        try "name = \"broken\"\n[roles]\nbody = { fg = \"redd\" }\n".write(to: extra.appendingPathComponent("broken.toml"), atomically: true, encoding: .utf8)
        let environment = ["XDG_CONFIG_HOME": root.appendingPathComponent("config").path, "TOLLGATE_THEMES_DIR": extra.path]
        let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("bin/tollgate").path
        let found = ThemeCatalog.search(environment: environment, executablePath: executable)
        XCTAssertEqual(found.first { $0.name == "mine" }?.origin, "user config", "the user's directory wins")
        XCTAssertEqual(found.first { $0.name == "light" }?.origin, "source tree", "the shipped themes are found from a development build")
        guard let broken = found.first(where: { $0.name == "broken" }) else { return XCTFail("broken.toml not listed") }
        guard case .failure(let error) = ThemeCatalog.validate(broken) else { return XCTFail("broken.toml validated") }
        XCTAssertEqual(error.line, 3)
        XCTAssertEqual(error.key, "roles.body.fg")

        let (mine, noProblem) = ThemeCatalog.load("mine", environment: environment, executablePath: executable)
        XCTAssertNil(noProblem)
        XCTAssertEqual(mine[.body].foreground, .indexed(1))
        let (fallback, problem) = ThemeCatalog.load("broken", environment: environment, executablePath: executable)
        XCTAssertEqual(fallback, Theme.builtIn)
        XCTAssertTrue(problem?.contains("broken.toml:3: roles.body.fg: unknown colour") ?? false, problem ?? "no problem")
        XCTAssertNotNil(ThemeCatalog.load("missing", environment: environment, executablePath: executable).problem)
        XCTAssertNil(ThemeCatalog.load("default", environment: [:], executablePath: nil).problem, "default always exists")
        XCTAssertNotNil(ThemeCatalog.load("../../etc/passwd", environment: environment, executablePath: executable).problem)
        XCTAssertNil(ThemeCatalog.load(user.appendingPathComponent("mine.toml").path, environment: [:], executablePath: nil).problem, "a path loads directly")
    }
}
