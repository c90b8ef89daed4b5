import CCurl
import Foundation
import TollgateCore

/// Blocking calls to the REST half of the Tollgate protocol, one libcurl handle per call.
///
/// Each method blocks its thread until the server answers or the timeout passes, so callers
/// run them off the UI thread. The client holds no connection state and may be shared.
///
/// ```swift
/// let client = APIClient(endpoint: endpoint)
/// let action = try client.decide(id: id, DecisionRequest(verdict: .approve, reason: "", digest: shown.digest),
///                                idempotencyKey: key)
/// ```
public final class APIClient: Sendable {
    public let endpoint: ServerEndpoint
    /// The limit on one call, in seconds; a long poll (`wait:`) gets its wait on top.
    public let timeout: Double
    /// When raised, a call in progress ends within about a second with `ClientError.transport`.
    public let abort: AbortSignal?

    /// The most any answer may hold: far more than any page or action, and bounded so a
    /// broken server cannot exhaust memory.
    static let maxBody = 64 << 20

    public init(endpoint: ServerEndpoint, timeout: Double = 30, abort: AbortSignal? = nil) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.abort = abort
    }

    // MARK: - Calls

    /// Succeeds when the server says it is up (`GET /v1/health` answers `{ "status": "ok" }`).
    public func health() throws(ClientError) {
        struct Health: Decodable { var status: String }
        let response = try send("GET", "/v1/health")
        let health = try response.decode(Health.self)
        guard health.status == "ok" else {
            throw .decoding("GET /v1/health: status is \"\(ClientError.excerpt(health.status, limit: 40))\", not \"ok\"")
        }
    }

    /// The principal the token belongs to.
    public func whoami() throws(ClientError) -> Principal {
        try send("GET", "/v1/whoami").decode(Principal.self)
    }

    /// Submits an action for approval; the same `idempotencyKey` on a retry returns the same action.
    public func submit(_ request: ActionRequest, idempotencyKey: String?) throws(ClientError) -> Action {
        var headers: [String] = []
        if let key = idempotencyKey { headers.append(try Self.header("Idempotency-Key", key)) }
        return try send("POST", "/v1/actions", body: JSONBody.encode(request), headers: headers).decode(Action.self)
    }

    /// The action `id`; with `wait`, the server holds the answer up to that many seconds (≤ 60)
    /// while the action is pending.
    public func action(id: String, wait: Int? = nil) throws(ClientError) -> Action {
        let query = PercentEncoding.query([("wait", wait.map(String.init))])
        return try send("GET", "/v1/actions/\(PercentEncoding.segment(id))", query: query, extraTime: Double(max(wait ?? 0, 0)))
            .decode(Action.self)
    }

    /// A page of actions, newest first; pass the page's `nextCursor` back as `cursor` for the next.
    public func list(status: ActionStatus?, since: Timestamp?, limit: Int?, cursor: String?) throws(ClientError) -> ActionPage {
        let query = PercentEncoding.query([
            ("status", status?.rawValue), ("since", since?.description), ("limit", limit.map(String.init)), ("cursor", cursor),
        ])
        return try send("GET", "/v1/actions", query: query).decode(ActionPage.self)
    }

    /// Votes on action `id`. `decision.digest` must be the digest the approver was shown.
    public func decide(id: String, _ decision: DecisionRequest, idempotencyKey: String) throws(ClientError) -> Action {
        try send(
            "POST", "/v1/actions/\(PercentEncoding.segment(id))/decisions",
            body: JSONBody.encode(decision), headers: [Self.header("Idempotency-Key", idempotencyKey)]
        ).decode(Action.self)
    }

    /// Withdraws the caller's own pending action `id`.
    public func cancel(id: String) throws(ClientError) -> Action {
        try send("POST", "/v1/actions/\(PercentEncoding.segment(id))/cancel", body: []).decode(Action.self)
    }

    /// The audit records after sequence number `after` (0 for all), in order; at most `limit`
    /// (the server's default page when nil).
    public func audit(after: Int64, limit: Int? = nil) throws(ClientError) -> [AuditRecord] {
        let response = try send("GET", "/v1/audit", query: PercentEncoding.query([("after", String(after)), ("limit", limit.map(String.init))]))
        var records: [AuditRecord] = []
        var lineNumber = 0
        for line in response.body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            if trimmed.isEmpty { continue }
            records.append(try JSONBody.decode(AuditRecord.self, from: trimmed, what: "\(response.request), line \(lineNumber)"))
        }
        return records
    }

    // MARK: - Transport

    /// A successful (2xx) answer.
    struct Response {
        /// `GET /v1/whoami`, naming the call in errors.
        var request: String
        var status: Int
        var body: [UInt8]

        func decode<T: Decodable>(_ type: T.Type) throws(ClientError) -> T {
            try JSONBody.decode(type, from: body, what: request)
        }
    }

    private func send(
        _ method: String, _ path: String, query: String = "", body: [UInt8]? = nil, headers: [String] = [], extraTime: Double = 0
    ) throws(ClientError) -> Response {
        let request = "\(method) \(path)"
        var received: [UInt8] = []
        var overflowed = false
        let sink = BodySink { bytes in
            guard received.count + bytes.count <= Self.maxBody else {
                overflowed = true
                return false
            }
            received.append(contentsOf: bytes)
            return true
        }
        let handle = try EasyHandle(
            url: endpoint.url(query.isEmpty ? path : "\(path)?\(query)"), endpoint: endpoint,
            headers: ["Accept: application/json"] + headers, body: body, timeout: timeout + extraTime, sink: sink, abort: abort
        )
        let code = handle.perform()
        if code == CURLE_ABORTED_BY_CALLBACK { throw .transport("\(request): abandoned, the caller cancelled the wait") }
        if overflowed { throw .transport("\(request): the answer is larger than \(Self.maxBody >> 20) MiB") }
        guard code == CURLE_OK else {
            if Curl.refusedCertificate(code) { throw .certificateRefused("\(request): the server's TLS certificate was refused: \(handle.failure(code))") }
            throw .transport("\(request): \(handle.failure(code))")
        }
        let status = handle.responseCode
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: received) }
        return Response(request: request, status: status, body: received)
    }

    /// A protocol error when the body is one, else the status with an excerpt of the body.
    static func error(status: Int, body: [UInt8]) -> ClientError {
        if let error = try? JSONDecoder().decode(ProtocolError.self, fromUntrusted: Data(body)) {
            return .server(status: status, error: error)
        }
        return .http(status: status, body: ClientError.excerpt(body))
    }

    /// `Name: value`, refusing values that would break out of the header line.
    private static func header(_ name: String, _ value: String) throws(ClientError) -> String {
        guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw .transport("\(name) contains control characters, which an HTTP header cannot carry")
        }
        return "\(name): \(value)"
    }
}
