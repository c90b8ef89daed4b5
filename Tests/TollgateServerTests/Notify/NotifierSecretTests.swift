import Foundation
import TollgateCore
import XCTest

@testable import TollgateServer

/// The files a notifier names, read as `tollgate serve` reads them (`resolveNotifierFiles`,
/// keys through `OwnerOnlyFile.text`), with real files. Its HMAC key: only from an owner-only
/// file, only long enough not to be guessed, and only the key — not the line's end, not what
/// follows it. Its CA file: certificates, or the server does not start.
final class NotifierSecretTests: XCTestCase {
    private var directory: URL!
    private static let key = "0123456789abcdef0123456789abcdef"

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-notify-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `text` to `name` in the test's directory with permission bits `mode`; its path.
    private func secretFile(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(chmod(path, mode), 0)
        return path
    }

    /// A configuration with a `json` notifier `hook` keyed by `path` (and one with none
    /// before it, so the message's index is checked), its secrets resolved as the server does.
    private func resolved(_ path: String) throws -> [NotifierSettings] {
        var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
        let text = """
            [[notify]]
            id = "plain"
            url = "https://hooks.example.com/plain"

            [[notify]]
            id = "hook"
            url = "https://hooks.example.com/hook"
            secret_file = "\(path)"
            """
        try configuration.apply(fileText: text, file: "server.toml")
        try configuration.resolveNotifierFiles(source: "server.toml") { path throws(ConfigError) in
            try OwnerOnlyFile.text(at: path, what: "the webhook secret file")
        }
        return configuration.notifiers
    }

    private func refusal(_ path: String) -> String {
        do {
            _ = try resolved(path)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func testTheKeyIsTheFileFirstLine() throws {
        let notifiers = try resolved(try secretFile("hook.secret", Self.key + "\n"))
        XCTAssertNil(notifiers[0].secret, "a notifier without a secret_file signs nothing")
        XCTAssertEqual(notifiers[1].secret, Array(Self.key.utf8))
    }

    func testOnlyTheFirstLineIsTheKey() throws {
        for (name, text) in [
            ("lf", Self.key + "\nsecond line\n"), ("crlf", Self.key + "\r\nsecond line\r\n"), ("cr", Self.key + "\rsecond line"),
            ("no-newline", Self.key),
        ] {
            XCTAssertEqual(try resolved(try secretFile(name, text))[1].secret, Array(Self.key.utf8), name)
        }
    }

    /// What an editor or `echo` leaves around a key is not part of it: a receiver configured
    /// with the key alone must verify the signatures.
    func testWhiteSpaceAroundTheKeyIsTrimmed() throws {
        for (name, text) in [("spaces", "  \(Self.key)  \n"), ("tabs", "\t\(Self.key)\t\n"), ("crlf", " \(Self.key) \r\n")] {
            XCTAssertEqual(try resolved(try secretFile(name, text))[1].secret, Array(Self.key.utf8), name)
        }
    }

    /// A key anyone can read lets anyone forge deliveries; one anyone can write, replace it.
    func testAFileOpenToOthersIsRefusedNamingTheFix() throws {
        for mode: mode_t in [0o644, 0o640, 0o604, 0o620, 0o602, 0o610] {
            let path = try secretFile("open-\(String(mode, radix: 8))", Self.key + "\n", mode: mode)
            let shown = refusal(path)
            XCTAssertTrue(shown.hasPrefix("\(path):0: the webhook secret file \(path) is open to its group or others"), shown)
            XCTAssertTrue(shown.contains("run: chmod 600 \(path)"), shown)
            XCTAssertFalse(shown.contains(Self.key), shown)
            XCTAssertFalse(shown.contains("\n"), shown)
        }
        XCTAssertNoThrow(try resolved(try secretFile("owner-read-only", Self.key, mode: 0o400)))
    }

    /// A short key is guessable: refused with the notifier's table named, and how to make one.
    func testAShortKeyIsRefused() throws {
        for (name, text) in [
            ("short", String(Self.key.prefix(15)) + "\n"), ("empty", ""), ("blank-first-line", "\n" + Self.key + "\n"),
            ("padded", "      0123456789abcde      \n"),
        ] {
            let path = try secretFile(name, text)
            let shown = refusal(path)
            XCTAssertEqual(
                shown,
                "server.toml:5: notify[2].secret_file: \(path): the first line must hold a key of at least 16 bytes (try: openssl rand -hex 32)",
                name)
        }
        XCTAssertEqual(try resolved(try secretFile("sixteen", String(Self.key.prefix(16))))[1].secret?.count, 16)
    }

    /// A `ca_file` that holds no certificate stops the server at start, rather than leave the
    /// notifier trusting nothing (every delivery failing) or, worse, the system's store.
    func testACAFileWithoutACertificateIsRefused() throws {
        for (name, text) in [("empty.pem", ""), ("key.pem", Self.key + "\n"), ("missing.pem", nil)] {
            let path = try text.map { try secretFile(name, $0) } ?? directory.appendingPathComponent(name).path
            var configuration = ServerConfiguration(environment: ["HOME": "/nonexistent"])
            try configuration.apply(fileText: "[[notify]]\nid = \"hook\"\nurl = \"https://hooks.example.com/x\"\nca_file = \"\(path)\"\n", file: "server.toml")
            XCTAssertThrowsError(try configuration.resolveNotifierFiles(source: "server.toml") { _ throws(ConfigError) in "" }) { error in
                XCTAssertEqual("\(error)", "server.toml:1: notify[1].ca_file: \(path): cannot read PEM certificates from it", name)
            }
        }
    }

    func testAMissingFileOrADirectoryIsRefused() throws {
        let missing = directory.appendingPathComponent("missing").path
        XCTAssertEqual(refusal(missing), "\(missing):0: cannot read the webhook secret file (No such file or directory)")
        XCTAssertEqual(refusal(directory.path), "\(directory.path):0: the webhook secret file is not a regular file")
    }
}
