import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// `Idempotency-Key`: a retried submission or decision has its first effect once.
class IdempotencyTests: LedgerBackendTestCase {
    func testARetriedSubmissionReturnsTheSameAction() async throws {
        try await InProcessServer.make(self).run { api in
            let request = Fixtures.request(summary: "rotate the signing key")
            let first = try await api.submit(request, idempotencyKey: "submit-42")
            let retry = try await api.submit(request, idempotencyKey: "submit-42")
            XCTAssertEqual(retry.id, first.id)
            XCTAssertEqual(retry, first)
            let other = try await api.submit(request, idempotencyKey: "submit-43")
            XCTAssertNotEqual(other.id, first.id)
            let unkeyed = try await api.submit(request)
            XCTAssertNotEqual(unkeyed.id, first.id, "without a key, a resubmission is a new action")
            let all = try await api.get("/v1/actions", as: "audrey").decode(Page.self)
            XCTAssertEqual(all.actions.count, 3)
        }
    }

    func testReusingASubmissionKeyForADifferentBodyIs400() async throws {
        try await InProcessServer.make(self).run { api in
            let first = try await api.submit(Fixtures.request(summary: "export A"), idempotencyKey: "k-1")
            let response = try await api.submitResponse(Fixtures.request(summary: "export B"), idempotencyKey: "k-1")
            let error = try assertProtocolError(response, .badRequest)
            XCTAssertTrue(error.message.contains("Idempotency-Key"), error.message)
            let all = try await api.get("/v1/actions", as: "audrey").decode(Page.self)
            XCTAssertEqual(all.actions.map(\.id), [first.id])
        }
    }

    func testSubmissionKeysBelongToTheirPrincipal() async throws {
        try await InProcessServer.make(self).run { api in
            let request = Fixtures.request()
            let mine = try await api.submit(request, as: "agent-1", idempotencyKey: "shared")
            let theirs = try await api.submit(request, as: "agent-2", idempotencyKey: "shared")
            XCTAssertNotEqual(mine.id, theirs.id, "one agent's key never returns another agent's action")
            XCTAssertEqual(theirs.requester.id, "agent-2")
        }
    }

    func testARetriedDecisionIsRecordedOnce() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(approvals: 2))
            let first = try await api.decide(action, .approve, as: "alice", idempotencyKey: "vote-1")
            XCTAssertEqual(first.status, .ok)
            let retry = try await api.decide(action, .approve, as: "alice", idempotencyKey: "vote-1")
            XCTAssertEqual(retry.status, .ok, "a retry is answered, not refused as already_decided")
            XCTAssertEqual(try retry.action().decisions.count, 1)
            try assertProtocolError(try await api.decide(action, .approve, as: "alice"), .alreadyDecided)
            let changed = try await api.decide(action, .deny, as: "alice", reason: "hmm", idempotencyKey: "vote-1")
            try assertProtocolError(changed, .badRequest)
            let after = try await api.action(action.id)
            XCTAssertEqual(after.status, .pending)
            XCTAssertEqual(after.decisions.map(\.approver), ["alice"])
        }
    }

    func testARetryOfTheResolvingDecisionReturnsTheResolvedAction() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let first = try await api.decide(action, .approve, as: "alice", idempotencyKey: "vote-9")
            XCTAssertEqual(try first.action().status, .approved)
            let retry = try await api.decide(action, .approve, as: "alice", idempotencyKey: "vote-9")
            XCTAssertEqual(retry.status, .ok, "the lost response is replayed, not turned into a 409")
            XCTAssertEqual(try retry.action(), try first.action())
            // Without the key, the same body is a second decision on a resolved action.
            try assertProtocolError(try await api.decide(action, .approve, as: "alice"), .alreadyResolved)
        }
    }
}
