import TollgateCore

/// One page of `GET /v1/actions`: newest first, and where the next page starts.
///
/// The server encodes the same shape: `{ "actions": [...], "next_cursor": "..." or null }`.
public struct ActionPage: Codable, Hashable, Sendable {
    public var actions: [Action]
    /// Pass back as `cursor` for the next (older) page; nil on the last page.
    public var nextCursor: String?

    public init(actions: [Action], nextCursor: String?) {
        self.actions = actions; self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case actions, nextCursor = "next_cursor" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actions, forKey: .actions)
        // An explicit null, like every optional field of the protocol.
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
