/// The `route` label of `tollgate_http_requests_total`: the template of the route that answered
/// (`/v1/actions/{id}`), never the path a client sent.
///
/// The path is client text: as a label, random paths would each add a series to the registry
/// for as long as the server runs. Templates are the router's own, a fixed handful; every
/// request no route matched (wrong path or wrong method) shares one value, `unmatched`.
enum RouteLabel {
    static let unmatched = "unmatched"

    /// The label for a request whose router endpoint is `endpointPath` (Hummingbird's
    /// `context.endpointPath`, set before the middleware runs when a route matched): `NotFound`
    /// once the router found none, nil when the middleware refused such a request first.
    static func of(endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return unmatched }
        return endpointPath
    }
}
