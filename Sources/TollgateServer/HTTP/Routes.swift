import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import TollgateCore

/// JSON coding shared by every route.
enum JSONHTTP {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A response with JSON already encoded by `encoder` (the ledger's stored form of an action).
    static func response(json: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

/// The protocol's endpoints (protocol.md, "Endpoints") on a Hummingbird router.
struct Routes {
    let service: ActionService
    let configuration: ServerConfiguration

    func register(on router: Router<TollgateRequestContext>) {
        router.get("/v1/health") { _, _ in try JSONHTTP.response(["status": "ok"]) }
        router.get("/v1/whoami") { _, context in try JSONHTTP.response(try caller(context).principal) }
        router.post("/v1/actions") { request, context in try await submit(request, context) }
        router.get("/v1/actions") { request, context in try await list(request, context) }
        router.get("/v1/actions/:id") { request, context in try await get(request, context) }
        router.post("/v1/actions/:id/decisions") { request, context in try await decide(request, context) }
        router.post("/v1/actions/:id/cancel") { request, context in try await cancel(request, context) }
        router.get("/v1/feed") { request, context in try await feed(request, context) }
        router.get("/v1/audit") { request, context in try await audit(request, context) }
    }

    // MARK: - Helpers

    private func caller(_ context: TollgateRequestContext) throws(ProtocolError) -> TokenEntry {
        guard let caller = context.caller else { throw ProtocolError(.unauthenticated, "a valid bearer token is required") }
        return caller
    }

    private func require(_ context: TollgateRequestContext, anyOf roles: Role...) throws(ProtocolError) -> TokenEntry {
        try require(context, anyOf: roles)
    }

    private func require(_ context: TollgateRequestContext, anyOf roles: [Role]) throws(ProtocolError) -> TokenEntry {
        let entry = try caller(context)
        guard roles.contains(where: entry.principal.has) else {
            throw ProtocolError(.forbidden, "\(entry.principal.id) lacks the role for this (needs \(roles.map(\.rawValue).joined(separator: " or ")))")
        }
        return entry
    }

    private func actionID(_ context: TollgateRequestContext) throws(ProtocolError) -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 128 else {
            throw ProtocolError(.notFound, "no such action")
        }
        return id
    }

    private func idempotencyKey(_ request: Request) throws(ProtocolError) -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else {
            throw ProtocolError(.badRequest, "Idempotency-Key: expected 1-255 printable ASCII characters without spaces")
        }
        return key
    }

    /// Reads and decodes a JSON body, refusing bodies over the limit before reading them whole.
    /// `decode` is the type's `init(json:)`: its single-pass reader, or `JSONDecoder`'s value
    /// and error when the reader leaves the body aside.
    private func body<T>(_ request: Request, _ decode: (UnsafeRawBufferPointer) throws -> T) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.bodyLimit {
            throw ProtocolError(.tooLarge, "the body is \(length) bytes; the limit is \(configuration.bodyLimit)")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.bodyLimit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw ProtocolError(.tooLarge, "the body is larger than the limit of \(configuration.bodyLimit) bytes")
        }
        do {
            return try buffer.withUnsafeReadableBytes(decode)
        } catch let error as DecodingError {
            throw ProtocolError(.badRequest, DecodingMessage.describe(error))
        } catch {
            throw ProtocolError(.badRequest, "the body is not valid JSON")
        }
    }

    // MARK: - Handlers

    private func submit(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        let entry = try require(context, anyOf: .agent)
        let key = try idempotencyKey(request)
        let submission = try await body(request) { try ActionRequest(json: $0) }
        return JSONHTTP.response(json: try await service.submit(submission, by: entry, idempotencyKey: key).json, status: .created)
    }

    private func get(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        let entry = try require(context, anyOf: .agent, .approver, .auditor)
        let id = try actionID(context)
        let wait = try ActionQuery.decode(request).wait
        // The bound is this server's `max_wait`, so the route checks it, in the same words.
        if let wait, wait > configuration.maxWait { throw ActionQuery.outOfRange(maxWait: configuration.maxWait) }
        return JSONHTTP.response(json: try await service.action(id: id, for: entry.principal, wait: wait).json)
    }

    private func list(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        _ = try require(context, anyOf: .approver, .auditor)
        let query = try ListQuery.decode(request)
        let limit = query.limit
        let actions = try await service.list(status: query.status, since: query.since, limit: limit, after: query.cursor)
        let next = actions.count == limit ? actions.last.map { ListCursor.encode($0.createdAt.milliseconds, $0.id) } : nil
        return try JSONHTTP.response(ListPage(actions: actions, nextCursor: next))
    }

    private func decide(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        let entry = try require(context, anyOf: .approver)
        let id = try actionID(context)
        let key = try idempotencyKey(request)
        let decision = try await body(request) { try DecisionRequest(json: $0) }
        return JSONHTTP.response(json: try await service.decide(id: id, decision, by: entry.principal, idempotencyKey: key).json)
    }

    private func cancel(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        let entry = try require(context, anyOf: .agent)
        return JSONHTTP.response(json: try await service.cancel(id: try actionID(context), by: entry.principal).json)
    }

    private func audit(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        _ = try require(context, anyOf: .approver, .auditor)
        let query = try AuditQuery.decode(request)
        let lines = try await service.auditLines(after: query.after, limit: query.limit)
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let text = lines.map { $0 + "\n" }.joined()
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func feed(_ request: Request, _ context: TollgateRequestContext) async throws -> Response {
        let entry = try require(context, anyOf: FeedAccess.roles)
        var lastEventID: Int64?
        if let header = request.headers[.lastEventID] {
            // An id this server never issued cannot be resumed from: -1 forces reset + snapshot.
            lastEventID = Int64(String(header.trimmingWhitespace)).flatMap { $0 >= 0 ? $0 : nil } ?? -1
        }
        let hub = service.hub
        if let lastEventID, lastEventID > hub.lastSeq {
            // Another replica sent this client events this one has not published yet: wait a
            // little for them, so it resumes with no gap instead of a reset.
            _ = await service.ledger.awaitFeed(through: lastEventID, timeout: 2)
        }
        let subscription = hub.subscribe(lastEventID: lastEventID, token: entry.tokenSHA256)
        // A reload closes the feeds of revoked tokens after it puts the new tokens in force; one
        // that authenticated before the reload but subscribed after its sweep is caught here.
        guard FeedAccess.allows(entry.tokenSHA256, in: service.live.current.registry) else {
            hub.unsubscribe(subscription.id)
            throw ProtocolError(.unauthenticated, "a valid bearer token is required (Authorization: Bearer <token>)")
        }
        let (id, doorbell, initial) = (subscription.id, subscription.doorbell, Handover(subscription.initial))
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.accelBuffering] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { hub.unsubscribe(id) }
                try await Self.writeInitial(initial.take(), to: &writer)
                // Each ring means "events are waiting"; a take sends up to 256 KB of them in one write.
                // A writer that found more than one event last time is behind the publishers: it
                // yields first, so requests already runnable publish and its next write carries more
                // (less CPU per event with many subscribers: BENCHMARKS.md). One that keeps up does not wait.
                var behind = false
                for await _ in doorbell {
                    if behind { await Task.yield() }
                    var events = 0
                    while let batch = hub.take(id) {
                        events += batch.events
                        try await writer.write(batch.bytes)
                    }
                    behind = events > 1
                }
                // Disconnected by the hub: what it was still owed goes out, then the end.
                while let rest = hub.take(id) { try await writer.write(rest.bytes) }
                try await writer.finish(nil)
            })
    }

    /// Sends a subscription's initial events coalesced into writes of about 64 KB (10,000
    /// pending actions are one burst); the staging buffer is gone before the live part starts.
    private static func writeInitial(_ parts: [ByteBuffer], to writer: inout any ResponseBodyWriter) async throws {
        var batch = ByteBuffer()
        for part in parts {
            var part = part
            batch.writeBuffer(&part)
            if batch.readableBytes >= 64 * 1024 {
                try await writer.write(batch)
                batch.clear()
            }
        }
        if batch.readableBytes > 0 { try await writer.write(batch) }
    }
}

/// Who may read the feed: the route checks it at each connect, and a reload closes the open
/// feeds of tokens that no longer may (revoked, or no longer holding one of the roles).
enum FeedAccess {
    static let roles: [Role] = [.approver, .auditor]

    /// The hashes of the tokens of `registry` that may read the feed.
    static func tokens(in registry: TokenRegistry) -> Set<String> {
        Set(registry.entries.filter { entry in roles.contains(where: entry.principal.has) }.map(\.tokenSHA256))
    }

    /// True when the token whose SHA-256 is `token` may read the feed under `registry`.
    static func allows(_ token: String, in registry: TokenRegistry) -> Bool {
        registry.entries.contains { $0.tokenSHA256 == token && roles.contains(where: $0.principal.has) }
    }
}

/// A feed's initial events, handed to its writer once: the body closure lives as long as the
/// feed, and holding the array there kept a snapshot (10,000 pending actions: 10,000 buffer
/// references) alive per subscriber for the whole connection.
private final class Handover: Sendable {
    private let parts: Mutex<[ByteBuffer]>

    init(_ parts: [ByteBuffer]) { self.parts = Mutex(parts) }

    func take() -> [ByteBuffer] {
        parts.withLock { parts in
            defer { parts = [] }
            return parts
        }
    }
}

/// `GET /v1/actions`'s answer.
struct ListPage: Encodable {
    var actions: [Action]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case actions, nextCursor = "next_cursor" }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actions, forKey: .actions)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// Opaque list cursors: base64url of `created_at-ms:id` of the last action returned.
enum ListCursor {
    static func encode(_ ms: Int64, _ id: String) -> String {
        Data("\(ms):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> (Int64, String)? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard cursor.utf8.count <= 512, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"), let ms = Int64(text[..<colon])
        else { return nil }
        return (ms, String(text[text.index(after: colon)...]))
    }
}
