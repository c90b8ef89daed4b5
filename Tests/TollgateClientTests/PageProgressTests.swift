import Foundation
import TollgateCore
import XCTest

@testable import TollgateClient

/// A page that does not move forward ends a paging loop with an error that says so, instead
/// of the same request repeated for ever.
final class PageProgressTests: XCTestCase {
    private let first = AuditRecord(seq: 1, action: Fixtures.action(id: "a"), prev: AuditRecord.genesis)
    private var second: AuditRecord { AuditRecord(seq: 2, action: Fixtures.action(id: "b"), prev: first.hash) }

    func testAuditPagesMustStartAfterWhatWasAskedAndRiseRecordByRecord() throws {
        XCTAssertEqual(try PageProgress.audit([first, second], after: 0), 2)
        XCTAssertEqual(try PageProgress.audit([second], after: 1), 2)
        for (records, after) in [([first, second], Int64(2)), ([first, second], 1), ([second], 2), ([second, first], 0), ([first, first], 0)] {
            XCTAssertThrowsError(try PageProgress.audit(records, after: after), "\(records.map(\.seq)) after \(after)") { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains("ignores `after`"), text)
                XCTAssertFalse(text.contains("\n"), "one line: \(text)")
            }
        }
    }

    func testCursorPagesMustNameANewNextPage() throws {
        XCTAssertNil(try PageProgress.cursor(nil, after: "c1", rows: 0, what: "list"), "the last page")
        XCTAssertEqual(try PageProgress.cursor("c2", after: "c1", rows: 5, what: "list"), "c2")
        XCTAssertEqual(try PageProgress.cursor("c1", after: nil, rows: 5, what: "list"), "c1")
        XCTAssertThrowsError(try PageProgress.cursor("c1", after: "c1", rows: 5, what: "list"), "the same cursor again")
        XCTAssertThrowsError(try PageProgress.cursor("c2", after: "c1", rows: 0, what: "list"), "an empty page that goes on")
    }

    /// A caching proxy that answers every `/v1/audit` with the same records, whatever `after` says.
    func testAnAuditLoopOverAServerThatIgnoresAfterStopsOnTheSecondPage() throws {
        let body = Fixtures.json(first) + "\n" + Fixtures.json(second) + "\n"
        let server = try TestHTTPServer { _, _, connection in
            connection.respond(status: 200, contentType: "application/x-ndjson", body: body)
        }
        addTeardownBlock { server.stop() }
        let client = APIClient(endpoint: ServerEndpoint(baseURL: server.baseURL, token: "t"), timeout: 10)
        var after: Int64 = 0
        var pages = 0
        let stalled = expectation(description: "the loop ends")
        // Bounded only so that a failing test ends; the check must stop it on the second page.
        while pages < 10 {
            let records = try client.audit(after: after)
            pages += 1
            do { after = try PageProgress.audit(records, after: after) } catch {
                stalled.fulfill()
                break
            }
        }
        wait(for: [stalled], timeout: 0)
        XCTAssertEqual(pages, 2)
        XCTAssertEqual(server.requests.map(\.target), ["/v1/audit?after=0", "/v1/audit?after=2"])
    }
}
