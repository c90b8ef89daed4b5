import Foundation

/// Requests that reach their servers at the same moment, for races: one connection each, every
/// byte but the last sent on all of them first, then the last bytes back to back, so no server
/// has a complete request before the others do.
struct SimultaneousRequests {
    /// One request: where it goes and its bytes (`HTTPConnection.requestBytes`).
    struct Request {
        var port: Int
        var bytes: [UInt8]
    }

    private var requests: [Request] = []

    /// Adds a request to `port` as the holder of `token`, with a JSON `body` when given.
    mutating func add(
        port: Int, _ method: String, _ path: String, token: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) {
        var all = [("Authorization", "Bearer \(token)")] + headers
        if body != nil { all.append(("Content-Type", "application/json")) }
        requests.append(Request(port: port, bytes: HTTPConnection.requestBytes(method, path, port: port, headers: all, body: body)))
    }

    /// Sends every request together and reads each response, in the order they were added.
    func send(timeout: Double = 30) throws -> [HTTPResponse] {
        let connections = try requests.map { try HTTPConnection(port: $0.port) }
        defer { connections.forEach { $0.close() } }
        for (connection, request) in zip(connections, requests) { try connection.send(Array(request.bytes.dropLast())) }
        for (connection, request) in zip(connections, requests) { try connection.send(Array(request.bytes.suffix(1))) }
        return try connections.map { try $0.readResponse(timeout: timeout) }
    }
}
