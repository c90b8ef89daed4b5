import Foundation
import GRDB
import TollgateCore
import XCTest

@testable import TollgateStore

/// Paths, permissions, migrations and the files the store must refuse without crashing.
final class OpeningTests: XCTestCase {
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    // MARK: - Default path

    func testDefaultPathUsesXDGStateHome() {
        XCTAssertEqual(
            HistoryStore.defaultPath(environment: ["XDG_STATE_HOME": "/var/state", "HOME": "/home/a"]),
            "/var/state/tollgate/history.sqlite")
        XCTAssertEqual(
            HistoryStore.defaultPath(environment: ["XDG_STATE_HOME": "/var/state/"]),
            "/var/state/tollgate/history.sqlite")
    }

    func testDefaultPathFallsBackToHomeWhenXDGStateHomeIsMissingEmptyOrRelative() {
        for xdg in [nil, "", "relative/state"] {
            var environment = ["HOME": "/home/a"]
            environment["XDG_STATE_HOME"] = xdg
            XCTAssertEqual(
                HistoryStore.defaultPath(environment: environment),
                "/home/a/.local/state/tollgate/history.sqlite", "XDG_STATE_HOME=\(xdg ?? "unset")")
        }
    }

    func testDefaultPathWithoutHomeIsStillAnAbsoluteOrLocalPath() {
        let path = HistoryStore.defaultPath(environment: [:])
        XCTAssertTrue(path.hasSuffix("/.local/state/tollgate/history.sqlite"), path)
    }

    // MARK: - Permissions

    func testCreatesOwnerOnlyFoldersAndFiles() throws {
        let path = folder.file("state/tollgate/history.sqlite")
        let store = try HistoryStore(path: path)
        try store.upsert([Fixture.action("a1")], server: Fixture.serverA)

        XCTAssertEqual(try TemporaryFolder.mode(folder.file("state")), 0o700)
        XCTAssertEqual(try TemporaryFolder.mode(folder.file("state/tollgate")), 0o700)
        XCTAssertEqual(try TemporaryFolder.mode(path), 0o600)
        for companion in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + companion) {
            XCTAssertEqual(try TemporaryFolder.mode(path + companion), 0o600, companion)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"), "the store runs in WAL mode")
    }

    /// Copies of a cache taken while it was open (a backup, a crash) keep a `-wal` and `-shm`
    /// with content; restored wide, all three are owner-only before SQLite uses them. (Empty
    /// ones would not tell: SQLite itself sets the mode of a file it opens empty.)
    func testTightensCompanionsLeftWideBeforeOpening() throws {
        let live = folder.file("live.sqlite")
        let store = try HistoryStore(path: live)
        try store.upsert([Fixture.action("a1", summary: "kept in the WAL")], server: Fixture.serverA)
        for wide: Int in [0o644, 0o666] {
            let copy = folder.file("restored-\(String(wide, radix: 8)).sqlite")
            for suffix in ["", "-wal", "-shm"] {
                try FileManager.default.copyItem(atPath: live + suffix, toPath: copy + suffix)
                XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: copy + suffix)[.size] as? Int ?? 0, 0, suffix)
                try FileManager.default.setAttributes([.posixPermissions: wide], ofItemAtPath: copy + suffix)
            }
            let restored = try HistoryStore(path: copy)
            for suffix in ["", "-wal", "-shm"] {
                XCTAssertEqual(try TemporaryFolder.mode(copy + suffix), 0o600, "\(suffix) was \(String(wide, radix: 8))")
            }
            XCTAssertEqual(try restored.action(id: "a1", server: Fixture.serverA)?.summary, "kept in the WAL")
        }
    }

    func testTightensAnExistingFileThatOthersCanRead() throws {
        let path = folder.file("history.sqlite")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        _ = try HistoryStore(path: path)
        XCTAssertEqual(try TemporaryFolder.mode(path), 0o600)
    }

    func testLeavesAnExistingFolderAlone() throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        _ = try HistoryStore(path: folder.file("history.sqlite"))
        XCTAssertEqual(try TemporaryFolder.mode(folder.path), 0o755)
    }

    // MARK: - Migrations

    static let allMigrations = [
        "v1: actions, search, decisions, outbox, audit", "v2: settled decisions keep no reason",
        "v3: audit chains named by their first record", "v4: break-glass decisions in the outbox",
    ]

    func testMigratesOnceAndKeepsDataAcrossReopen() throws {
        let path = folder.file("history.sqlite")
        do {
            let store = try HistoryStore(path: path)
            try store.upsert([Fixture.action("a1", summary: "rotate the signing key")], server: Fixture.serverA)
            try store.setLastEventID(42, server: Fixture.serverA)
            XCTAssertEqual(try migrations(store), Self.allMigrations)
        }
        let reopened = try HistoryStore(path: path)
        XCTAssertEqual(try migrations(reopened), Self.allMigrations)
        XCTAssertEqual(try reopened.action(id: "a1", server: Fixture.serverA)?.summary, "rotate the signing key")
        XCTAssertEqual(try reopened.lastEventID(server: Fixture.serverA), 42)
        XCTAssertEqual(try reopened.page(HistoryQuery(text: "signing"), limit: 10, cursor: nil).actions.count, 1)
        XCTAssertEqual(try reopened.integrityCheck(), "ok")
        XCTAssertEqual(try reopened.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }, "wal")
    }

    func testRefusesAFileFromANewerVersion() throws {
        let path = folder.file("history.sqlite")
        do {
            let store = try HistoryStore(path: path)
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v9: from the future')")
            }
        }
        assertThrows(.newerSchema, path: path, mentioning: "v9: from the future") { _ = try HistoryStore(path: path) }
    }

    // MARK: - Bad files

    func testReadOnlyFileThrowsAClearError() throws {
        let path = folder.file("history.sqlite")
        do { _ = try HistoryStore(path: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        assertThrows(.readOnly, path: path, mentioning: "0400") { _ = try HistoryStore(path: path) }
    }

    func testGarbageFileThrowsAClearError() throws {
        let path = folder.file("history.sqlite")
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: garbage, attributes: [.posixPermissions: 0o600]))
        assertThrows(.corrupt, path: path, mentioning: "opening") { _ = try HistoryStore(path: path) }
    }

    func testFolderThatIsAFileThrowsAClearError() throws {
        let blocker = folder.file("blocker")
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let path = blocker + "/tollgate/history.sqlite"
        assertThrows(.cannotOpen, path: path, mentioning: "not a directory") { _ = try HistoryStore(path: path) }
    }

    func testPathThatIsAFolderThrowsAClearError() throws {
        assertThrows(.cannotOpen, path: folder.path, mentioning: "Is a directory") { _ = try HistoryStore(path: folder.path) }
    }

    func testFullDiskThrowsAClearErrorAndKeepsWhatWasSaved() throws {
        let path = folder.file("history.sqlite")
        let store = try HistoryStore(path: path, maximumPageCount: 80)
        try store.upsert([Fixture.action("kept")], server: Fixture.serverA)
        let big = (0..<400).map { Fixture.action("big-\($0)", summary: String(repeating: "word\($0) ", count: 200)) }

        assertThrows(.diskFull, path: path, mentioning: "saving 400 actions") { try store.upsert(big, server: Fixture.serverA) }
        XCTAssertNotNil(try store.action(id: "kept", server: Fixture.serverA))
        XCTAssertNil(try store.action(id: "big-0", server: Fixture.serverA), "the failed batch is rolled back whole")
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testDamagedRowThrowsInsteadOfCrashing() throws {
        let path = folder.file("history.sqlite")
        let store = try HistoryStore(path: path)
        try store.upsert([Fixture.action("a1"), Fixture.action("a2", minutes: 1)], server: Fixture.serverA)
        try store.writer.write { db in
            try db.execute(sql: "UPDATE action_body SET json = '{\"id\": 5}' WHERE id = (SELECT max(id) FROM action)")
            try db.execute(sql: "UPDATE action SET decision_count = 'many' WHERE action_id = 'a1'")
        }
        assertThrows(.invalidData, path: path, mentioning: "reading action row") { _ = try store.page(HistoryQuery(), limit: 5, cursor: nil) }
        assertThrows(.invalidData, path: path, mentioning: "a2") { _ = try store.action(id: "a2", server: Fixture.serverA) }
        assertThrows(.invalidData, path: path, mentioning: "saving") {
            try store.upsert([Fixture.action("a1", status: .approved)], server: Fixture.serverA)
        }
    }

    // MARK: - Helpers

    private func migrations(_ store: HistoryStore) throws -> [String] {
        try store.writer.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    private func assertThrows(
        _ reason: StoreError.Reason, path: String, mentioning text: String,
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("expected \(reason.rawValue)", file: file, line: line)
        } catch let error as StoreError {
            XCTAssertEqual(error.reason, reason, error.description, file: file, line: line)
            XCTAssertTrue(error.description.contains(path), error.description, file: file, line: line)
            XCTAssertTrue(error.description.contains(text), error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error.description)", file: file, line: line)
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
    }
}
