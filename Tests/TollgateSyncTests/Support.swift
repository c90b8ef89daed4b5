import Foundation
import GRDB
import Synchronization
import TollgateCore
import XCTest

/// A cache file in a folder of its own, and faults injected into it behind the store's back.
struct CacheFile {
    let path: String

    init(_ test: XCTestCase) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        path = directory.appendingPathComponent("history.sqlite").path
    }

    /// Every insert into and update of `table` fails from now on; reads still work.
    func failWrites(to table: String) throws {
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE TRIGGER fail_insert_\(table) BEFORE INSERT ON \(table) BEGIN SELECT RAISE(FAIL, 'injected write fault'); END")
            try db.execute(sql: "CREATE TRIGGER fail_update_\(table) BEFORE UPDATE ON \(table) BEGIN SELECT RAISE(FAIL, 'injected write fault'); END")
        }
    }

    /// `table` is gone from now on: every read and write of it fails.
    func remove(_ table: String) throws {
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "ALTER TABLE \(table) RENAME TO \(table)_gone") }
    }
}

/// What a component reported, collected for assertions.
final class Reports: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func record(_ line: String) { lines.withLock { $0.append(line) } }
}

enum Fixture {
    static let server = "http://127.0.0.1:9"
    static let t0 = Timestamp(milliseconds: 1_790_000_000_000)

    /// A pending action with everything a full record has: context, diffs, justification.
    static func action(_ id: String, summary: String? = nil) -> Action {
        Action(
            id: id, status: .pending, createdAt: t0, expiresAt: t0.adding(seconds: 3600), resolvedAt: nil,
            requester: Requester(id: "agent-1", kind: .agent, onBehalfOf: nil, session: nil),
            kind: "db.query", summary: summary ?? "action \(id)", command: "psql -c 'select 1'", resource: nil,
            environment: "production", risk: .high, policy: Policy(id: "p1", reason: "needs a human"),
            justification: "nightly", context: [], diffs: [ActionDiff(title: "t", text: "@@ -1 +1 @@\n-a\n+b\n")],
            requiredApprovals: 1, decisions: [], digest: "sha256:" + String(repeating: "a", count: 64))
    }
}
