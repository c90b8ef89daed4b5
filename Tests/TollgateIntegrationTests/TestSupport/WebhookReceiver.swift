import Foundation
import Synchronization
import TollgateCore
import XCTest

/// A webhook receiver on `127.0.0.1` for the server's deliveries: records every request it
/// gets (head, headers, body) and answers each as `answer` says — a status, silence, or a
/// dropped connection — so tests can script a receiver that fails, recovers or never answers.
final class WebhookReceiver: Sendable {
    /// One request as received.
    struct Received: Sendable {
        /// 1 for the first request this receiver got.
        var index: Int
        var requestLine: String
        /// Header names lowercased.
        var headers: [String: String]
        var body: [UInt8]

        var deliveryID: String? { headers["x-tollgate-delivery"] }
        var event: String? { headers["x-tollgate-event"] }
        /// The body as a JSON object (the `json` format).
        func object() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw HTTPClientError("a delivery's body is not a JSON object: \(String(decoding: body, as: UTF8.self).prefix(300))")
            }
            return object
        }
        /// The action the delivery carries (the `json` format).
        func action() throws -> Action {
            guard let action = try object()["action"] else { throw HTTPClientError("a delivery without an action") }
            return try Action(json: String(decoding: try JSONSerialization.data(withJSONObject: action), as: UTF8.self))
        }
    }

    /// How to answer one request.
    enum Answer: Sendable {
        case status(Int, retryAfter: Int? = nil)
        /// Read the request and never answer, holding the connection open.
        case silence
    }

    /// The requests received, shared with the connection threads.
    private final class Log: Sendable {
        let entries = Mutex([Received]())
    }

    private let server: FakeFeedServer
    private let log = Log()
    var port: Int { server.port }
    /// The URL to put in a `[[notify]]` table.
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Listens on `port` (0: a free one) and answers request n (1-based) with `answer(n)`.
    init(_ test: XCTestCase, port: Int = 0, answer: @escaping @Sendable (Int) -> Answer = { _ in .status(200) }) throws {
        let log = self.log
        server = try FakeFeedServer(test, port: port) { peer, index in
            let body = peer.readBody()
            let lines = peer.head.split(separator: "\r\n").map(String.init)
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            log.entries.withLock { $0.append(Received(index: index, requestLine: lines.first ?? "", headers: headers, body: body)) }
            switch answer(index) {
            case .status(let code, let retryAfter):
                let extra = retryAfter.map { "Retry-After: \($0)\r\n" } ?? ""
                peer.write("HTTP/1.1 \(code) Scripted\r\nContent-Length: 2\r\nConnection: close\r\n\(extra)\r\nok")
            case .silence:
                peer.holdSilently(seconds: 600)
            }
        }
    }

    /// Every request so far, in order of arrival.
    var received: [Received] { log.entries.withLock { $0 } }

    /// Stops listening: later deliveries find the port closed.
    func stop() { server.stop() }
}
