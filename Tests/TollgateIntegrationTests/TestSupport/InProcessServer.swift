import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TollgateCore
import TollgateServer
import XCTest

/// An approval server assembled in this process (no socket), with a token per test principal.
///
/// Requests go straight to the router through HummingbirdTesting's `.router` framework, so the
/// REST rules are tested exactly as the binary runs them, minus the network.
struct InProcessServer: Sendable {
    let server: ApprovalServer
    let parts: ApprovalServer.Parts
    /// Bearer tokens by principal id.
    let tokens: [String: String]
    /// The PostgreSQL database it runs on, or nil for its SQLite file.
    let database: PostgresDatabase?

    var service: ActionService { parts.service }

    /// A server over a fresh database: an SQLite file in a temporary directory removed at
    /// teardown, or a PostgreSQL database of its own when `test` runs on PostgreSQL.
    static func make(
        _ test: XCTestCase, principals: [TestPrincipal] = TestPrincipal.standard,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> InProcessServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-inproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        var configuration = ServerConfiguration(environment: [:])
        configuration.databasePath = directory.appendingPathComponent("server.sqlite").path
        configuration.tokensPath = directory.appendingPathComponent("tokens.toml").path
        configuration.ratePerSecond = 0
        let database = try (test as? LedgerBackendTestCase)?.postgresDatabase()
        if let database {
            configuration.databaseURL = database.url
            configuration.databasePasswordFile = database.passwordFile
            try configuration.resolveDatabase(environment: [:], source: "test") { try String(contentsOfFile: $0, encoding: .utf8) }
        }
        configure(&configuration)

        var tokens: [String: String] = [:]
        var file = ""
        for p in principals {
            let token = TokenFile.generateToken()
            tokens[p.id] = token
            file += "[[principals]]\nid = \"\(p.id)\"\nroles = [\(p.roles.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]\n"
            file += "groups = [\(p.groups.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            file += "token_sha256 = \"\(SHA256Hex.hex(Array(token.utf8)))\"\n\n"
        }
        let registry = try TokenRegistry.parse(file, file: configuration.tokensPath)
        let logger = Logger(label: "tollgate.test") { _ in SwiftLogNoOpLogHandler() }
        let server = ApprovalServer(configuration: configuration, registry: registry, logger: logger)
        let parts = try await server.makeParts()
        test.addTeardownBlock { await parts.ledger.close() }
        return InProcessServer(server: server, parts: parts, tokens: tokens, database: database)
    }

    /// The ledger's tables, to read straight from (SQLite or PostgreSQL).
    var ledgerTables: LedgerTables { LedgerTables(sqlitePath: server.configuration.databasePath, database: database) }

    /// Runs `body` with a client of this server's router.
    func run(_ body: @escaping @Sendable (API) async throws -> Void) async throws {
        let app = server.makeApplication(parts.service)
        let tokens = self.tokens
        try await app.test(.router) { client in
            try await body(API(client: client, tokens: tokens))
        }
    }
}

/// The protocol's REST calls through a HummingbirdTesting client, as any principal.
struct API: Sendable {
    let client: any TestClientProtocol
    let tokens: [String: String]

    /// Sends a request as `principal` (nil: without an Authorization header).
    ///
    /// No answer within `timeout` seconds is an error, so a server that never answers fails the test.
    func send(
        _ method: HTTPRequest.Method, _ path: String, as principal: String?, body: [UInt8]? = nil,
        headers: [String: String] = [:], timeout: Double = 30
    ) async throws -> TestResponse {
        var fields = HTTPFields()
        if let principal {
            guard let token = tokens[principal] else { throw HTTPClientError("no token for \(principal)") }
            fields[.authorization] = "Bearer \(token)"
        }
        if body != nil { fields[.contentType] = "application/json" }
        for (name, value) in headers {
            guard let field = HTTPField.Name(name) else { throw HTTPClientError("bad header name \(name)") }
            fields[field] = value
        }
        let client = self.client
        let fieldsToSend = fields
        return try await withTimeout(timeout, "\(method) \(path)") {
            try await client.executeRequest(uri: path, method: method, headers: fieldsToSend, body: body.map { ByteBuffer(bytes: $0) })
        }
    }

    func get(_ path: String, as principal: String?) async throws -> TestResponse {
        try await send(.get, path, as: principal)
    }

    /// Submits `request` as `principal`; anything but 201 throws with the answer.
    func submit(_ request: ActionRequest = Fixtures.request(), as principal: String = "agent-1", idempotencyKey: String? = nil) async throws -> Action {
        let response = try await submitResponse(request, as: principal, idempotencyKey: idempotencyKey)
        guard response.status == .created else { throw HTTPClientError("submit answered \(response.status.code): \(response.text)") }
        return try response.action()
    }

    func submitResponse(_ request: ActionRequest, as principal: String = "agent-1", idempotencyKey: String? = nil) async throws -> TestResponse {
        try await send(
            .post, "/v1/actions", as: principal, body: Fixtures.json(request),
            headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    /// Posts a decision on `action` as `principal` (with the action's digest unless `digest` is given).
    func decide(
        _ action: Action, _ verdict: Verdict, as principal: String, reason: String = "",
        digest: String? = nil, idempotencyKey: String? = nil, breakGlass: Bool = false
    ) async throws -> TestResponse {
        let body = Fixtures.json(DecisionRequest(verdict: verdict, reason: reason, digest: digest ?? action.digest, breakGlass: breakGlass))
        return try await send(
            .post, "/v1/actions/\(action.id)/decisions", as: principal, body: body,
            headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
    }

    func cancel(_ id: String, as principal: String) async throws -> TestResponse {
        try await send(.post, "/v1/actions/\(id)/cancel", as: principal)
    }

    /// The action `id` as an approver sees it; anything but 200 throws.
    func action(_ id: String, as principal: String = "audrey") async throws -> Action {
        let response = try await get("/v1/actions/\(id)", as: principal)
        guard response.status == .ok else { throw HTTPClientError("GET \(id) answered \(response.status.code): \(response.text)") }
        return try response.action()
    }
}

/// Runs `operation`, throwing instead of waiting longer than `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw HTTPClientError("\(what): no answer within \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw HTTPClientError("\(what): no answer") }
        return first
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(body.readableBytesView)) } catch {
            throw HTTPClientError("status \(status.code): cannot decode \(T.self) from \(text.prefix(400)): \(error)")
        }
    }

    func action() throws -> Action { try decode(Action.self) }
}
