import TollgateCore
import XCTest

@testable import TollgateClient

/// Error answers become typed errors, and server text is made safe to print.
final class ErrorDecodingTests: XCTestCase {
    func testProtocolErrorBodyBecomesServerError() {
        let body = Array(#"{"error":"already_resolved","message":"denied by bob","action":null,"extra":true}"#.utf8)
        guard case .server(let status, let error) = APIClient.error(status: 409, body: body) else { return XCTFail() }
        XCTAssertEqual(status, 409)
        XCTAssertEqual(error.code, .alreadyResolved)
        XCTAssertEqual(error.message, "denied by bob")
    }

    func testUnknownCodesAndOtherBodiesBecomeHTTPErrors() {
        let unknownCode = Array(#"{"error":"teapot","message":"short and stout"}"#.utf8)
        guard case .http(418, let body) = APIClient.error(status: 418, body: unknownCode) else { return XCTFail() }
        XCTAssertEqual(body, #"{"error":"teapot","message":"short and stout"}"#)
        guard case .http(500, let empty) = APIClient.error(status: 500, body: []) else { return XCTFail() }
        XCTAssertEqual(ClientError.http(status: 500, body: empty).description, "HTTP 500 from the server, with no explanation")
    }

    func testExcerptIsOneInertLine() {
        XCTAssertEqual(ClientError.excerpt("  a\r\n\tb  \u{1B}]0;title\u{07}c\u{9B}d\u{202E}e  "), "a b ]0;titlecde")
        XCTAssertEqual(ClientError.excerpt(String(repeating: "x", count: 500)), String(repeating: "x", count: 200) + "…")
        XCTAssertEqual(ClientError.excerpt([0xFF, 0x41]), "\u{FFFD}A", "invalid UTF-8 is replaced, not fatal")
    }

    func testServerMessagesAreCleanedInDescriptions() {
        let error = ClientError.server(status: 400, error: ProtocolError(.badRequest, "bad\n\u{1B}[2Jkind"))
        XCTAssertEqual(error.description, "server refused (HTTP 400, bad_request): bad [2Jkind")
    }

    func testDecodingErrorsNameThePath() {
        func failure<T: Decodable>(_ type: T.Type, _ json: String) -> String {
            do {
                _ = try JSONBody.decode(type, from: Array(json.utf8), what: "GET /x")
                return "decoded"
            } catch {
                return error.description
            }
        }
        let action = Fixtures.json(Fixtures.action())
        XCTAssertEqual(
            failure(Action.self, action.replacingOccurrences(of: "\"risk\":\"high\"", with: "\"risk\":3")),
            "unexpected answer from the server: GET /x: risk: expected String")
        XCTAssertEqual(failure(Principal.self, #"{"roles":[]}"#), "unexpected answer from the server: GET /x: id: missing")
        XCTAssertEqual(failure(Principal.self, #"{"id":null,"roles":[]}"#), "unexpected answer from the server: GET /x: id: expected String, found null")
        XCTAssertTrue(failure(Principal.self, "<html>").hasPrefix("unexpected answer from the server: GET /x: the document: "))
        let badTime = action.replacingOccurrences(of: "\"created_at\":\"", with: "\"created_at\":\"\\u001b")
        let message = failure(Action.self, badTime)
        XCTAssertTrue(message.hasPrefix("unexpected answer from the server: GET /x: created_at: "), message)
        XCTAssertFalse(message.contains("\u{1B}"), message)
    }
}
