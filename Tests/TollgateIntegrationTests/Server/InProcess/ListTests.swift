import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// `GET /v1/actions`: newest first, cursors that cover everything once, the status filter.
class ListTests: LedgerBackendTestCase {
    func testPagesCoverEveryActionOnceNewestFirst() async throws {
        try await InProcessServer.make(self).run { api in
            var submitted: [Action] = []
            for i in 0..<11 {
                submitted.append(try await api.submit(Fixtures.request(summary: "export \(i)")))
                // Distinct milliseconds, so "newest first" is the reverse of submission order.
                let last = submitted[submitted.count - 1].createdAt
                while Timestamp.now() <= last { try await Task.sleep(for: .milliseconds(1)) }
            }
            for reader in ["alice", "audrey"] {
                var seen: [Action] = []
                var path = "/v1/actions?limit=4"
                var pages = 0
                while true {
                    let response = try await api.get(path, as: reader)
                    XCTAssertEqual(response.status, .ok)
                    let page = try response.decode(Page.self)
                    XCTAssertLessThanOrEqual(page.actions.count, 4)
                    seen += page.actions
                    pages += 1
                    guard let cursor = page.nextCursor else { break }
                    XCTAssertLessThan(pages, 10, "the cursors must end")
                    path = "/v1/actions?limit=4&cursor=\(cursor)"
                }
                XCTAssertEqual(pages, 3)
                XCTAssertEqual(seen.map(\.id), submitted.reversed().map(\.id), "every action once, newest first")
            }
        }
    }

    func testTheStatusFilterReturnsOnlyThatStatus() async throws {
        try await InProcessServer.make(self).run { api in
            let approved = try await api.submit()
            let denied = try await api.submit()
            let cancelled = try await api.submit()
            let pending = [try await api.submit(), try await api.submit()]
            _ = try await api.decide(approved, .approve, as: "alice")
            _ = try await api.decide(denied, .deny, as: "alice", reason: "no")
            _ = try await api.cancel(cancelled.id, as: "agent-1")

            func ids(_ status: String, limit: Int = 50) async throws -> Set<String> {
                let page = try await api.get("/v1/actions?status=\(status)&limit=\(limit)", as: "audrey").decode(Page.self)
                XCTAssertTrue(page.actions.allSatisfy { $0.status.rawValue == status })
                return Set(page.actions.map(\.id))
            }
            let pendingIDs = try await ids("pending")
            XCTAssertEqual(pendingIDs, Set(pending.map(\.id)))
            let approvedIDs = try await ids("approved")
            XCTAssertEqual(approvedIDs, [approved.id])
            let deniedIDs = try await ids("denied")
            XCTAssertEqual(deniedIDs, [denied.id])
            let cancelledIDs = try await ids("cancelled")
            XCTAssertEqual(cancelledIDs, [cancelled.id])
            let expiredIDs = try await ids("expired")
            XCTAssertEqual(expiredIDs, [])

            // A filtered listing pages too.
            let first = try await api.get("/v1/actions?status=pending&limit=1", as: "audrey").decode(Page.self)
            let cursor = try XCTUnwrap(first.nextCursor)
            let second = try await api.get("/v1/actions?status=pending&limit=1&cursor=\(cursor)", as: "audrey").decode(Page.self)
            XCTAssertEqual(Set((first.actions + second.actions).map(\.id)), Set(pending.map(\.id)))
        }
    }
}
