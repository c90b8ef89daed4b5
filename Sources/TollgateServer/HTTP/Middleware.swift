import Foundation
import Hummingbird
import Logging
import TollgateCore

/// The one middleware every request passes: authentication, the rate limit, protocol
/// errors, the request log line and the request metrics.
///
/// The log line has the method, the path (never the query or a header), the status, the
/// principal and the duration. Tokens never reach it: they live only in the Authorization
/// header, which is not logged.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    /// Read once per request: a reload that removes a token refuses it from the next request on.
    let live: LiveConfiguration
    let limiter: RateLimiter
    /// Counts requests by route and status, and rate-limited ones; nil when metrics are off.
    let metrics: ServerMetrics?
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var principal = "-"
        let response: Response
        do {
            var context = context
            if request.uri.path != "/v1/health" {
                let entry: TokenEntry
                do {
                    entry = try authenticate(request)
                } catch {
                    // Failed attempts share one bucket per peer, so floods of bad tokens are throttled too.
                    try throttle("peer " + context.peer)
                    throw error
                }
                principal = entry.principal.id
                try throttle(entry.principal.id)
                context.caller = entry
            }
            response = try await next(request, context)
        } catch let error as ProtocolError {
            response = ErrorResponse.make(error)
        } catch let error as HTTPResponseError {
            response = ErrorResponse.make(Self.protocolError(for: error.status))
        } catch {
            logger.error("request failed: \(String(describing: type(of: error)))")
            response = ErrorResponse.make(ProtocolError(.internalError, "the server failed to handle the request"))
        }
        logger.info("\(request.method) \(LogText.path(request.uri.path)) \(response.status.code) \(LogText.safe(principal)) \(Self.milliseconds(since: start))")
        metrics?.httpRequest(endpointPath: context.endpointPath, status: response.status.code)
        return response
    }

    private func throttle(_ key: String) throws(ProtocolError) {
        guard let wait = limiter.acquire(key) else { return }
        metrics?.rateLimited()
        var error = ProtocolError(.rateLimited, "too many requests; retry in \(max(1, Int(wait.rounded(.up)))) s")
        error.retryAfter = wait
        throw error
    }

    private func authenticate(_ request: Request) throws(ProtocolError) -> TokenEntry {
        guard let header = request.headers[.authorization], let token = Self.bearer(header),
            let entry = live.current.registry.authenticate(token)
        else {
            throw ProtocolError(.unauthenticated, "a valid bearer token is required (Authorization: Bearer <token>)")
        }
        return entry
    }

    /// The bearer token of an Authorization header value, nil when it is not one.
    static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        // What `trimmingCharacters(in: .whitespaces)` trims, without bridging to NSString on
        // every request: usually two lookups, the first and the last character.
        let whitespace = CharacterSet.whitespaces
        let scalars = parts[1].unicodeScalars
        guard let first = scalars.firstIndex(where: { !whitespace.contains($0) }),
            let last = scalars.lastIndex(where: { !whitespace.contains($0) })
        else { return nil }
        return String(scalars[first...last])
    }

    /// `12.3ms`: the time since `start`, to a tenth of a millisecond, for the request log line
    /// (without `String(format:)`, which goes through NSString).
    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let tenths = elapsed.components.seconds * 10_000 + (elapsed.components.attoseconds + 50_000_000_000_000) / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)ms"
    }

    static func protocolError(for status: HTTPResponse.Status) -> ProtocolError {
        switch status.code {
        case 400: ProtocolError(.badRequest, "the request is malformed")
        case 404: ProtocolError(.notFound, "no such endpoint")
        case 405: ProtocolError(.notFound, "no such endpoint for this method")
        case 408: ProtocolError(.badRequest, "the request took too long to arrive")
        case 413: ProtocolError(.tooLarge, "the body is larger than the server accepts")
        default: ProtocolError(.internalError, "the server failed to handle the request (\(status.code))")
        }
    }
}

/// Builds protocol error responses.
enum ErrorResponse {
    static func make(_ error: ProtocolError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if error.code == .rateLimited || error.code == .unavailable {
            headers[.retryAfter] = String(max(1, Int((error.retryAfter ?? 1).rounded(.up))))
        }
        let body = (try? JSONHTTP.encoder.encode(error)) ?? Data("{\"error\":\"internal\",\"message\":\"encoding failed\"}".utf8)
        return Response(status: .init(code: error.code.httpStatus), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Log-safe text: printable ASCII kept, everything else as `\xNN`, at most 200 bytes,
/// so an agent-chosen path or id cannot forge or break log lines.
enum LogText {
    /// The request path as logged: the protocol's route words and action ids as they are, any
    /// other segment as `*`. A path is client text: an unknown id could be a secret pasted in
    /// the wrong place, and the log must not keep it.
    static func path(_ path: String) -> String {
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { segment in
            let text = String(decoding: segment, as: UTF8.self)
            return segment.isEmpty || routeWords.contains(text) || isActionID(segment) ? text : "*"
        }
        return safe(segments.joined(separator: "/"))
    }

    private static let routeWords: Set<String> = ["v1", "health", "whoami", "actions", "decisions", "cancel", "feed", "audit"]

    /// An id the server could have issued (`ActionID` knows the form).
    private static func isActionID(_ segment: Substring.UTF8View.SubSequence) -> Bool {
        ActionID.createdAt(String(Substring(segment))) != nil
    }

    static func safe(_ s: String) -> String {
        var out = ""
        for b in s.utf8.prefix(200) {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") { out.append(Character(Unicode.Scalar(b))) } else { out += String(format: "\\x%02X", b) }
        }
        return out
    }
}
