import Foundation
import TollgateCore

/// The protocol's REST calls against a real server, one connection per call, as one principal.
struct APIClient {
    let port: Int
    let token: String?

    /// Sends one request and reads its response.
    func send(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [], timeout: Double = 30) throws -> HTTPResponse {
        let connection = try HTTPConnection(port: port)
        defer { connection.close() }
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if body != nil { all.append(("Content-Type", "application/json")) }
        return try connection.request(method, path, headers: all, body: body, timeout: timeout)
    }

    func get(_ path: String, timeout: Double = 30) throws -> HTTPResponse { try send("GET", path, timeout: timeout) }

    /// Submits `request`; anything but 201 throws with the server's answer.
    func submit(_ request: ActionRequest, idempotencyKey: String? = nil) throws -> Action {
        let response = try send("POST", "/v1/actions", body: Fixtures.json(request), headers: idempotencyKey.map { [("Idempotency-Key", $0)] } ?? [])
        guard response.status == 201 else { throw HTTPClientError("submit answered \(response.status): \(response.text)") }
        return try response.action()
    }

    /// Posts a decision on `action` (its digest unless `digest` is given).
    func decide(_ action: Action, _ verdict: Verdict, reason: String = "", digest: String? = nil, idempotencyKey: String? = nil) throws -> HTTPResponse {
        let body = Fixtures.json(DecisionRequest(verdict: verdict, reason: reason, digest: digest ?? action.digest))
        return try send("POST", "/v1/actions/\(action.id)/decisions", body: body, headers: idempotencyKey.map { [("Idempotency-Key", $0)] } ?? [])
    }

    /// The newest pending action, once one is pending: what a command running in the
    /// background has just submitted.
    func awaitPending(_ what: String = "an action is pending") throws -> Action {
        struct Page: Decodable { var actions: [Action] }
        var found: Action?
        try eventually(what) {
            found = try get("/v1/actions?status=pending").decode(Page.self).actions.first
            return found != nil
        }
        guard let found else { throw HTTPClientError("\(what): none") }
        return found
    }

    /// The action `id` as it now stands; anything but 200 throws.
    func action(_ id: String) throws -> Action {
        let response = try get("/v1/actions/\(id)")
        guard response.status == 200 else { throw HTTPClientError("GET \(id) answered \(response.status): \(response.text)") }
        return try response.action()
    }
}
