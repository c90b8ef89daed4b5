import Foundation
import Glibc
import XCTest

/// A database restored from a backup with a wide mode, its `-wal` and `-shm` too: the server
/// makes all three owner-only before SQLite opens any, and keeps the data. (The history cache
/// uses the same helper; `OpeningTests` holds it to the same modes.)
final class SQLiteFileModeTests: XCTestCase {
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    private func widen(_ path: String, to wide: mode_t) throws {
        for file in [path, path + "-wal", path + "-shm"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: file), "\(file) is there to widen")
            XCTAssertEqual(chmod(file, wide), 0, "chmod \(file)")
        }
    }

    func testTheServerTightensItsDatabaseAndBothCompanionsAndKeepsTheData() throws {
        let sandbox = try Sandbox(self)
        var server = try sandbox.startServer()
        var ids: [String] = []
        for wide: mode_t in [0o644, 0o666] {
            ids.append(try sandbox.client(server, as: "agent-1").submit(Fixtures.request(summary: "kept through mode \(wide)")).id)
            // A crash leaves the -wal (holding the last commits) and the -shm behind.
            server.kill()
            try widen(sandbox.databasePath, to: wide)
            server = try sandbox.startServer()
            for file in [sandbox.databasePath, sandbox.databasePath + "-wal", sandbox.databasePath + "-shm"] {
                XCTAssertEqual(mode(file), 0o600, "\(file) was \(String(wide, radix: 8)), is owner-only once the server runs")
            }
            let client = try sandbox.client(server, as: "alice")
            for id in ids { XCTAssertEqual(try client.action(id).id, id, "\(id) survived") }
        }
    }
}
