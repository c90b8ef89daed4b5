import Foundation
import GRDB
import TollgateCore

/// Audit records, kept per chain. A chain is named by its first record's hash, which the
/// server reports, not by the URL it was fetched from: `http://127.0.0.1:8470/` and
/// `http://localhost:8470` share one chain, and a new database behind the same URL is another.
extension HistoryStore {
    /// Saves records fetched from `/v1/audit` into the chain named `firstHash`. Idempotent by
    /// sequence number: a record already stored for that chain and `seq` is kept as it is.
    public func appendAudit(_ records: [AuditRecord], chain firstHash: String) throws {
        guard !records.isEmpty else { return }
        let encoded: [(Int64, String)]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoded = try records.map { ($0.seq, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        } catch {
            throw StoreError(.invalidData, path: path, detail: "cannot encode an audit record: \(error)")
        }
        try write("saving \(records.count) audit records of chain \(firstHash)") { db in
            let chainID = try Self.chainID(db, firstHash: firstHash)
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO audit_record(chain_id, seq, json) VALUES (?, ?, ?)")
            for (seq, json) in encoded {
                try insert.execute(arguments: [chainID, seq, json])
            }
        }
    }

    /// Every stored record of the chain `firstHash`, by sequence number, ready for `AuditChain.firstBreak`.
    public func auditRecords(chain firstHash: String) throws -> [AuditRecord] {
        let rows = try read("reading audit records of chain \(firstHash)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.seq, a.json FROM audit_record a JOIN audit_chain c ON c.id = a.chain_id
                    WHERE c.first_hash = ? ORDER BY a.seq
                    """, arguments: [firstHash]
            ).map { (try $0.decode(Int64.self, atIndex: 0), try $0.decode(String.self, atIndex: 1)) }
        }
        let decoder = JSONDecoder()
        return try rows.map { seq, json in
            do {
                return try decoder.decode(AuditRecord.self, fromUntrusted: Data(json.utf8))
            } catch {
                throw StoreError.wrapping(error, path: path, operation: "reading audit record \(seq) of chain \(firstHash)")
            }
        }
    }

    /// The highest stored sequence number of the chain `firstHash`, 0 when there is none: fetch after it.
    public func lastAuditSeq(chain firstHash: String) throws -> Int64 {
        try read("reading the audit position of chain \(firstHash)") { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(a.seq) FROM audit_record a JOIN audit_chain c ON c.id = a.chain_id WHERE c.first_hash = ?
                    """, arguments: [firstHash]) ?? 0
        }
    }

    /// The chain last seen at `server` (the URL as typed), to verify offline and to notice
    /// when the server behind a URL has a different chain.
    public func auditChain(server: String) throws -> String? {
        try read("reading the audit chain of \(server)") { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT c.first_hash FROM server s JOIN audit_chain c ON c.id = s.audit_chain_id WHERE s.url = ?
                    """, arguments: [server])
        }
    }

    /// Records that `server` now serves the chain `firstHash`.
    public func setAuditChain(_ firstHash: String, server: String) throws {
        try write("saving the audit chain of \(server)") { db in
            let chainID = try Self.chainID(db, firstHash: firstHash)
            let serverID = try Self.serverID(db, url: server)
            try db.execute(sql: "UPDATE server SET audit_chain_id = ? WHERE id = ?", arguments: [chainID, serverID])
        }
    }

    private static func chainID(_ db: Database, firstHash: String) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO audit_chain(first_hash) VALUES (?)", arguments: [firstHash])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM audit_chain WHERE first_hash = ?", arguments: [firstHash]) else {
            throw StoreError(.invalidData, path: "", detail: "audit chain \(firstHash) vanished while being saved")
        }
        return id
    }
}
