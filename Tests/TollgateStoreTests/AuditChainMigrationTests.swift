import Foundation
import GRDB
import TollgateCore
import XCTest

@testable import TollgateStore

/// A cache from before audit chains were named by their first record: its records, kept per
/// URL as typed, become one chain per first record, and each URL remembers it.
final class AuditChainMigrationTests: XCTestCase {
    func testRecordsKeptPerURLSpellingBecomeOneChainTheURLsShare() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-audit-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let chain = AuditAndFeedPositionTests.chain(count: 3)
        let other = AuditAndFeedPositionTests.chain(count: 2, reason: "another database")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v1: actions, search, decisions, outbox, audit")
            try old.write { db in
                // Two spellings of one server fetched the same chain, in part; a third URL another.
                let rows: [(String, [AuditRecord])] = [
                    ("http://127.0.0.1:8470/", chain), ("http://localhost:8470", Array(chain[0..<2])),
                    ("https://gate-b.example", other),
                ]
                for (id, (url, records)) in rows.enumerated() {
                    try db.execute(sql: "INSERT INTO server(id, url) VALUES (?, ?)", arguments: [id + 1, url])
                    for record in records {
                        try db.execute(
                            sql: "INSERT INTO audit(server_id, seq, json) VALUES (?, ?, ?)",
                            arguments: [id + 1, record.seq, String(decoding: try encoder.encode(record), as: UTF8.self)])
                    }
                }
            }
        }
        let store = try HistoryStore(path: path)
        XCTAssertEqual(try store.auditChain(server: "http://127.0.0.1:8470/"), chain[0].hash)
        XCTAssertEqual(try store.auditChain(server: "http://localhost:8470"), chain[0].hash, "both spellings share the chain")
        XCTAssertEqual(try store.auditChain(server: "https://gate-b.example"), other[0].hash)
        XCTAssertEqual(try store.auditRecords(chain: chain[0].hash), chain)
        XCTAssertEqual(try store.auditRecords(chain: other[0].hash), other)
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }
}
