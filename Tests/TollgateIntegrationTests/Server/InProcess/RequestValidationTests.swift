import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// 400 `bad_request` naming the field at fault, and 413 `too_large` from the Content-Length.
class RequestValidationTests: LedgerBackendTestCase {
    func testMalformedSubmissionsAre400NamingTheField() async throws {
        let valid = #""kind":"data.export","summary":"Export""#
        let cases: [(body: String, field: String)] = [
            (#"{"kind":"data.export"}"#, "summary"),
            (#"{"summary":"Export"}"#, "kind"),
            ("{\(valid),\"required_approvals\":\"two\"}", "required_approvals"),
            ("{\(valid),\"required_approvals\":0}", "required_approvals"),
            ("{\(valid),\"required_approvals\":11}", "required_approvals"),
            ("{\(valid),\"risk\":\"extreme\"}", "risk"),
            (#"{"kind":"Data Export","summary":"Export"}"#, "kind"),
            (#"{"kind":"data..export","summary":"Export"}"#, "kind"),
            (#"{"kind":"data.export","summary":"   "}"#, "summary"),
            ("{\(valid),\"ttl_seconds\":0}", "ttl_seconds"),
            ("{\(valid),\"ttl_seconds\":99999999}", "ttl_seconds"),
            ("{\(valid),\"context\":[{\"key\":1,\"value\":\"x\"}]}", "context"),
            ("{\(valid),\"context\":{\"key\":\"k\"}}", "context"),
            ("{\(valid),\"diffs\":[{\"title\":\"t\",\"format\":\"html\",\"text\":\"x\"}]}", "diffs"),
            ("{\(valid),\"policy\":{\"id\":\"\",\"reason\":\"r\"}}", "policy"),
            ("{\(valid),\"command\":42}", "command"),
        ]
        try await InProcessServer.make(self).run { api in
            for (body, field) in cases {
                let response = try await api.send(.post, "/v1/actions", as: "agent-1", body: Fixtures.bytes(body))
                let error = try assertProtocolError(response, .badRequest)
                XCTAssertTrue(error.message.contains(field), "\(body) → \(error.message) should name \(field)")
            }
            for body in ["", "not json", "[1,2]", "{\"kind\":", "null"] {
                try assertProtocolError(try await api.send(.post, "/v1/actions", as: "agent-1", body: Fixtures.bytes(body)), .badRequest)
            }
            let list = try await api.get("/v1/actions", as: "audrey").decode(Page.self)
            XCTAssertEqual(list.actions, [], "nothing malformed was stored")
        }
    }

    func testMalformedDecisionsAndQueriesAre400NamingTheField() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let decisions: [(String, String)] = [
                (#"{"verdict":"approve","reason":"ok"}"#, "digest"),
                ("{\"verdict\":\"maybe\",\"reason\":\"ok\",\"digest\":\"\(action.digest)\"}", "verdict"),
                ("{\"reason\":\"ok\",\"digest\":\"\(action.digest)\"}", "verdict"),
                ("{\"verdict\":\"deny\",\"reason\":7,\"digest\":\"\(action.digest)\"}", "reason"),
                ("{\"verdict\":\"deny\",\"reason\":\"\(String(repeating: "x", count: 5000))\",\"digest\":\"\(action.digest)\"}", "reason"),
            ]
            for (body, field) in decisions {
                let response = try await api.send(.post, "/v1/actions/\(action.id)/decisions", as: "alice", body: Fixtures.bytes(body))
                let error = try assertProtocolError(response, .badRequest)
                XCTAssertTrue(error.message.contains(field), "\(body.prefix(80)) → \(error.message) should name \(field)")
            }
            let queries: [(String, String)] = [
                ("/v1/actions/\(action.id)?wait=abc", "wait"),
                ("/v1/actions/\(action.id)?wait=61", "wait"),
                ("/v1/actions/\(action.id)?wait=-1", "wait"),
                ("/v1/actions?status=bogus", "status"),
                ("/v1/actions?limit=0", "limit"),
                ("/v1/actions?limit=many", "limit"),
                ("/v1/actions?since=yesterday", "since"),
                ("/v1/actions?cursor=%21%21%21", "cursor"),
                ("/v1/audit?after=x", "after"),
            ]
            for (path, field) in queries {
                let error = try assertProtocolError(try await api.get(path, as: "alice"), .badRequest)
                XCTAssertTrue(error.message.contains(field), "\(path) → \(error.message) should name \(field)")
            }
            let badKey = try await api.send(
                .post, "/v1/actions", as: "agent-1", body: Fixtures.json(Fixtures.request()),
                headers: ["Idempotency-Key": "has spaces in it"])
            XCTAssertTrue(try assertProtocolError(badKey, .badRequest).message.contains("Idempotency-Key"))
            let recorded = try await api.action(action.id).decisions
            XCTAssertEqual(recorded, [])
        }
    }

    func testABodyOverTheLimitIs413() async throws {
        let server = try await InProcessServer.make(self) { $0.bodyLimit = 2048 }
        try await server.run { api in
            let big = Fixtures.request(
                summary: String(repeating: "s", count: 900), context: [ContextEntry(key: "blob", value: String(repeating: "x", count: 1500))])
            XCTAssertGreaterThan(Fixtures.json(big).count, 2048)
            let error = try assertProtocolError(try await api.submitResponse(big), .tooLarge)
            XCTAssertTrue(error.message.contains("2048"), "the message gives the limit: \(error.message)")

            let small = Fixtures.request(summary: String(repeating: "s", count: 900))
            XCTAssertLessThan(Fixtures.json(small).count, 2048)
            let action = try await api.submit(small)

            let hugeReason = Fixtures.json(DecisionRequest(verdict: .deny, reason: String(repeating: "r", count: 3000), digest: action.digest))
            try assertProtocolError(try await api.send(.post, "/v1/actions/\(action.id)/decisions", as: "alice", body: hugeReason), .tooLarge)
            let status = try await api.action(action.id).status
            XCTAssertEqual(status, .pending)
            let stored = try await api.get("/v1/actions", as: "audrey").decode(Page.self).actions.count
            XCTAssertEqual(stored, 1)
        }
    }
}

/// `GET /v1/actions`'s answer, as a client decodes it.
struct Page: Decodable {
    var actions: [Action]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case actions, nextCursor = "next_cursor" }
}
