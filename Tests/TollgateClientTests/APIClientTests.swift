import Foundation
import TollgateCore
import XCTest

@testable import TollgateClient

/// The REST calls against a scripted local server: what goes out, what comes back, what fails.
final class APIClientTests: XCTestCase {
    private static let token = "sekrit-token-123"

    /// A server answering every request with `status` and `body`, and a client pointed at it.
    private func serve(
        status: Int = 200, contentType: String = "application/json", body: String
    ) throws -> (TestHTTPServer, APIClient) {
        let server = try TestHTTPServer { _, _, connection in
            connection.respond(status: status, contentType: contentType, body: body)
        }
        addTeardownBlock { server.stop() }
        return (server, APIClient(endpoint: ServerEndpoint(baseURL: server.baseURL + "/", token: Self.token), timeout: 10))
    }

    private func expectError(_ call: () throws(ClientError) -> Void, file: StaticString = #filePath, line: UInt = #line) -> ClientError? {
        do {
            try call()
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch {
            XCTAssertFalse(error.description.contains(Self.token), "the token leaked into \(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", file: file, line: line)
            return error
        }
    }

    // MARK: - Requests out, answers in

    func testWhoamiSendsTheBearerTokenAndDecodesThePrincipal() throws {
        let (server, client) = try serve(body: #"{"id":"alice@example.com","roles":["approver"],"groups":["sre"],"extra":1}"#)
        XCTAssertEqual(try client.whoami(), Principal(id: "alice@example.com", roles: [.approver], groups: ["sre"]))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/v1/whoami", "a trailing slash on the base URL does not double")
        XCTAssertEqual(request.header("Authorization"), "Bearer \(Self.token)")
        XCTAssertEqual(request.header("Accept"), "application/json")
    }

    func testHealthNeedsNoTokenAndChecksTheStatus() throws {
        let (server, _) = try serve(body: #"{"status":"ok"}"#)
        try APIClient(endpoint: ServerEndpoint(baseURL: server.baseURL, token: "")).health()
        XCTAssertNil(server.requests.first?.header("Authorization"))

        let (_, down) = try serve(body: #"{"status":"degraded"}"#)
        guard case .decoding(let message) = expectError({ () throws(ClientError) in try down.health() }) else { return XCTFail() }
        XCTAssertEqual(message, #"GET /v1/health: status is "degraded", not "ok""#)
    }

    func testSubmitPostsJSONWithTheIdempotencyKey() throws {
        let action = Fixtures.action()
        let (server, client) = try serve(status: 201, body: Fixtures.json(action))
        let request = ActionRequest(kind: "data.export", summary: "Export", risk: .high, ttlSeconds: 600)
        XCTAssertEqual(try client.submit(request, idempotencyKey: "key-1"), action)

        let sent = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(sent.method, "POST")
        XCTAssertEqual(sent.target, "/v1/actions")
        XCTAssertEqual(sent.header("Idempotency-Key"), "key-1")
        XCTAssertEqual(sent.header("Content-Type"), "application/json")
        XCTAssertEqual(try JSONDecoder().decode(ActionRequest.self, from: Data(sent.body)), request)
    }

    func testActionIDsArePercentEncodedAndWaitIsPassed() throws {
        let (server, client) = try serve(body: Fixtures.json(Fixtures.action()))
        _ = try client.action(id: "../a/b c?x#y", wait: 30)
        _ = try client.action(id: "..")
        XCTAssertEqual(server.requests.map(\.target), ["/v1/actions/..%2Fa%2Fb%20c%3Fx%23y?wait=30", "/v1/actions/%2E%2E"])
    }

    func testListBuildsTheQueryAndReadsTheCursor() throws {
        let page = ActionPage(actions: [Fixtures.action()], nextCursor: "c+2/3")
        let (server, client) = try serve(body: Fixtures.json(page))
        let since = Timestamp(milliseconds: 1_790_000_000_000)
        XCTAssertEqual(try client.list(status: .pending, since: since, limit: 50, cursor: "a b&c"), page)
        XCTAssertEqual(server.requests.first?.target, "/v1/actions?status=pending&since=2026-09-21T14%3A13%3A20.000Z&limit=50&cursor=a%20b%26c")

        XCTAssertEqual(try client.list(status: nil, since: nil, limit: nil, cursor: nil), page)
        XCTAssertEqual(server.requests.last?.target, "/v1/actions")
    }

    func testDecideAndCancel() throws {
        let (server, client) = try serve(body: Fixtures.json(Fixtures.action()))
        let decision = DecisionRequest(verdict: .deny, reason: "not today", digest: "sha256:00")
        _ = try client.decide(id: "act 1", decision, idempotencyKey: "k2")
        _ = try client.cancel(id: "act_1")

        let (decide, cancel) = (server.requests[0], server.requests[1])
        XCTAssertEqual(decide.target, "/v1/actions/act%201/decisions")
        XCTAssertEqual(decide.header("Idempotency-Key"), "k2")
        XCTAssertEqual(try JSONDecoder().decode(DecisionRequest.self, from: Data(decide.body)), decision)
        XCTAssertEqual(cancel.method, "POST")
        XCTAssertEqual(cancel.target, "/v1/actions/act_1/cancel")
        XCTAssertEqual(cancel.body, [])
    }

    func testAuditReadsJSONLines() throws {
        let first = AuditRecord(seq: 1, action: Fixtures.action(id: "a"), prev: AuditRecord.genesis)
        let second = AuditRecord(seq: 2, action: Fixtures.action(id: "b"), prev: first.hash)
        let (server, client) = try serve(contentType: "application/x-ndjson", body: Fixtures.json(first) + "\r\n" + Fixtures.json(second) + "\n\n")
        XCTAssertEqual(try client.audit(after: 0), [first, second])
        XCTAssertEqual(server.requests.first?.target, "/v1/audit?after=0")

        let (_, broken) = try serve(body: Fixtures.json(first) + "\n{\"seq\": \"two\"}\n")
        guard case .decoding(let message) = expectError({ () throws(ClientError) in _ = try broken.audit(after: 0) }) else { return XCTFail() }
        XCTAssertTrue(message.hasPrefix("GET /v1/audit, line 2: "), message)
    }

    // MARK: - Failures

    func testProtocolErrorsBecomeServerErrors() throws {
        let (_, client) = try serve(status: 409, body: Fixtures.protocolError("digest_mismatch", "the action changed since you saw it"))
        let error = expectError { () throws(ClientError) in
            _ = try client.decide(id: "a", DecisionRequest(verdict: .approve, reason: "", digest: "sha256:1"), idempotencyKey: "k")
        }
        guard case .server(let status, let protocolError)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(status, 409)
        XCTAssertEqual(protocolError.code, .digestMismatch)
        XCTAssertEqual(error?.code, .digestMismatch)
        XCTAssertEqual(error?.description, "server refused (HTTP 409, digest_mismatch): the action changed since you saw it")
    }

    func testOtherErrorAnswersKeepACleanExcerpt() throws {
        let (_, client) = try serve(status: 502, contentType: "text/html", body: "<html>\n\u{1B}[31mBad\tGateway\u{1B}[0m\n</html>")
        let error = expectError { () throws(ClientError) in _ = try client.whoami() }
        guard case .http(502, let body)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(body, "<html> [31mBad Gateway[0m </html>", "escape characters are dropped")
    }

    func testUndecodableSuccessIsADecodingError() throws {
        let (_, client) = try serve(body: #"{"id": "a", "roles": ["approver", 7]}"#)
        let error = expectError { () throws(ClientError) in _ = try client.whoami() }
        XCTAssertEqual(error?.description, "unexpected answer from the server: GET /v1/whoami: roles[1]: expected String")
    }

    func testConnectionRefusedIsATransportErrorNamingTheCall() throws {
        let port = try TestHTTPServer.unusedPort()
        let client = APIClient(endpoint: ServerEndpoint(baseURL: "http://127.0.0.1:\(port)", token: Self.token))
        guard case .transport(let message)? = expectError({ () throws(ClientError) in _ = try client.whoami() }) else { return XCTFail() }
        XCTAssertTrue(message.hasPrefix("GET /v1/whoami: "), message)
        XCTAssertTrue(message.contains("127.0.0.1"), message)
    }

    func testHeaderInjectionIsRefusedBeforeSending() throws {
        let (server, client) = try serve(body: "{}")
        let error = expectError { () throws(ClientError) in
            _ = try client.decide(id: "a", DecisionRequest(verdict: .approve, reason: "", digest: "d"), idempotencyKey: "k\r\nX-Evil: 1")
        }
        guard case .transport? = error else { return XCTFail("\(String(describing: error))") }
        let badToken = APIClient(endpoint: ServerEndpoint(baseURL: server.baseURL, token: "tok\r\nX-Evil: 1"))
        guard case .transport? = expectError({ () throws(ClientError) in _ = try badToken.whoami() }) else { return XCTFail() }
        XCTAssertEqual(server.requests.count, 0)
    }

    func testOnlyHTTPAndHTTPSAreSpoken() throws {
        let client = APIClient(endpoint: ServerEndpoint(baseURL: "file:///etc", token: "t"))
        guard case .transport? = expectError({ () throws(ClientError) in _ = try client.whoami() }) else { return XCTFail() }
    }

    func testTheTokenStaysOutOfDescriptions() {
        let endpoint = ServerEndpoint(baseURL: "https://tollgate.example", token: Self.token, tls: TLSOptions(caFile: "/ca.pem"))
        var dumped = ""
        dump(endpoint, to: &dumped)
        for text in ["\(endpoint)", String(reflecting: endpoint), dumped] {
            XCTAssertFalse(text.contains(Self.token), text)
            XCTAssertTrue(text.contains("https://tollgate.example"), text)
        }
    }
}
