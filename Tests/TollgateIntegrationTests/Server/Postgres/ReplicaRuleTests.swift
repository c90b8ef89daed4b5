import Foundation
import TollgateCore
import XCTest

/// The decision rules hold across `tollgate serve` replicas on one PostgreSQL database as on
/// one server: a quorum reached on two replicas at once resolves once, one Idempotency-Key
/// makes one action, two replicas sweeping expire each action once, and no spelling of the
/// requester may approve on the other replica.
final class ReplicaRuleTests: XCTestCase {
    func testTwoApprovalsOnTwoReplicasAtTheSameInstantResolveEachActionOnce() throws {
        let sandbox = try Sandbox(self, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        let feeds = try [a, b].map { try FeedStream(port: $0.port, token: try sandbox.token("audrey")) }
        for feed in feeds { _ = try feed.readUntilSync() }
        let agents = [try sandbox.client(a, as: "agent-1"), try sandbox.client(b, as: "agent-1")]

        var actions: [Action] = []
        for round in 0..<20 {
            let action = try agents[round % 2].submit(Fixtures.request(summary: "quorum \(round)", approvals: 2))
            actions.append(action)
            // Every fifth round bob denies instead: a denial racing an approval resolves once too.
            let bobs: Verdict = round % 5 == 4 ? .deny : .approve
            var race = SimultaneousRequests()
            for (server, approver, verdict) in [(a, "alice", Verdict.approve), (b, "bob", bobs)] {
                let body = Fixtures.json(DecisionRequest(verdict: verdict, reason: "round \(round)", digest: action.digest))
                race.add(port: server.port, "POST", "/v1/actions/\(action.id)/decisions", token: try sandbox.token(approver), body: body)
            }
            let responses = try race.send()
            let (alices, bobsAnswer) = (responses[0], responses[1])
            let stored = try agents[0].action(action.id)
            XCTAssertEqual(bobsAnswer.status, 200, "round \(round): \(bobsAnswer.text)")
            if bobs == .approve {
                XCTAssertEqual(alices.status, 200, "round \(round): \(alices.text)")
                XCTAssertEqual(stored.status, .approved, "round \(round): both approvals count")
                XCTAssertEqual(Set(stored.decisions.map(\.approver)), ["alice", "bob"], "round \(round)")
            } else {
                XCTAssertEqual(stored.status, .denied, "round \(round)")
                // Alice's approval came first and counted, or came after the denial and was refused.
                let expected = alices.status == 200 ? ["alice", "bob"] : ["bob"]
                if alices.status != 200 { try assertProtocolError(alices, .alreadyResolved) }
                XCTAssertEqual(stored.decisions.map(\.approver), expected, "round \(round)")
            }
        }
        let last = try agents[1].submit(Fixtures.request(summary: "after the races"))

        // One resolution per action on both feeds, and one audit record per action.
        for (name, feed) in zip(["A", "B"], feeds) {
            let seen = try feed.waitForAction { $0.id == last.id }.before
            let resolutions = Dictionary(grouping: seen.filter { $0.action.status.isResolved }, by: \.action.id).mapValues(\.count)
            XCTAssertEqual(resolutions, Dictionary(uniqueKeysWithValues: actions.map { ($0.id, 1) }), "\(name)'s feed")
        }
        XCTAssertEqual(
            try sandbox.ledgerTables.rows("SELECT action_id, count(*) FROM audit GROUP BY action_id ORDER BY action_id"),
            actions.map { "\($0.id)|1" }.sorted())
        let auditor = [try sandbox.client(a, as: "audrey"), try sandbox.client(b, as: "audrey")]
        let served = try auditor.map { try $0.get("/v1/audit?after=0").text }
        XCTAssertEqual(served[0], served[1], "both replicas serve one chain")
        XCTAssertEqual(served[0].split(separator: "\n").count, 20)

        // `tollgate audit verify` accepts the chain from either replica, each with a cache of its own.
        var verdicts: [String] = []
        for (name, server) in [("A", a), ("B", b)] {
            let run = try TollgateBinary.run(
                ["audit", "verify", "--db", sandbox.historyPath("verify-\(name)")] + sandbox.connection(server, as: "audrey"), in: sandbox.directory)
            XCTAssertEqual(run.status, 0, "\(name): \(run.stdout)\(run.stderr)")
            XCTAssertTrue(run.stdout.hasPrefix("audit chain intact: 20 records (20 new), last hash sha256:"), "\(name): \(run.stdout)")
            verdicts.append(run.stdout)
        }
        XCTAssertEqual(verdicts[0], verdicts[1], "the same chain, to the last hash")
    }

    func testOneIdempotencyKeySentToBothReplicasAtOnceMakesOneAction() throws {
        let sandbox = try Sandbox(self, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        let token = try sandbox.token("agent-1")
        var ids: [String] = []
        for round in 0..<20 {
            let key = UUID().uuidString
            let body = Fixtures.json(Fixtures.request(summary: "retried \(round)"))
            var race = SimultaneousRequests()
            for server in [a, b] { race.add(port: server.port, "POST", "/v1/actions", token: token, body: body, headers: [("Idempotency-Key", key)]) }
            let responses = try race.send()
            XCTAssertEqual(responses.map(\.status), [201, 201], "round \(round): \(responses.map(\.text))")
            let answered = try responses.map { try $0.action().id }
            XCTAssertEqual(answered[0], answered[1], "round \(round): both answers are the one action")
            ids.append(answered[0])
        }
        XCTAssertEqual(try sandbox.ledgerTables.rows("SELECT id FROM actions ORDER BY id"), ids.sorted(), "one action per key")
        XCTAssertEqual(try sandbox.ledgerTables.rows("SELECT count(*) FROM events"), ["20"], "one event per key")
    }

    func testTwoReplicasSweepingExpireEachActionOnce() throws {
        let sandbox = try Sandbox(self, config: Sandbox.quickExpiryConfig, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        let feeds = try [a, b].map { try FeedStream(port: $0.port, token: try sandbox.token("audrey")) }
        for feed in feeds { _ = try feed.readUntilSync() }
        let agents = [try sandbox.client(a, as: "agent-1"), try sandbox.client(b, as: "agent-1")]
        let actions = try (0..<30).map { try agents[$0 % 2].submit(Fixtures.request(summary: "short-lived \($0)", ttl: 1)) }

        // Both replicas frozen until every action is due, so that they wake to the same pile and
        // sweep it at the same moment.
        a.suspend()
        b.suspend()
        try eventually("every action is due") {
            try sandbox.ledgerTables.rows(
                "SELECT count(*) FROM actions WHERE status = 'pending' AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint") == ["0"]
        }
        a.resume()
        b.resume()
        try eventually("every action expired") { try sandbox.ledgerTables.rows("SELECT count(*) FROM actions WHERE status = 'expired'") == ["30"] }
        let last = try agents[0].submit(Fixtures.request(summary: "after the sweeps"))

        for (name, feed) in zip(["A", "B"], feeds) {
            let seen = try feed.waitForAction { $0.id == last.id }.before
            let expiries = Dictionary(grouping: seen.filter { $0.action.status == .expired }, by: \.action.id).mapValues(\.count)
            XCTAssertEqual(expiries, Dictionary(uniqueKeysWithValues: actions.map { ($0.id, 1) }), "\(name)'s feed: one expired event each")
        }
        XCTAssertEqual(
            try sandbox.ledgerTables.rows("SELECT action_id, count(*) FROM audit GROUP BY action_id ORDER BY action_id"),
            actions.map { "\($0.id)|1" }.sorted(), "one audit record each")
    }

    func testNoSpellingOfTheRequesterMayDecideOnTheOtherReplica() throws {
        let sandbox = try Sandbox(self, principals: IdentitySpellingTests.principals, database: try PostgresCluster.running().makeDatabase(self))
        let (a, b) = (try sandbox.startServer(), try sandbox.startServer())
        var cases: [(approver: String, what: String, action: Action)] = []
        let agent = try sandbox.client(a, as: "agent-1")
        for (approver, spelling) in IdentitySpellingTests.selfApprovalCases {
            let action = try agent.submit(Fixtures.request(summary: "for \(spelling.debugDescription)", onBehalfOf: spelling))
            cases.append((approver, "on behalf of \(spelling.debugDescription)", action))
        }
        cases.append(("dual", "its own request", try sandbox.client(a, as: "dual").submit(Fixtures.request(summary: "dual's own"))))
        for (approver, what, action) in cases {
            let onB = try sandbox.client(b, as: approver)
            for (verdict, reason) in [(Verdict.approve, ""), (.deny, "mine")] {
                let response = try onB.decide(action, verdict, reason: reason)
                XCTAssertEqual(response.status, 403, "\(approver) \(verdict) \(what) on B: \(response.text)")
                XCTAssertEqual(try? response.decode(ProtocolError.self).code, .selfApproval, "\(approver) \(what)")
            }
        }
        // Nothing was recorded, and someone else may still decide each one, on either replica.
        for (n, (_, what, action)) in cases.enumerated() {
            let bob = try sandbox.client(n % 2 == 0 ? a : b, as: "bob")
            XCTAssertEqual(try bob.action(action.id).decisions, [], what)
            XCTAssertEqual(try bob.decide(action, .approve).status, 200, what)
        }
    }
}
