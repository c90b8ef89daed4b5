import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// protocol.md, "Decision rules" and the conflict errors, through the REST API.
class DecisionRuleTests: LedgerBackendTestCase {
    // MARK: - Who may decide

    func testTheRequesterCannotApproveItsOwnAction() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(as: "dual")
            for verdict in Verdict.allCases {
                try assertProtocolError(try await api.decide(action, verdict, as: "dual", reason: "mine"), .selfApproval)
            }
            let after = try await api.action(action.id)
            XCTAssertEqual(after.status, .pending)
            XCTAssertEqual(after.decisions, [])
        }
    }

    func testTheOneItIsDoneForCannotApproveIt() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(onBehalfOf: "alice"))
            XCTAssertEqual(action.requester.onBehalfOf, "alice")
            try assertProtocolError(try await api.decide(action, .approve, as: "alice"), .selfApproval)
            let decisions = try await api.action(action.id).decisions
            XCTAssertEqual(decisions, [])
            let approved = try await api.decide(action, .approve, as: "bob")
            XCTAssertEqual(approved.status, .ok)
            XCTAssertEqual(try approved.action().status, .approved)
        }
    }

    // MARK: - Not found and conflicts

    func testUnknownActionIs404() async throws {
        try await InProcessServer.make(self).run { api in
            let ghost = try await api.submit()
            var unknown = ghost
            unknown.id = "act_00000000000000000000000000"
            try assertProtocolError(try await api.get("/v1/actions/\(unknown.id)", as: "alice"), .notFound)
            try assertProtocolError(try await api.get("/v1/actions/\(unknown.id)?wait=1", as: "alice"), .notFound)
            try assertProtocolError(try await api.decide(unknown, .approve, as: "alice"), .notFound)
            try assertProtocolError(try await api.cancel(unknown.id, as: "agent-1"), .notFound)
            try assertProtocolError(try await api.get("/v1/nowhere", as: "alice"), .notFound)
        }
    }

    func testDecidingAResolvedActionIs409CarryingTheAction() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let first = try await api.decide(action, .approve, as: "alice").status
            XCTAssertEqual(first, .ok)
            for (verdict, approver) in [(Verdict.approve, "bob"), (.deny, "carol")] {
                let error = try assertProtocolError(try await api.decide(action, verdict, as: approver, reason: "late"), .alreadyResolved)
                let carried = try XCTUnwrap(error.action, "already_resolved carries the action as it now stands")
                XCTAssertEqual(carried.id, action.id)
                XCTAssertEqual(carried.status, .approved)
                XCTAssertEqual(carried.decisions.map(\.approver), ["alice"])
            }
            let recorded = try await api.action(action.id).decisions.count
            XCTAssertEqual(recorded, 1)
        }
    }

    func testASecondVoteByTheSameApproverIs409AlreadyDecided() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(approvals: 2))
            let first = try await api.decide(action, .approve, as: "alice").status
            XCTAssertEqual(first, .ok)
            let error = try assertProtocolError(try await api.decide(action, .approve, as: "alice"), .alreadyDecided)
            XCTAssertEqual(error.action?.decisions.count, 1)
            try assertProtocolError(try await api.decide(action, .deny, as: "alice", reason: "changed my mind"), .alreadyDecided)
            let after = try await api.action(action.id)
            XCTAssertEqual(after.status, .pending, "one approver's two votes are not a quorum of two")
            XCTAssertEqual(after.decisions.count, 1)
        }
    }

    func testADecisionOnADigestTheActionDoesNotHaveIs409() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            for digest in ["sha256:" + String(repeating: "0", count: 64), "", String(action.digest.dropLast()) + "x"] {
                let error = try assertProtocolError(try await api.decide(action, .approve, as: "alice", digest: digest), .digestMismatch)
                XCTAssertEqual(error.action?.digest, action.digest, "the error carries the action, so the approver can look again")
            }
            let decisions = try await api.action(action.id).decisions
            XCTAssertEqual(decisions, [])
            let retried = try await api.decide(action, .approve, as: "alice").status
            XCTAssertEqual(retried, .ok)
        }
    }

    func testDecidingOrCancellingAnExpiredActionIs410() async throws {
        // No sweeper runs in-process: the decision itself must notice the expiry.
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(ttl: 1))
            while Timestamp.now() <= action.expiresAt { try await Task.sleep(for: .milliseconds(50)) }
            let error = try assertProtocolError(try await api.decide(action, .approve, as: "alice", reason: "too late"), .expired)
            XCTAssertEqual(error.action?.status, .expired)
            XCTAssertEqual(error.action?.decisions, [])
            try assertProtocolError(try await api.cancel(action.id, as: "agent-1"), .expired)
            try assertProtocolError(try await api.decide(action, .deny, as: "bob", reason: "still too late"), .expired)
            let after = try await api.action(action.id)
            XCTAssertEqual(after.status, .expired, "the expiry was recorded, not only reported")
            XCTAssertEqual(after.resolvedAt, action.expiresAt)
        }
    }

    // MARK: - Reasons

    func testADenyNeedsAReason() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(risk: .low))
            for reason in ["", "   ", "\n\t"] {
                try assertProtocolError(try await api.decide(action, .deny, as: "alice", reason: reason), .reasonRequired)
            }
            let status = try await api.action(action.id).status
            XCTAssertEqual(status, .pending)
            let denied = try await api.decide(action, .deny, as: "alice", reason: "not during the freeze")
            XCTAssertEqual(try denied.action().status, .denied)
            XCTAssertEqual(try denied.action().decisions.first?.reason, "not during the freeze")
        }
    }

    func testAnyVerdictOnACriticalActionNeedsAReason() async throws {
        try await InProcessServer.make(self).run { api in
            let critical = try await api.submit(Fixtures.request(risk: .critical))
            try assertProtocolError(try await api.decide(critical, .approve, as: "alice"), .reasonRequired)
            try assertProtocolError(try await api.decide(critical, .approve, as: "alice", reason: " "), .reasonRequired)
            let decisions = try await api.action(critical.id).decisions
            XCTAssertEqual(decisions, [])
            let withReason = try await api.decide(critical, .approve, as: "alice", reason: "checked the plan").status
            XCTAssertEqual(withReason, .ok)

            let high = try await api.submit(Fixtures.request(risk: .high))
            let highApproval = try await api.decide(high, .approve, as: "alice").status
            XCTAssertEqual(highApproval, .ok, "below critical, an approval needs no reason")
        }
    }

    // MARK: - Resolution

    func testAQuorumOfTwoNeedsTwoDistinctApprovers() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(approvals: 2))
            let first = try await api.decide(action, .approve, as: "alice")
            XCTAssertEqual(first.status, .ok)
            XCTAssertEqual(try first.action().status, .pending)
            XCTAssertNil(try first.action().resolvedAt)
            let second = try await api.decide(action, .approve, as: "bob")
            let approved = try second.action()
            XCTAssertEqual(approved.status, .approved)
            XCTAssertEqual(approved.decisions.map(\.approver), ["alice", "bob"])
            XCTAssertEqual(approved.decisions.map(\.digest), [action.digest, action.digest])
            XCTAssertNotNil(approved.resolvedAt)
            XCTAssertEqual(approved.digest, action.digest, "the digest is fixed for the action's life")
        }
    }

    func testTheFirstDenyResolvesTheAction() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(approvals: 2))
            let approval = try await api.decide(action, .approve, as: "alice").status
            XCTAssertEqual(approval, .ok)
            let denied = try await api.decide(action, .deny, as: "bob", reason: "wrong bucket").action()
            XCTAssertEqual(denied.status, .denied)
            XCTAssertEqual(denied.decisions.map(\.verdict), [.approve, .deny])
            try assertProtocolError(try await api.decide(action, .approve, as: "carol"), .alreadyResolved)
            let final = try await api.action(action.id).status
            XCTAssertEqual(final, .denied, "a resolved action never changes again")

            let quick = try await api.submit(Fixtures.request(approvals: 3))
            let quickStatus = try await api.decide(quick, .deny, as: "carol", reason: "no").action().status
            XCTAssertEqual(
                quickStatus, .denied,
                "one deny is enough whatever the quorum")
        }
    }

    func testCancelResolvesAndIsFinal() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let cancelled = try await api.cancel(action.id, as: "agent-1").action().status
            XCTAssertEqual(cancelled, .cancelled)
            let error = try assertProtocolError(try await api.decide(action, .approve, as: "alice"), .alreadyResolved)
            XCTAssertEqual(error.action?.status, .cancelled)
            try assertProtocolError(try await api.cancel(action.id, as: "agent-1"), .alreadyResolved)
        }
    }
}
