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
        try store.appendAudit(Array(chain[0..<3]), server: Fixture.serverA)
        try store.appendAudit(Array(chain[0..<3]), server: Fixture.serverA)
        try store.appendAudit(Array(chain[1..<5]).reversed(), server: Fixture.serverA)

        let stored = try store.auditRecords(server: Fixture.serverA)
        XCTAssertEqual(stored, chain)
        XCTAssertNil(AuditChain.firstBreak(in: stored))
        XCTAssertEqual(try store.lastAuditSeq(server: Fixture.serverA), 5)
    }

    func testARecordAlreadyStoredIsNotReplaced() throws {
        let chain = Self.chain(count: 2)
        try store.appendAudit(chain, server: Fixture.serverA)
        var forged = chain[1]
        forged.status = .approved
        try store.appendAudit([forged], server: Fixture.serverA)
        XCTAssertEqual(try store.auditRecords(server: Fixture.serverA), chain)
    }

    func testServersHaveSeparateChains() throws {
        try store.appendAudit(Self.chain(count: 3), server: Fixture.serverA)
        try store.appendAudit(Self.chain(count: 1), server: Fixture.serverB)
        XCTAssertEqual(try store.auditRecords(server: Fixture.serverA).count, 3)
        XCTAssertEqual(try store.auditRecords(server: Fixture.serverB).count, 1)
        XCTAssertEqual(try store.lastAuditSeq(server: Fixture.serverB), 1)
        XCTAssertEqual(try store.lastAuditSeq(server: "https://unknown.example"), 0)
        XCTAssertEqual(try store.auditRecords(server: "https://unknown.example"), [])
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
    private static func chain(count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var prev = AuditRecord.genesis
        for seq in 1...count {
            let action = Fixture.action("audited-\(seq)", minutes: Int64(seq), status: .denied,
                                        decisions: [Fixture.decision("bob", .deny, reason: "no")])
            let record = AuditRecord(seq: Int64(seq), action: action, prev: prev)
            records.append(record)
            prev = record.hash
        }
        return records
    }
}
