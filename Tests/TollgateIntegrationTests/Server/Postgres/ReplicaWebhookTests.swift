import Foundation
import TollgateCore
import XCTest

/// Webhooks across `tollgate serve` replicas on one PostgreSQL database: every delivery is sent
/// by one replica, once, whichever replica committed it, and an escalation fires once however
/// many replicas sweep.
final class ReplicaWebhookTests: XCTestCase {
    func testEachDeliveryIsSentOnceByOneOfTheReplicas() throws {
        let receiver = try WebhookReceiver(self)
        let config =
            Sandbox.quickExpiryConfig + """

                [[notify]]
                id = "pager"
                url = "\(receiver.url)"
                events = ["pending", "escalation"]
                escalate_before_seconds = 2
                """
        let sandbox = try Sandbox(self, config: config, database: try PostgresCluster.running().makeDatabase(self))
        let replicas = [try sandbox.startServer(), try sandbox.startServer(), try sandbox.startServer()]
        var ids: [String] = []
        for n in 0..<30 {
            // A few with a short life, for the three replicas' escalation sweeps to race on.
            let ttl = n % 10 == 0 ? 4 : nil
            ids.append(try sandbox.client(replicas[n % 3], as: "agent-1").submit(Fixtures.request(summary: "export \(n)", ttl: ttl)).id)
        }
        let escalating = ids.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        try eventually(timeout: 60, "every pending and escalation delivery arrives", { "\(receiver.received.count) received" }) {
            receiver.received.filter { $0.event == "pending" }.count >= ids.count
                && receiver.received.filter { $0.event == "escalation" }.count >= escalating.count
        }
        // Past the short-lived actions' expiry the sweeps have had every chance to fire again.
        for id in escalating {
            try eventually(timeout: 30, "\(id) expires") { try sandbox.client(replicas[0], as: "alice").action(id).status == .expired }
        }
        try eventually("the outbox is empty") { try sandbox.ledgerTables.rows("SELECT count(*) FROM outbox") == ["0"] }
        let received = receiver.received
        let byDelivery = Dictionary(grouping: received, by: { $0.deliveryID ?? "" }).mapValues(\.count)
        XCTAssertEqual(byDelivery.values.filter { $0 > 1 }.count, 0, "no delivery sent twice: \(byDelivery.filter { $0.value > 1 })")
        let pending = try received.filter { $0.event == "pending" }.map { try $0.action().id }
        XCTAssertEqual(pending.sorted(), ids.sorted(), "one pending delivery per action")
        let escalations = try received.filter { $0.event == "escalation" }.map { try $0.action().id }
        XCTAssertEqual(escalations.sorted(), escalating.sorted(), "one escalation per short-lived action, across three sweeping replicas")
    }
}
