import Foundation
import Synchronization
import TollgateCore
import XCTest

@testable import TollgateServer

/// The reloader's rules, with real files in a temporary directory and no server: what a look
/// at the files reads, puts in force, refuses and reports.
final class ConfigurationReloaderTests: XCTestCase {
    private var directory: URL!
    private var tokensPath: String { directory.appendingPathComponent("tokens.toml").path }
    private var configPath: String { directory.appendingPathComponent("server.toml").path }
    /// How many times each file was read (the stamps are free; reads are what polling must avoid).
    private let reads = ReadCounts()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-reloader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write(tokens: Self.tokens(["alice": "approver", "agent-1": "agent"]))
        try write(config: Self.config(rules: 0))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    /// A tokens file with one principal per (id, role), each with a made-up hash.
    private static func tokens(_ principals: KeyValuePairs<String, String>) -> String {
        var text = "# tokens\n"
        for (index, (id, role)) in principals.enumerated() {
            text += "\n[[principals]]\nid = \"\(id)\"\nroles = [\"\(role)\"]\ntoken_sha256 = \"\(String(repeating: "\(index % 10)", count: 64))\"\n"
        }
        return text
    }

    /// A configuration with `root` keys first, then `rules` policy rules (kinds db.0, db.1, ...),
    /// and `extra` appended.
    private static func config(root: String = "", rules: Int, extra: String = "") -> String {
        var text = root + "[limits]\nrate_per_second = 0\n"
        for i in 0..<rules { text += "\n[[policy]]\nid = \"rule-\(i)\"\nreason = \"because\"\nkinds = [\"db.\(i)\"]\n" }
        return text + extra
    }

    private func write(tokens text: String) throws { try OwnerOnlyFile.write(text, to: tokensPath) }
    private func write(config text: String) throws { try OwnerOnlyFile.write(text, to: configPath) }

    private func makeReloader() -> ConfigurationReloader {
        var configuration = ServerConfiguration(environment: ["HOME": directory.path])
        configuration.tokensPath = tokensPath
        configuration.configPath = configPath
        let system = FileAccess.system
        let reads = self.reads
        let access = FileAccess(
            stamp: system.stamp,
            tokensText: { path throws(ConfigError) in
                reads.count("tokens")
                return try system.tokensText(path)
            },
            configText: { path throws(ConfigError) in
                reads.count("config")
                return try system.configText(path)
            })
        return ConfigurationReloader(configuration: configuration, access: access)
    }

    private var readCount: [String: Int] { reads.counts.withLock { $0 } }

    /// A reloader that has had its first look, as the server's has once it runs.
    private func started() -> ConfigurationReloader {
        var reloader = makeReloader()
        let first = reloader.reload()
        XCTAssertNotNil(first.registry)
        XCTAssertNotNil(first.policy)
        return reloader
    }

    // MARK: - Reading

    func testGoodFilesGiveTheirTokensAndPolicy() {
        var reloader = makeReloader()
        try? write(config: Self.config(rules: 2))
        let outcome = reloader.reload()
        XCTAssertEqual(outcome.registry?.entries.map(\.principal.id), ["alice", "agent-1"])
        XCTAssertEqual(outcome.policy?.rules.map(\.id), ["rule-0", "rule-1"])
        XCTAssertNil(outcome.tokensError)
        XCTAssertNil(outcome.configError)
        XCTAssertEqual(outcome.restartNeeded, [])
    }

    func testAPollWithTheStampsUnchangedReadsNothing() {
        var reloader = started()
        let before = readCount
        XCTAssertEqual(before, ["tokens": 1, "config": 1])
        for _ in 0..<5 { XCTAssertTrue(reloader.poll().isEmpty) }
        XCTAssertEqual(readCount, before, "equal device, inode, size and times: no file is read")
    }

    func testAChangedFileIsReadOnceItsStampHasSettled() throws {
        var reloader = started()
        _ = reloader.poll()
        try write(tokens: Self.tokens(["alice": "approver"]))
        XCTAssertTrue(reloader.poll().isEmpty, "a stamp seen for the first time may be a write in progress")
        XCTAssertEqual(readCount["tokens"], 1)
        let outcome = reloader.poll()
        XCTAssertEqual(outcome.registry?.entries.map(\.principal.id), ["alice"], "the same stamp at the next poll: read")
        XCTAssertNil(outcome.policy, "the configuration did not change: its policy is not in the outcome")
        XCTAssertEqual(readCount, ["tokens": 2, "config": 1])
        XCTAssertTrue(reloader.poll().isEmpty)
        XCTAssertEqual(readCount, ["tokens": 2, "config": 1])
    }

    func testTheSameTextWrittenAgainIsReadOnceAndReportsNothing() throws {
        var reloader = started()
        _ = reloader.poll()
        try write(tokens: Self.tokens(["alice": "approver", "agent-1": "agent"]))  // a new inode, the same text
        XCTAssertTrue(reloader.poll().isEmpty)
        XCTAssertTrue(reloader.poll().isEmpty, "same content hash: nothing to put in force, nothing to log")
        XCTAssertTrue(reloader.poll().isEmpty)
        XCTAssertEqual(readCount["tokens"], 2, "read once to learn it is the same, then its stamp is the one in force")
    }

    // MARK: - Broken files

    func testABrokenTokensFileIsKeptOutNamingFileAndLineOnce() throws {
        var reloader = started()
        _ = reloader.poll()
        let broken = Self.tokens(["alice": "approver", "agent-1": "aprover"])
        try write(tokens: broken)
        _ = reloader.poll()
        let outcome = reloader.poll()
        XCTAssertNil(outcome.registry, "the running tokens stay")
        let error = try XCTUnwrap(outcome.tokensError)
        XCTAssertEqual(error.file, tokensPath)
        XCTAssertEqual(error.line, 1 + broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("aprover") }!)
        XCTAssertEqual(error.key, "principals[2].roles")
        XCTAssertTrue(error.message.contains("unknown role \"aprover\""), error.message)
        XCTAssertTrue(error.message.contains(Role.expectedText), "the roles there are, from Role itself: \(error.message)")

        let reads = readCount["tokens"] ?? 0
        XCTAssertTrue(reloader.poll().isEmpty, "the same broken text is reported once")
        XCTAssertEqual(readCount["tokens"], reads + 1, "but read again, in case it was read while being written")

        try write(tokens: Self.tokens(["alice": "approver"]))
        _ = reloader.poll()
        XCTAssertEqual(reloader.poll().registry?.entries.map(\.principal.id), ["alice"], "the mended file is put in force")
    }

    func testABrokenPolicyIsKeptOutNamingFileLineAndKey() throws {
        var reloader = started()
        _ = reloader.poll()
        try write(config: Self.config(rules: 1) + "outcome = \"aprove\"\n")
        _ = reloader.poll()
        let outcome = reloader.poll()
        XCTAssertNil(outcome.policy, "the running policy stays")
        XCTAssertNil(outcome.registry)
        let error = try XCTUnwrap(outcome.configError)
        XCTAssertEqual(error.file, configPath)
        XCTAssertEqual(error.line, 8)
        XCTAssertEqual(error.key, "policy[1].outcome")
        XCTAssertTrue(error.description.hasPrefix("\(configPath):8: policy[1].outcome: "), error.description)
    }

    func testABrokenConfigurationDoesNotHoldUpARevocation() throws {
        var reloader = started()
        _ = reloader.poll()
        try write(config: "[limits\n")
        try write(tokens: Self.tokens(["agent-1": "agent"]))
        _ = reloader.poll()
        let outcome = reloader.poll()
        XCTAssertEqual(outcome.registry?.entries.map(\.principal.id), ["agent-1"], "the tokens file is valid: alice is revoked")
        XCTAssertNil(outcome.policy)
        XCTAssertEqual(outcome.configError?.line, 1)
    }

    func testATokensFileOpenToOthersIsKeptOutUntilItIsOwnerOnlyAgain() throws {
        var reloader = started()
        _ = reloader.poll()
        XCTAssertEqual(chmod(tokensPath, 0o644), 0)
        _ = reloader.poll()
        let refused = reloader.poll()
        XCTAssertNil(refused.registry)
        XCTAssertTrue(refused.tokensError?.message.contains("0644") == true, "\(String(describing: refused.tokensError))")
        XCTAssertEqual(chmod(tokensPath, 0o600), 0)
        _ = reloader.poll()
        XCTAssertNotNil(reloader.poll().registry, "mended: the reload says so, though the text is the one in force")
    }

    // MARK: - SIGHUP

    func testAForcedReloadReportsEvenWhenNothingChanged() throws {
        var reloader = started()
        let again = reloader.reload()
        XCTAssertEqual(again.registry?.entries.count, 2)
        XCTAssertNotNil(again.policy)
        try write(tokens: "[[principals]]\nid = 3\n")
        XCTAssertNotNil(reloader.reload().tokensError)
        XCTAssertNotNil(reloader.reload().tokensError, "a SIGHUP always says why the file is kept out")
    }

    // MARK: - Settings that need a restart

    func testChangedSettingsThatNeedARestartAreNamedAndThePolicyIsStillApplied() throws {
        var reloader = started()
        _ = reloader.poll()
        try write(config: Self.config(root: "listen = \"127.0.0.1:9999\"\n", rules: 1, extra: "\n[feed]\nreplay_window = 5\n"))
        _ = reloader.poll()
        let outcome = reloader.poll()
        XCTAssertEqual(outcome.policy?.rules.count, 1)
        XCTAssertEqual(outcome.restartNeeded, ["listen", "feed.replay_window"])
    }
}

/// Reads per file, counted from the reloader's `FileAccess`.
private final class ReadCounts: Sendable {
    let counts = Mutex<[String: Int]>([:])

    func count(_ file: String) { counts.withLock { $0[file, default: 0] += 1 } }
}
