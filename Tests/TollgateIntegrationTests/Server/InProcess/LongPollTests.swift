import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// `GET /v1/actions/{id}?wait=S`: held while pending, answered on resolution or when S runs out.
class LongPollTests: LedgerBackendTestCase {
    func testAWaitingReadReturnsTheResolution() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit(Fixtures.request(approvals: 2))
            async let polled = api.get("/v1/actions/\(action.id)?wait=30", as: "agent-1")
            // Let the poll start waiting; were it answered at once, it would report `pending`.
            try await Task.sleep(for: .milliseconds(300))
            let firstVote = try await api.decide(action, .approve, as: "alice").status
            XCTAssertEqual(firstVote, .ok)
            try await Task.sleep(for: .milliseconds(100))
            let secondVote = try await api.decide(action, .approve, as: "bob").status
            XCTAssertEqual(secondVote, .ok)
            let response = try await polled
            XCTAssertEqual(response.status, .ok)
            let resolved = try response.action()
            XCTAssertEqual(resolved.status, .approved, "the poll outlasted the first (non-resolving) vote and returned the resolution")
            XCTAssertEqual(resolved.decisions.count, 2)
        }
    }

    func testAWaitingReadReturnsTheCancellation() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            async let polled = api.get("/v1/actions/\(action.id)?wait=30", as: "alice")
            try await Task.sleep(for: .milliseconds(300))
            let cancellation = try await api.cancel(action.id, as: "agent-1").status
            XCTAssertEqual(cancellation, .ok)
            let polledStatus = try await polled.action().status
            XCTAssertEqual(polledStatus, .cancelled)
        }
    }

    func testAWaitingReadReturnsThePendingActionWhenTheWaitRunsOut() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            let response = try await api.get("/v1/actions/\(action.id)?wait=1", as: "agent-1")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.action().status, .pending)
            XCTAssertEqual(try response.action().id, action.id)
        }
    }

    func testAWaitOnAResolvedActionAnswersWithIt() async throws {
        try await InProcessServer.make(self).run { api in
            let action = try await api.submit()
            _ = try await api.decide(action, .deny, as: "alice", reason: "no")
            // wait=60 would outlast this test's patience if the server held a resolved action.
            let response = try await api.get("/v1/actions/\(action.id)?wait=60", as: "agent-1")
            XCTAssertEqual(try response.action().status, .denied)
        }
    }
}
