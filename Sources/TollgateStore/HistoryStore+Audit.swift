import Foundation
import GRDB
import TollgateCore

extension HistoryStore {
    /// Saves records fetched from `/v1/audit`. Idempotent by sequence number: a record
    /// already stored for that server and `seq` is kept as it is.
    public func appendAudit(_ records: [AuditRecord], server: String) throws {
        guard !records.isEmpty else { return }
        let encoded: [(Int64, String)]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoded = try records.map { ($0.seq, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        } catch {
            throw StoreError(.invalidData, path: path, detail: "cannot encode an audit record: \(error)")
        }
        try write("saving \(records.count) audit records from \(server)") { db in
            let serverID = try Self.serverID(db, url: server)
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO audit(server_id, seq, json) VALUES (?, ?, ?)")
            for (seq, json) in encoded {
                try insert.execute(arguments: [serverID, seq, json])
            }
        }
    }

    /// Every stored audit record of `server`, by sequence number, ready for `AuditChain.firstBreak`.
    public func auditRecords(server: String) throws -> [AuditRecord] {
        let rows = try read("reading audit records of \(server)") { db in
            try Row.fetchAll(db, sql: """
                SELECT a.seq, a.json FROM audit a JOIN server s ON s.id = a.server_id
                WHERE s.url = ? ORDER BY a.seq
                """, arguments: [server]).map { (try $0.decode(Int64.self, atIndex: 0), try $0.decode(String.self, atIndex: 1)) }
        }
        let decoder = JSONDecoder()
        return try rows.map { seq, json in
            do {
                return try decoder.decode(AuditRecord.self, fromUntrusted: Data(json.utf8))
            } catch {
                throw StoreError.wrapping(error, path: path, operation: "reading audit record \(seq) of \(server)")
            }
        }
    }

    /// The highest stored audit sequence number of `server`, 0 when there is none: fetch after it.
    public func lastAuditSeq(server: String) throws -> Int64 {
        try read("reading the audit position of \(server)") { db in
            try Int64.fetchOne(db, sql: """
                SELECT max(a.seq) FROM audit a JOIN server s ON s.id = a.server_id WHERE s.url = ?
                """, arguments: [server]) ?? 0
        }
    }
}
