import Foundation
import TollgateClient
import TollgateCore
import XCTest

@testable import TollgateConsole

/// The console's keys of config.toml: read beside the client's, and a bad value is one line
/// naming the file, the line and the key.
final class ConsoleSettingsTests: XCTestCase {
    private func read(_ text: String) throws(ConfigError) -> ConsoleSettings {
        var reader = try ConfigReader.parse(text, file: "config.toml")
        return try ConsoleSettings.read(&reader)
    }

    private func problem(_ text: String) -> String? {
        do {
            _ = try read(text)
            return nil
        } catch {
            return error.description
        }
    }

    func testEveryKeyIsReadBesideTheClientsOwn() throws {
        let settings = try read(
            """
            server = "https://tollgate.internal"
            token_file = "token"
            theme = "light"
            notify = "desktop"
            notify_min_risk = "critical"
            title = true

            [[danger]]
            pattern = 'x'
            label = 'x'
            """)
        XCTAssertEqual(settings, ConsoleSettings(theme: "light", notify: .desktop, notifyMinRisk: .critical, title: true))
        XCTAssertEqual(try read(""), ConsoleSettings(), "unset keys leave the choice to flags and defaults")
        XCTAssertEqual(try read("notify = \"off\"").notify, .off)
        XCTAssertEqual(try read("notify = \"bell\"").notify, .bell)
    }

    func testABadValueIsOneLineNamingFileLineAndKey() {
        XCTAssertEqual(problem("theme = \"light\"\nnotify = \"beep\""), "config.toml:2: notify: expected bell, desktop or off")
        XCTAssertEqual(problem("\n\nnotify = 1"), "config.toml:3: notify: expected a string, found an integer")
        XCTAssertEqual(
            problem("notify_min_risk = \"urgent\""), "config.toml:1: notify_min_risk: expected low, medium, high or critical")
        XCTAssertEqual(problem("notify = \"BELL\""), "config.toml:1: notify: expected bell, desktop or off", "case counts")
        XCTAssertEqual(problem("title = \"yes\""), "config.toml:1: title: expected true or false, found a string")
        XCTAssertEqual(problem(#"notify = "be\u001b[2Jep""#), "config.toml:1: notify: expected bell, desktop or off", "nothing quoted")
    }

    func testTheFileIsTheClientsConfigFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tollgate"), withIntermediateDirectories: true)
        let environment = ["XDG_CONFIG_HOME": folder.path]
        XCTAssertEqual(try ConsoleSettings.load(environment: environment), ConsoleSettings(), "no file, no settings")
        let file = folder.appendingPathComponent("tollgate/config.toml")
        try "notify = \"off\"\nnotify_min_risk = \"low\"\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ConsoleSettings.load(environment: environment), ConsoleSettings(notify: .off, notifyMinRisk: .low))
        try "title = true\nnotify = \"loud\"\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConsoleSettings.load(environment: environment)) { error in
            XCTAssertEqual("\(error)", "\(file.path):2: notify: expected bell, desktop or off")
        }
    }
}
