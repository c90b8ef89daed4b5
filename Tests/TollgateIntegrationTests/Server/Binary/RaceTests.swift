import Foundation
import TollgateCore
import XCTest

/// Concurrent decisions are serialised: exactly one resolves the action, the other gets 409.
class RaceTests: LedgerBackendTestCase {
    func testFiftyRacesOfTwoApproversEachRecordExactlyOneDecision() throws {
        let sandbox = try Sandbox(self)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let contenders = [("alice", try sandbox.token("alice")), ("bob", try sandbox.token("bob"))]
        var wins: [String: Int] = [:]

        for round in 0..<50 {
            let action = try agent.submit(Fixtures.request(summary: "race \(round)"))
            // Alternate verdicts so approve/approve, approve/deny and deny/deny all race.
            let verdicts: [Verdict] = [round % 2 == 0 ? .approve : .deny, round % 3 == 0 ? .approve : .deny]
            var race = SimultaneousRequests()
            for (i, (_, token)) in contenders.enumerated() {
                let body = Fixtures.json(DecisionRequest(verdict: verdicts[i], reason: "round \(round)", digest: action.digest))
                race.add(port: server.port, "POST", "/v1/actions/\(action.id)/decisions", token: token, body: body)
            }
            let responses = try race.send()

            let winners = responses.indices.filter { responses[$0].status == 200 }
            XCTAssertEqual(winners.count, 1, "round \(round): exactly one decision wins; got \(responses.map(\.status))")
            guard let winner = winners.first else { continue }
            let loser = responses[1 - winner]
            let error = try assertProtocolError(loser, .alreadyResolved)
            let carried = try XCTUnwrap(error.action, "round \(round): the 409 carries the action")
            let stored = try agent.action(action.id)
            XCTAssertEqual(stored.decisions.count, 1, "round \(round): one decision recorded")
            XCTAssertEqual(stored.decisions.first?.approver, contenders[winner].0)
            XCTAssertEqual(stored.status, verdicts[winner] == .approve ? .approved : .denied)
            XCTAssertEqual(carried, stored, "round \(round): the loser sees the action as the winner left it")
            XCTAssertEqual(try responses[winner].action(), stored)
            wins[contenders[winner].0, default: 0] += 1
        }
        XCTAssertEqual(wins.values.reduce(0, +), 50)
    }
}
