import TollgateCore
import TollgateStore
import XCTest

/// The audit chain per server, stored idempotently, and the feed position per server.
final class AuditAndFeedPositionTests: XCTestCase {
    private var store: HistoryStore!

    override func setUpWithError() throws { store = try HistoryStore.inMemory() }

    // MARK: - Audit

    func testAppendIsIdempotentBySeqAndKeepsTheChainVerifiable() throws {
        let chain = Self.chain(count: 5)
        let name = chain[0].hash
        try store.appendAudit(Array(chain[0..<3]), chain: name)
        try store.appendAudit(Array(chain[0..<3]), chain: name)
        try store.appendAudit(Array(chain[1..<5]).reversed(), chain: name)

        let stored = try store.auditRecords(chain: name)
        XCTAssertEqual(stored, chain)
        XCTAssertNil(AuditChain.firstBreak(in: stored))
        XCTAssertEqual(try store.lastAuditSeq(chain: name), 5)
    }

    func testARecordAlreadyStoredIsNotReplaced() throws {
        let chain = Self.chain(count: 2)
        try store.appendAudit(chain, chain: chain[0].hash)
        var forged = chain[1]
        forged.status = .approved
        try store.appendAudit([forged], chain: chain[0].hash)
        XCTAssertEqual(try store.auditRecords(chain: chain[0].hash), chain)
    }

    func testChainsAreSeparateAndEachURLRemembersTheChainItServes() throws {
        let long = Self.chain(count: 3)
        let other = Self.chain(count: 1, reason: "another database")
        XCTAssertNotEqual(long[0].hash, other[0].hash)
        try store.appendAudit(long, chain: long[0].hash)
        try store.appendAudit(other, chain: other[0].hash)
        XCTAssertEqual(try store.auditRecords(chain: long[0].hash).count, 3)
        XCTAssertEqual(try store.auditRecords(chain: other[0].hash).count, 1)
        XCTAssertEqual(try store.lastAuditSeq(chain: other[0].hash), 1)
        XCTAssertEqual(try store.lastAuditSeq(chain: "sha256:unknown"), 0)
        XCTAssertEqual(try store.auditRecords(chain: "sha256:unknown"), [])

        XCTAssertNil(try store.auditChain(server: Fixture.serverA))
        try store.setAuditChain(long[0].hash, server: Fixture.serverA)
        try store.setAuditChain(long[0].hash, server: Fixture.serverB)
        XCTAssertEqual(try store.auditChain(server: Fixture.serverA), long[0].hash)
        XCTAssertEqual(try store.auditChain(server: Fixture.serverB), long[0].hash, "two URLs, one chain")
        try store.setAuditChain(other[0].hash, server: Fixture.serverA)
        XCTAssertEqual(try store.auditChain(server: Fixture.serverA), other[0].hash, "the URL now serves another chain")
        XCTAssertEqual(try store.auditRecords(chain: long[0].hash).count, 3, "the chain verified before is kept")
    }

    // MARK: - Feed position

    func testLastEventIDIsPerServer() throws {
        XCTAssertNil(try store.lastEventID(server: Fixture.serverA))
        try store.setLastEventID(17, server: Fixture.serverA)
        try store.setLastEventID(3, server: Fixture.serverB)
        try store.setLastEventID(18, server: Fixture.serverA)
        XCTAssertEqual(try store.lastEventID(server: Fixture.serverA), 18)
        XCTAssertEqual(try store.lastEventID(server: Fixture.serverB), 3)
        XCTAssertNil(try store.lastEventID(server: "https://unknown.example"))
    }

    func testSavingActionsDoesNotTouchTheFeedPosition() throws {
        try store.setLastEventID(5, server: Fixture.serverA)
        try store.upsert([Fixture.action("a1")], server: Fixture.serverA)
        XCTAssertEqual(try store.lastEventID(server: Fixture.serverA), 5)
        try store.upsert([Fixture.action("b1")], server: Fixture.serverB)
        XCTAssertNil(try store.lastEventID(server: Fixture.serverB))
    }

    /// `count` linked records, each resolving its own action.
    static func chain(count: Int, reason: String = "no") -> [AuditRecord] {
        var records: [AuditRecord] = []
        var prev = AuditRecord.genesis
        for seq in 1...count {
            let action = Fixture.action(
                "audited-\(seq)", minutes: Int64(seq), status: .denied,
                decisions: [Fixture.decision("bob", .deny, reason: reason)])
            let record = AuditRecord(seq: Int64(seq), action: action, prev: prev)
            records.append(record)
            prev = record.hash
        }
        return records
    }
}
