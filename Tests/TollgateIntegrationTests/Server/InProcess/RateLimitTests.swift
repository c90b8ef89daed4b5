import Foundation
import HummingbirdTesting
import TollgateCore
import XCTest

/// 429 `rate_limited`: a token bucket per principal.
class RateLimitTests: LedgerBackendTestCase {
    func testAPrincipalOverItsBurstIs429() async throws {
        let server = try await InProcessServer.make(self) {
            $0.ratePerSecond = 0.001  // one token every 1000 s: nothing refills during the test
            $0.rateBurst = 3
        }
        try await server.run { api in
            for _ in 0..<3 {
                let allowed = try await api.get("/v1/whoami", as: "alice")
                XCTAssertEqual(allowed.status, .ok)
            }
            let limited = try await api.get("/v1/whoami", as: "alice")
            try assertProtocolError(limited, .rateLimited)
            XCTAssertNotNil(limited.headers[.retryAfter], "429 says when to come back")
            try assertProtocolError(try await api.submitResponse(Fixtures.request(), as: "alice"), .rateLimited)

            let bob = try await api.get("/v1/whoami", as: "bob").status
            XCTAssertEqual(bob, .ok, "the bucket is per principal")
            let health = try await api.get("/v1/health", as: nil).status
            XCTAssertEqual(health, .ok, "health is never limited")
        }
    }
}
