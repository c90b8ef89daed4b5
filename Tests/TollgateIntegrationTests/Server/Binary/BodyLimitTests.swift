import Foundation
import TollgateCore
import XCTest

/// 413 `too_large` over a real socket: a Content-Length over the limit, and a chunked body that grows past it.
class BodyLimitTests: LedgerBackendTestCase {
    private static let config = """
        [limits]
        rate_per_second = 0
        body_bytes = 2048
        """

    func testAChunkedBodyOverTheLimitIs413() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let token = try sandbox.token("agent-1")
        let headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]

        let big = Fixtures.json(Fixtures.request(context: [ContextEntry(key: "blob", value: String(repeating: "x", count: 4000))]))
        let refused = try HTTPConnection(port: server.port).request("POST", "/v1/actions", headers: headers, body: Self.chunked(big, size: 500))
        let error = try assertProtocolError(refused, .tooLarge)
        XCTAssertTrue(error.message.contains("2048"), error.message)

        // The same coding under the limit is accepted: the 413 is about the size.
        let small = Fixtures.json(Fixtures.request())
        XCTAssertLessThan(small.count, 2048)
        let accepted = try HTTPConnection(port: server.port).request("POST", "/v1/actions", headers: headers, body: Self.chunked(small, size: 100))
        XCTAssertEqual(accepted.status, 201, accepted.text)

        let list = try sandbox.client(server, as: "audrey").get("/v1/actions").decode(Page.self)
        XCTAssertEqual(list.actions.map(\.id), [try accepted.action().id])
    }

    func testAContentLengthOverTheLimitIs413BeforeTheBodyArrives() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let connection = try HTTPConnection(port: server.port)
        defer { connection.close() }
        // Announce 10 MB and send none of it: the server must answer from the header alone.
        try connection.sendRequest(
            "POST", "/v1/actions",
            headers: [
                ("Authorization", "Bearer \(try sandbox.token("agent-1"))"), ("Content-Type", "application/json"), ("Content-Length", "10485760"),
            ])
        try assertProtocolError(try connection.readResponse(timeout: 20), .tooLarge)
    }

    /// `body` in chunked transfer coding, `size` bytes a chunk.
    private static func chunked(_ body: [UInt8], size: Int) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        while start < body.count {
            let end = min(start + size, body.count)
            out += Array("\(String(end - start, radix: 16))\r\n".utf8) + body[start..<end] + Array("\r\n".utf8)
            start = end
        }
        return out + Array("0\r\n\r\n".utf8)
    }
}
