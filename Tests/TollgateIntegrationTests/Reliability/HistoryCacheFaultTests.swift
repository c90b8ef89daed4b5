import Foundation
import Glibc
import TollgateCore
import XCTest

/// The console's history cache on a file system that refuses writes (read-only, or full): the
/// console keeps working from memory, says the cache is unavailable, and corrupts nothing.
final class HistoryCacheFaultTests: XCTestCase {
    /// A small tmpfs when running as root (permissions do not stop root), else a plain directory.
    private final class CacheDirectory {
        let path: String
        let mounted: Bool

        init(_ test: XCTestCase, under sandbox: Sandbox) throws {
            path = sandbox.directory.appendingPathComponent("cache").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            mounted = geteuid() == 0
            if mounted {
                try Shell.run(
                    ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", path], "mounting a tmpfs for the cache (root needs one: permissions do not stop it)")
                test.addTeardownBlock { [path] in _ = try? Shell.run(["umount", "-l", path], "umount") }
            }
        }

        /// Makes the directory and `file` read-only: a read-only remount, or mode 0500/0400.
        func makeReadOnly(_ file: String) throws {
            if mounted {
                try Shell.run(["mount", "-o", "remount,ro", path], "remounting read-only")
            } else {
                chmod(file, 0o400)
                chmod(path, 0o500)
            }
        }

        /// Fills the file system to the last byte (only a tmpfs can be filled safely).
        func fill() throws {
            guard mounted else { throw HTTPClientError("filling the disk needs the tmpfs, which needs root") }
            let fd = open(path + "/filler", O_WRONLY | O_CREAT, 0o600)
            guard fd >= 0 else { throw HTTPClientError("cannot create the filler: errno \(errno)") }
            defer { close(fd) }
            let block = [UInt8](repeating: 0x5A, count: 4096)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            guard errno == ENOSPC else { throw HTTPClientError("filling stopped with errno \(errno), not ENOSPC") }
        }

        func makeWritable(_ file: String) throws {
            if mounted {
                try Shell.run(["mount", "-o", "remount,rw", path], "remounting read-write")
            } else {
                chmod(path, 0o700)
                chmod(file, 0o600)
            }
            unlink(path + "/filler")
        }
    }

    private func console(_ sandbox: Sandbox, _ server: ServerProcess, history: String) throws -> TmuxSession {
        let binary = try TollgateBinary.url().path
        let args = try sandbox.connection(server, as: "alice") + ["--db", history]
        return try TmuxSession(
            self, command: "\(binary) \(args.map(TmuxSession.quote).joined(separator: " "))",
            environment: ["XDG_CONFIG_HOME": sandbox.directory.path, "HOME": sandbox.directory.path])
    }

    /// Read-only or full before the console starts (opening the cache fails), or filled while it runs (writing fails).
    private enum Fault { case readOnly, full, fillsWhileRunning }

    private func checkTheConsoleSurvives(_ fault: Fault) throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let directory = try CacheDirectory(self, under: sandbox)
        let history = directory.path + "/history.sqlite"
        let agent = try sandbox.client(server, as: "agent-1")
        let before = try agent.submit(Fixtures.request(summary: "Cached before the fault"))
        let first = try console(sandbox, server, history: history)
        try first.waitFor("Cached before the fault")
        try eventually("the action reached the cache") { SecretCorpusTests.bytes(ofFilesStartingWith: history).firstRange(of: Array(before.id.utf8)) != nil }
        try first.send("q")
        try eventually("the console quit") { try !first.screen().contains("Cached before the fault") }

        switch fault {
        case .readOnly: try directory.makeReadOnly(history)
        case .full: try directory.fill()
        case .fillsWhileRunning: break
        }
        let second = try console(sandbox, server, history: history)
        try second.waitFor("live")
        if fault == .fillsWhileRunning { try directory.fill() }
        // Enough new actions, with enough text, that a full disk must refuse some write.
        let big = (0..<20).map { ContextEntry(key: "k\($0)", value: String(repeating: "payload ", count: 100)) }
        for i in 0..<40 { _ = try agent.submit(Fixtures.request(summary: "Arrived during the fault \(i)", context: big)) }
        try second.waitFor("41 pending")
        try second.waitFor("cache unavailable")
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(before, .approve).status, 200)
        try second.waitFor("40 pending")
        try eventually("the resolved action left the queue") { try !second.screen().contains("Cached before the fault") }
        // A full record is read back from the cache that took over (the queue keeps only rows).
        try second.send("Enter")
        try second.waitFor("Justification")
        try second.waitFor("payload payload")
        try second.send("Escape")
        try second.waitFor("40 pending")
        // The history view reads the in-memory cache that took over: what arrived during the fault is there.
        try second.send("H")
        try second.waitFor("STATUS")
        try second.waitFor("Arrived during the fault")
        try second.send("q")
        try second.waitFor("40 pending")
        try second.send("?")
        try second.waitFor("Keys, from the key map")
        try second.send("q")
        try second.send("q")
        try eventually("the console quit") { try !second.screen().contains("Arrived during the fault") }

        try directory.makeWritable(history)
        let check = try Shell.run(["sqlite3", history, "PRAGMA integrity_check;"], "sqlite3 integrity_check")
        XCTAssertEqual(check.trimmingCharacters(in: .whitespacesAndNewlines), "ok", "the cache is intact")
        let count = try Shell.run(["sqlite3", history, "SELECT count(*) FROM sqlite_master;"], "sqlite3 schema")
        XCTAssertGreaterThan(Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0, "the cache still has its tables")
        XCTAssertNotNil(SecretCorpusTests.bytes(ofFilesStartingWith: history).firstRange(of: Array(before.id.utf8)), "what was stored is still there")
    }

    func testAReadOnlyCacheLeavesTheConsoleWorkingFromMemoryAndIntact() throws {
        try checkTheConsoleSurvives(.readOnly)
    }

    func testAFullDiskLeavesTheConsoleWorkingFromMemoryAndTheCacheIntact() throws {
        try checkTheConsoleSurvives(.full)
    }

    func testADiskFillingUpWhileTheConsoleRunsLeavesItWorkingFromMemoryAndTheCacheIntact() throws {
        try checkTheConsoleSurvives(.fillsWhileRunning)
    }
}
