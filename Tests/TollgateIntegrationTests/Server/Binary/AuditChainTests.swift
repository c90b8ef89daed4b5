import Foundation
import TollgateCore
import XCTest

/// `GET /v1/audit`: a hash chain of resolutions that verifies offline and betrays tampering.
class AuditChainTests: LedgerBackendTestCase {
    func testTheAuditChainVerifiesAndATamperedRecordIsDetected() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig)
        var server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let approved = try agent.submit(Fixtures.request(summary: "approve me"))
        let denied = try agent.submit(Fixtures.request(summary: "deny me"))
        let cancelled = try agent.submit(Fixtures.request(summary: "cancel me"))
        let expired = try agent.submit(Fixtures.request(summary: "forget me", ttl: 1))
        XCTAssertEqual(try sandbox.client(server, as: "alice").decide(approved, .approve).status, 200)
        XCTAssertEqual(try sandbox.client(server, as: "bob").decide(denied, .deny, reason: "no").status, 200)
        XCTAssertEqual(try agent.send("POST", "/v1/actions/\(cancelled.id)/cancel").status, 200)
        XCTAssertEqual(try agent.get("/v1/actions/\(expired.id)?wait=30").action().status, .expired)

        let records = try auditRecords(sandbox, server, after: 0)
        XCTAssertEqual(records.map(\.seq), [1, 2, 3, 4])
        XCTAssertEqual(records.map(\.actionID), [approved.id, denied.id, cancelled.id, expired.id])
        XCTAssertEqual(records.map(\.status), [.approved, .denied, .cancelled, .expired])
        XCTAssertEqual(records.first?.prev, AuditRecord.genesis)
        XCTAssertEqual(records.map(\.digest), [approved.digest, denied.digest, cancelled.digest, expired.digest])
        XCTAssertNil(AuditChain.firstBreak(in: records), "the chain as served verifies")
        let tail = try auditRecords(sandbox, server, after: 2)
        XCTAssertEqual(tail.map(\.seq), [3, 4], "after=N serves the records after N")
        XCTAssertNil(AuditChain.firstBreak(in: tail, previousHash: records[1].hash, previousSeq: 2))
        try server.stop()

        // Rewrite history while the server is down: record 2 naively (content only), and
        // record 3 carefully (content and its own hash), which breaks the link from record 4.
        let tables = sandbox.ledgerTables
        XCTAssertEqual(
            try tables.rows(#"UPDATE audit SET json = replace(json, '"status":"denied"', '"status":"approved"') WHERE seq = 2 RETURNING seq"#), ["2"])
        XCTAssertEqual(try tables.rows(try tamperStatement(records[2])), ["3"])

        server = try sandbox.startServer()
        let tampered = try auditRecords(sandbox, server, after: 0)
        XCTAssertEqual(tampered.map(\.status), [.approved, .approved, .approved, .expired], "the server serves what is stored")
        XCTAssertEqual(AuditChain.firstBreak(in: tampered)?.seq, 2, "a record whose content changed")
        let rest = tampered[2...]
        XCTAssertEqual(
            AuditChain.firstBreak(in: rest, previousHash: tampered[1].hash, previousSeq: 2)?.seq, 4,
            "a record rehashed after its change breaks the next link")
    }

    /// The records `GET /v1/audit?after=N` serves, one JSON document per line.
    private func auditRecords(_ sandbox: Sandbox, _ server: ServerProcess, after: Int) throws -> [AuditRecord] {
        let response = try sandbox.client(server, as: "audrey").get("/v1/audit?after=\(after)")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("content-type"), "application/x-ndjson")
        return try response.text.split(separator: "\n").map { line in
            try JSONDecoder().decode(AuditRecord.self, from: Data(line.utf8))
        }
    }

    /// SQL that makes `record` say "approved" and gives it the hash of its new content.
    private func tamperStatement(_ record: AuditRecord) throws -> String {
        var forged = record
        forged.status = .approved
        forged.hash = forged.computedHash
        let json = String(decoding: try JSONEncoder().encode(forged), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
        return "UPDATE audit SET json = '\(json)', hash = '\(forged.hash)' WHERE seq = \(record.seq) RETURNING seq"
    }

}
