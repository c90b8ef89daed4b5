import Hummingbird
import TollgateCore

/// The query parameters of a route, decoded by Hummingbird's `URLEncodedFormDecoder`.
///
/// A parameter given empty counts as absent (protocol.md). One that does not decode, or is out
/// of range, is a 400 naming the parameter and what it expects, never quoting the value sent.
protocol RouteQuery: Decodable {}

extension RouteQuery {
    /// The parameters of `request`'s query string.
    static func decode(_ request: Request) throws(ProtocolError) -> Self {
        do {
            return try URLEncodedFormDecoder().decode(Self.self, from: request.uri.query ?? "")
        } catch let error as ProtocolError {
            throw error
        } catch let error as URLEncodedFormError where error.code == .duplicateKeys {
            // As with a body's keys: one value per name, and the name is not quoted.
            throw ProtocolError(.badRequest, "the query string gives a parameter twice")
        } catch {
            throw ProtocolError(.badRequest, "the query string is not valid")
        }
    }
}

/// `GET /v1/actions/{id}`: `wait`, seconds to hold the answer while the action is pending.
struct ActionQuery: RouteQuery {
    var wait: Int?

    private enum CodingKeys: String, CodingKey { case wait }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        wait = try c.parameter(.wait, Self.expected)
        if let wait, wait < 0 { throw ProtocolError(.badRequest, "wait: \(Self.expected)") }
    }

    private static let expected = "expected a whole number of seconds, at most the server's max_wait"

    /// The 400 for a `wait` longer than the server's `max_wait`.
    static func outOfRange(maxWait: Int) -> ProtocolError {
        ProtocolError(.badRequest, "wait: expected a whole number of seconds from 0 to \(maxWait)")
    }
}

/// `GET /v1/actions`: filters and the page.
struct ListQuery: RouteQuery {
    var status: ActionStatus?
    var since: Timestamp?
    var limit: Int
    var cursor: (createdAtMilliseconds: Int64, id: String)?

    private enum CodingKeys: String, CodingKey { case status, since, limit, cursor }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.parameter(.status, ActionStatus.expectedText)
        since = try c.parameter(.since, "expected an RFC 3339 time")
        limit = try c.integer(.limit, in: 1...500) ?? 50
        let text: String? = try c.parameter(.cursor, "")
        if let text {
            guard let decoded = ListCursor.decode(text) else { throw ProtocolError(.badRequest, "cursor: not a cursor this server issued") }
            cursor = decoded
        }
    }
}

/// `GET /v1/audit`: the records after `after`, at most `limit`.
struct AuditQuery: RouteQuery {
    var after: Int64
    var limit: Int

    private enum CodingKeys: String, CodingKey { case after, limit }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        after = Int64(try c.integer(.after, in: 0...Int.max) ?? 0)
        limit = try c.integer(.limit, in: 1...10_000) ?? 1_000
    }
}

extension KeyedDecodingContainer {
    /// The parameter `key` as `T`; nil when absent or empty. One that does not decode throws
    /// a 400 saying what `key` expects.
    fileprivate func parameter<T: Decodable>(_ key: Key, _ expected: String) throws -> T? {
        do {
            guard let text = try decodeIfPresent(String.self, forKey: key), !text.isEmpty else { return nil }
            return try decode(T.self, forKey: key)
        } catch {
            throw ProtocolError(.badRequest, "\(key.stringValue): \(expected)")
        }
    }

    /// The integer parameter `key`, which must lie in `range`; nil when absent or empty.
    fileprivate func integer(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        let expected =
            range.upperBound == Int.max
            ? "expected an integer of at least \(range.lowerBound)"
            : "expected an integer from \(range.lowerBound) to \(range.upperBound)"
        guard let value: Int = try parameter(key, expected) else { return nil }
        guard range.contains(value) else { throw ProtocolError(.badRequest, "\(key.stringValue): \(expected)") }
        return value
    }
}
