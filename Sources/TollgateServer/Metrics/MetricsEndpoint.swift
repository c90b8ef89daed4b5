import HTTPTypes
import Hummingbird

/// What the `metrics_listen` address answers: `GET /metrics` in the Prometheus text format, a
/// 405 for any other method there, a 404 for any other path.
///
/// No token: the address must stay private (loopback, or a network only the scraper reaches),
/// which docs/configuration.md says. It serves nothing of the API, so a mistake there exposes
/// counts, never an action.
struct MetricsEndpoint: HTTPResponder {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    static let path = "/metrics"

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.uri.path == Self.path else {
            return Self.text(.notFound, "not found: this address serves only GET /metrics\n")
        }
        guard request.method == .get else {
            var response = Self.text(.methodNotAllowed, "method not allowed: /metrics answers GET only\n")
            response.headers[.allow] = "GET"
            return response
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
