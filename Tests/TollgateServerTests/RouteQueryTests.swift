import HTTPTypes
import Hummingbird
import TollgateCore
import XCTest

@testable import TollgateServer

/// Query parameters decoded by Hummingbird's form decoder into each route's typed query, with
/// the protocol's rules: empty counts as absent, and a bad value is a 400 naming the parameter
/// without quoting it.
final class RouteQueryTests: XCTestCase {
    private func request(_ query: String) -> Request {
        Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/v1/actions?" + query),
            body: .init(buffer: ByteBuffer()))
    }

    private func refusal<Q: RouteQuery>(_ type: Q.Type, _ query: String) -> ProtocolError? {
        do {
            _ = try Q.decode(request(query))
            return nil
        } catch {
            return error
        }
    }

    func testAListQueryDecodesEveryParameter() throws {
        let cursor = ListCursor.encode(1_795_000_000_000, "act_1")
        let query = try ListQuery.decode(request("status=pending&since=2026-11-18T11%3A06%3A40Z&limit=7&cursor=\(cursor)&unrelated=1"))
        XCTAssertEqual(query.status, .pending)
        XCTAssertEqual(query.since, Timestamp(rfc3339: "2026-11-18T11:06:40Z"))
        XCTAssertEqual(query.limit, 7)
        XCTAssertEqual(query.cursor?.createdAtMilliseconds, 1_795_000_000_000)
        XCTAssertEqual(query.cursor?.id, "act_1")
    }

    func testEmptyParametersCountAsAbsent() throws {
        let query = try ListQuery.decode(request("status=&since=&limit=&cursor="))
        XCTAssertNil(query.status)
        XCTAssertNil(query.since)
        XCTAssertEqual(query.limit, 50)
        XCTAssertNil(query.cursor)
        let audit = try AuditQuery.decode(request(""))
        XCTAssertEqual(audit.after, 0)
        XCTAssertEqual(audit.limit, 1_000)
        XCTAssertNil(try ActionQuery.decode(request("wait=")).wait)
    }

    func testBadValuesAreRefusedByNameWithoutQuotingThem() {
        let secret = "password%3DS3CRET-value"
        let cases: [(String, ProtocolError?)] = [
            ("status", refusal(ListQuery.self, "status=\(secret)")),
            ("since", refusal(ListQuery.self, "since=\(secret)")),
            ("limit", refusal(ListQuery.self, "limit=\(secret)")),
            ("limit", refusal(ListQuery.self, "limit=0")),
            ("limit", refusal(ListQuery.self, "limit=501")),
            ("cursor", refusal(ListQuery.self, "cursor=\(secret)")),
            ("after", refusal(AuditQuery.self, "after=-1")),
            ("limit", refusal(AuditQuery.self, "limit=10001")),
            ("wait", refusal(ActionQuery.self, "wait=\(secret)")),
            ("wait", refusal(ActionQuery.self, "wait=-5")),
        ]
        for (name, error) in cases {
            guard let error else { XCTFail("\(name): accepted"); continue }
            XCTAssertEqual(error.code, .badRequest)
            XCTAssertTrue(error.message.hasPrefix(name + ": "), "\(name): \(error.message)")
            XCTAssertFalse(error.message.contains("S3CRET"), error.message)
        }
        XCTAssertEqual(refusal(ListQuery.self, "limit=%zz")?.message, "the query string is not valid")
        XCTAssertEqual(refusal(ListQuery.self, "limit=1&limit=2")?.message, "the query string gives a parameter twice")
    }

    func testHeaderNamesAreTheProtocolsSpellings() {
        XCTAssertEqual(HTTPField.Name.idempotencyKey.canonicalName, "idempotency-key")
        XCTAssertEqual(HTTPField.Name.lastEventID.canonicalName, "last-event-id")
        XCTAssertEqual(HTTPField.Name.accelBuffering.canonicalName, "x-accel-buffering")
    }
}
