import Foundation
import Glibc
import TollgateCore
import XCTest

/// The real server against clients that lie, stall, nest, inject and crowd.
final class HostileClientTests: XCTestCase {
    static let config = """
        [limits]
        rate_per_second = 0
        idle_timeout_seconds = 1
        """

    // MARK: - The authorisation matrix

    /// Who may call what, from protocol.md's endpoint table.
    private enum Caller: String, CaseIterable {
        case none, badToken, agentOwner, otherAgent, approver, auditor
        var principal: String? {
            switch self {
            case .none, .badToken: nil
            case .agentOwner: "agent-1"
            case .otherAgent: "agent-2"
            case .approver: "alice"
            case .auditor: "audrey"
            }
        }
    }

    func testEveryEndpointAgainstEveryKindOfCallerIs401Or403ExactlyAsTheProtocolSays() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let action = try sandbox.client(server, as: "agent-1").submit(Fixtures.request())
        let wrongDigest = Fixtures.json(DecisionRequest(verdict: .approve, reason: "ok", digest: String(repeating: "0", count: 64)))
        // Allowed calls are shaped to change nothing (wrong digest, unknown ids), so the matrix can run in any order.
        let endpoints: [(method: String, path: String, body: [UInt8]?, allowed: Set<Caller>)] = [
            ("GET", "/v1/whoami", nil, [.agentOwner, .otherAgent, .approver, .auditor]),
            ("POST", "/v1/actions", Fixtures.bytes("{}"), [.agentOwner, .otherAgent]),
            ("GET", "/v1/actions", nil, [.approver, .auditor]),
            ("GET", "/v1/actions/\(action.id)", nil, [.agentOwner, .approver, .auditor]),
            ("POST", "/v1/actions/\(action.id)/decisions", wrongDigest, [.approver]),
            ("POST", "/v1/actions/act_unknown/cancel", nil, [.agentOwner, .otherAgent]),
            ("POST", "/v1/actions/\(action.id)/cancel", nil, [.agentOwner]),
            ("GET", "/v1/audit?after=0", nil, [.approver, .auditor]),
            ("GET", "/v1/feed", nil, [.approver, .auditor]),
        ]
        var cells = 0
        for endpoint in endpoints {
            for caller in Caller.allCases {
                // The owner's cancel would resolve the action; it runs last, below.
                if endpoint.path.hasSuffix("\(action.id)/cancel") && caller == .agentOwner { continue }
                let token = caller == .badToken ? "tg_forged-token-nobody-was-given-00000000" : try caller.principal.map(sandbox.token)
                let status = try Self.status(port: server.port, endpoint.method, endpoint.path, token: token, body: endpoint.body)
                let expected: String
                switch caller {
                case .none, .badToken: expected = "401"
                default: expected = endpoint.allowed.contains(caller) ? "neither 401 nor 403" : "403"
                }
                let ok =
                    switch expected {
                    case "401": status == 401
                    case "403": status == 403
                    default: status != 401 && status != 403
                    }
                XCTAssertTrue(ok, "\(endpoint.method) \(endpoint.path) as \(caller.rawValue): \(status), expected \(expected)")
                cells += 1
            }
        }
        let cancel = try Self.status(port: server.port, "POST", "/v1/actions/\(action.id)/cancel", token: try sandbox.token("agent-1"), body: nil)
        XCTAssertEqual(cancel, 200, "the requester cancels its own action")
        XCTAssertEqual(try Self.status(port: server.port, "GET", "/v1/health", token: nil, body: nil), 200, "health needs no token")
        print("authorisation matrix: \(cells + 2) cells checked")
    }

    /// The status of one request; for the feed only the head is read, since its body never ends.
    private static func status(port: Int, _ method: String, _ path: String, token: String?, body: [UInt8]?) throws -> Int {
        let connection = try HTTPConnection(port: port)
        defer { connection.close() }
        var headers: [(String, String)] = []
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        try connection.sendRequest(method, path, headers: headers, body: body)
        return try connection.readHead().status
    }

    // MARK: - Deep nesting

    func testAHundredThousandLevelsOfNestingAre400AndTheServerStaysUp() throws {
        let sandbox = try Sandbox(self, config: Self.config + "\nbody_bytes = 4194304\n")
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let pending = try agent.submit(Fixtures.request())
        let depth = 100_000
        let arrays = Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8)
        let objects = Array(String(repeating: "{\"a\":", count: depth).utf8) + Fixtures.bytes("1") + Array(String(repeating: "}", count: depth).utf8)
        let inField = Fixtures.bytes("{\"kind\":\"a.b\",\"summary\":\"s\",\"context\":") + arrays + Fixtures.bytes("}")
        for (name, body) in [("arrays", arrays), ("objects", objects), ("a nested field", inField)] {
            let submit = try agent.send("POST", "/v1/actions", body: body)
            XCTAssertEqual(submit.status, 400, "submission of \(name): \(submit.text.prefix(300))")
            let decide = try alice.send("POST", "/v1/actions/\(pending.id)/decisions", body: body)
            XCTAssertEqual(decide.status, 400, "decision of \(name): \(decide.text.prefix(300))")
        }
        XCTAssertTrue(server.isRunning)
        XCTAssertEqual(try agent.get("/v1/health").status, 200)
        XCTAssertEqual(try agent.action(pending.id).status, .pending)
    }

    /// swift-foundation's JSONDecoder traps (a crash, not an error) when the `[` opening a 513th
    /// level is the last byte it reads; a body ending just there must be a 400 like any other.
    func testABodyEndingInThe513thOpenBracketIs400AndTheServerStaysUp() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let pending = try agent.submit(Fixtures.request())
        let utf8 = Array(String(repeating: "[", count: 513).utf8)
        let utf16 = Array(String(repeating: "[", count: 513).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        for (name, body) in [("UTF-8", utf8), ("UTF-16LE", utf16)] {
            XCTAssertEqual(try agent.send("POST", "/v1/actions", body: body).status, 400, "submission, \(name)")
            XCTAssertEqual(try alice.send("POST", "/v1/actions/\(pending.id)/decisions", body: body).status, 400, "decision, \(name)")
        }
        XCTAssertTrue(server.isRunning)
        XCTAssertEqual(try agent.action(pending.id).status, .pending)
    }

    // MARK: - Slow clients

    func testStalledAndTricklingClientsAreCutAndOthersAreStillServed() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        // Half a request head, then silence: the idle timeout (1 s here) must close each.
        let stalled = try (0..<200).map { _ in
            let c = try HTTPConnection(port: server.port)
            try c.send(Fixtures.bytes("POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"))
            return c
        }
        // A head sent, then a body that never completes.
        let starved = try (0..<50).map { _ in
            let c = try HTTPConnection(port: server.port)
            try c.send(
                Fixtures.bytes(
                    "POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(try sandbox.token("agent-1"))\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":"
                ))
            return c
        }
        XCTAssertEqual(try agent.get("/v1/health").status, 200, "served while 250 slow clients hold connections")
        XCTAssertNoThrow(try agent.submit(Fixtures.request(summary: "submitted beside the slow clients")))
        var closed = 0
        for connection in stalled + starved {
            let deadline = ContinuousClock.now + .seconds(30)
            // Read until the server closes; a response (408 or 400) before the close is fine.
            while let _ = try connection.receive(deadline: deadline) {}
            closed += 1
        }
        XCTAssertEqual(closed, 250, "every slow client was disconnected")
        XCTAssertEqual(try agent.get("/v1/health").status, 200)
    }

    // MARK: - Many connections

    func testTenThousandConcurrentConnectionsLeaveTheServerAnswering() throws {
        let wanted = 10_000
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let previous = limit
        // The server inherits this limit; each side needs one descriptor per connection plus its own.
        limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted + 2_000))
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        defer {
            var restore = previous
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restore)
        }
        // The test and the server each have their own descriptor table under this limit.
        let target = min(wanted, Int(limit.rlim_cur) - 1_000)
        let sandbox = try Sandbox(
            self,
            config: """
                [limits]
                rate_per_second = 0
                idle_timeout_seconds = 120
                """)
        let server = try sandbox.startServer()
        var open: [HTTPConnection] = []
        open.reserveCapacity(target)
        var failure = ""
        for _ in 0..<target {
            do { open.append(try HTTPConnection(port: server.port)) } catch {
                failure = "\(error)"
                break
            }
        }
        // Each connection sends a request, so the server holds real sessions, not just accepted sockets.
        var answered = 0
        for (i, connection) in open.enumerated() where i % 10 == 0 {
            if (try? connection.request("GET", "/v1/health", timeout: 60).status) == 200 { answered += 1 }
        }
        print(
            "concurrent connections: \(open.count) of \(wanted) opened (soft limit \(limit.rlim_cur))\(failure.isEmpty ? "" : "; stopped by \(failure)"); \(answered) health checks on them answered"
        )
        XCTAssertGreaterThanOrEqual(open.count, min(wanted, target), "connections reached: \(failure)")
        XCTAssertEqual(answered, (open.count + 9) / 10)
        XCTAssertTrue(server.isRunning)
        let fresh = APIClient(port: server.port, token: nil)
        XCTAssertEqual(try fresh.get("/v1/health").status, 200, "a new client is served while every connection is open")
        open.forEach { $0.close() }
        XCTAssertEqual(try fresh.get("/v1/health").status, 200)
    }

    // MARK: - Header and log injection

    func testCRLFInIdsKeysAndReasonsSplitsNoResponseAndForgesNoLogLine() throws {
        let sandbox = try Sandbox(self, config: Self.config)
        let server = try sandbox.startServer()
        let agent = try sandbox.client(server, as: "agent-1")
        let alice = try sandbox.client(server, as: "alice")
        let forged = "2026-01-01T00:00:00Z FORGED-LOG-LINE"

        // Encoded CR LF in a path id: the id is data, answered 404, logged escaped.
        let byID = try alice.get("/v1/actions/act_x%0D%0A\(forged.replacingOccurrences(of: " ", with: "%20"))%0D%0ASet-Cookie:%20pwned=1")
        XCTAssertEqual(byID.status, 404)
        XCTAssertNil(byID.header("Set-Cookie"))

        // Raw CR or LF inside a request line or header value: refused or closed, never echoed as a header.
        for raw in [
            "GET /v1/actions/act_x\rSet-Cookie: pwned=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: k\rSet-Cookie: pwned=1\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: k\n\(forged)\r\nContent-Length: 2\r\n\r\n{}",
        ] {
            let connection = try HTTPConnection(port: server.port)
            try connection.send(Fixtures.bytes(raw))
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while let more = try? connection.receive(deadline: deadline) { received += more }
            let text = String(decoding: received, as: UTF8.self)
            XCTAssertFalse(text.lowercased().contains("\r\nset-cookie"), "no injected header in the answer to \(raw.debugDescription): \(text)")
            XCTAssertFalse(text.hasPrefix("HTTP/1.1 2"), "a request with a raw CR or LF is not accepted: \(text.prefix(200))")
            connection.close()
        }

        // An Idempotency-Key that is not a plain token is refused before anything is stored.
        let badKey = try agent.send("POST", "/v1/actions", body: Fixtures.json(Fixtures.request()), headers: [("Idempotency-Key", "key%0D%0A\(forged)")])
        try assertProtocolError(badKey, .badRequest)
        // A reason with CR LF is data: stored byte for byte, never a header or a log line.
        let action = try agent.submit(Fixtures.request(summary: "injection target"))
        let badDecisionKey = try alice.decide(action, .approve, reason: "ok", idempotencyKey: "d\u{7F}\(forged)")
        // A DEL byte is not even valid in a header: the HTTP parser refuses it.
        XCTAssertEqual(badDecisionKey.status, 400, badDecisionKey.text)
        let reason = "fine\r\n\(forged)\r\nSet-Cookie: pwned=1\r\n\r\n<script>"
        let decided = try alice.decide(action, .approve, reason: reason)
        XCTAssertEqual(decided.status, 200, decided.text)
        XCTAssertNil(decided.header("Set-Cookie"))
        XCTAssertEqual(try decided.action().decisions.first?.reason, reason, "the reason is stored as data, byte for byte")
        XCTAssertTrue(server.isRunning)
        XCTAssertEqual(try agent.get("/v1/health").status, 200)

        // Bytes the HTTP parser lets through in a path (ESC, DEL, raw UTF-8) reach the log escaped:
        // no terminal escape sequence, no line separator.
        let escape = try HTTPConnection(port: server.port)
        let rawPath: [UInt8] =
            Array("GET /v1/actions/act_".utf8) + [0x1B] + Array("[2J".utf8) + [0x7F, 0xE2, 0x80, 0xA8]
            + Array("x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        try escape.send(rawPath)
        let escapeStatus = (try? escape.readHead())?.status
        escape.close()
        let log = server.stderrText
        XCTAssertFalse(log.isEmpty)
        if escapeStatus != nil && escapeStatus != 400 {
            XCTAssertFalse(log.contains("[2J"), "a path segment that is no action id is logged as *: \(log.suffix(500))")
        }
        XCTAssertNil(Array(log.utf8).firstIndex(of: 0x1B), "no raw ESC in the server log")
        XCTAssertFalse(log.contains("\u{2028}"), "no raw line separator in the server log")
        for line in log.split(separator: "\n") {
            XCTAssertFalse(line.hasPrefix("2026-01-01T00:00:00Z"), "a forged line reached the server log: \(line)")
            XCTAssertFalse(line.hasPrefix("Set-Cookie"), "a forged line reached the server log: \(line)")
        }
        // Unknown path segments are client text (an id could be a pasted secret): logged as `*`.
        XCTAssertFalse(log.contains("FORGED-LOG-LINE"), "the encoded id is not logged at all")
        XCTAssertTrue(log.contains("GET /v1/actions/* 404"), "the request with the encoded id was logged, its id as *: \(log.suffix(800))")
    }
}
