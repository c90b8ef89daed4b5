import Hummingbird
import HummingbirdTesting
import TollgateCore
import XCTest

/// protocol.md, "Principals and tokens": 401 without a known bearer token, 403 without the role.
class AuthenticationTests: LedgerBackendTestCase {
    func testHealthAnswersWithoutAToken() async throws {
        try await InProcessServer.make(self).run { api in
            let response = try await api.get("/v1/health", as: nil)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.decode([String: String].self), ["status": "ok"])
        }
    }

    func testMissingTokenIs401Everywhere() async throws {
        try await InProcessServer.make(self).run { api in
            for (method, path) in [
                (HTTPRequest.Method.get, "/v1/whoami"), (.post, "/v1/actions"), (.get, "/v1/actions"),
                (.get, "/v1/actions/act_x"), (.post, "/v1/actions/act_x/decisions"),
                (.post, "/v1/actions/act_x/cancel"), (.get, "/v1/feed"), (.get, "/v1/audit"),
            ] {
                let response = try await api.send(method, path, as: nil, body: method == .post ? Fixtures.bytes("{}") : nil)
                try assertProtocolError(response, .unauthenticated)
            }
        }
    }

    func testUnknownOrMalformedTokenIs401() async throws {
        let server = try await InProcessServer.make(self)
        let good = try XCTUnwrap(server.tokens["alice"])
        try await server.run { api in
            for header in [
                "Bearer tg_not-a-token-anyone-was-given-000000000", "Bearer", "Basic \(good)", good, "Bearer \(good)x",
                "Bearer \(good.dropLast())",
            ] {
                let response = try await api.send(.get, "/v1/whoami", as: nil, headers: ["Authorization": header])
                try assertProtocolError(response, .unauthenticated)
            }
            // The same token in a well-formed header is accepted: the 401s above are about the token.
            let ok = try await api.send(.get, "/v1/whoami", as: nil, headers: ["Authorization": "bearer \(good)"])
            XCTAssertEqual(ok.status, .ok)
        }
    }

    func testWhoamiReturnsTheCallersPrincipal() async throws {
        try await InProcessServer.make(self).run { api in
            let alice = try await api.get("/v1/whoami", as: "alice").decode(Principal.self)
            XCTAssertEqual(alice, Principal(id: "alice", roles: [.approver], groups: []))
            let dual = try await api.get("/v1/whoami", as: "dual").decode(Principal.self)
            XCTAssertEqual(dual, Principal(id: "dual", roles: [.agent, .approver], groups: []))
        }
    }

    func testAKnownTokenLackingTheRoleIs403() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let decision = Fixtures.json(DecisionRequest(verdict: .approve, reason: "ok", digest: action.digest))
            let cases: [(String, HTTPRequest.Method, String, [UInt8]?)] = [
                ("alice", .post, "/v1/actions", Fixtures.json(Fixtures.request())),  // approvers do not submit
                ("audrey", .post, "/v1/actions", Fixtures.json(Fixtures.request())),
                ("agent-1", .get, "/v1/actions", nil),  // agents do not list
                ("agent-1", .get, "/v1/feed", nil),
                ("agent-1", .get, "/v1/audit?after=0", nil),
                ("agent-2", .post, "/v1/actions/\(action.id)/decisions", decision),  // agents do not decide
                ("audrey", .post, "/v1/actions/\(action.id)/decisions", decision),  // auditors never decide
                ("alice", .post, "/v1/actions/\(action.id)/cancel", nil),  // approvers do not cancel
            ]
            for (principal, method, path, body) in cases {
                let response = try await api.send(method, path, as: principal, body: body)
                let error = try assertProtocolError(response, .forbidden)
                XCTAssertTrue(error.message.contains(principal), "the message names who lacks the role: \(error.message)")
            }
            let after = try await api.action(action.id)
            XCTAssertEqual(after.status, .pending)
            XCTAssertEqual(after.decisions, [])
        }
    }

    func testAnAgentReadsOnlyItsOwnActions() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(as: "agent-1")
            try assertProtocolError(try await api.get("/v1/actions/\(action.id)", as: "agent-2"), .forbidden)
            try assertProtocolError(try await api.get("/v1/actions/\(action.id)?wait=1", as: "agent-2"), .forbidden)
            for reader in ["agent-1", "alice", "audrey"] {
                let response = try await api.get("/v1/actions/\(action.id)", as: reader)
                XCTAssertEqual(response.status, .ok, reader)
                XCTAssertEqual(try response.action().id, action.id)
            }
        }
    }

    func testOnlyTheRequesterCancels() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(as: "agent-1")
            try assertProtocolError(try await api.cancel(action.id, as: "agent-2"), .forbidden)
            let status = try await api.action(action.id).status
            XCTAssertEqual(status, .pending)
            let cancelled = try await api.cancel(action.id, as: "agent-1")
            XCTAssertEqual(cancelled.status, .ok)
            let after = try cancelled.action()
            XCTAssertEqual(after.status, .cancelled)
            XCTAssertNotNil(after.resolvedAt)
        }
    }
}
