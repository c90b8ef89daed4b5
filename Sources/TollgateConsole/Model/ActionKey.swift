/// Which of the console's servers something came from: its place in the list the console was
/// started with (`[[servers]]` order, or the one `--server`).
public struct ServerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int

    public init(_ index: Int) { self.index = index }

    /// The first server: the only one when the console follows one.
    public static let first = ServerID(0)

    public static func < (a: ServerID, b: ServerID) -> Bool { a.index < b.index }

    public var description: String { "server \(index)" }
}

/// An action as the console knows it: an action id is unique only within its server, so every
/// row, record, outcome and decision is keyed by both.
public struct ActionKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let server: ServerID
    public let id: String

    public init(server: ServerID, id: String) {
        self.server = server
        self.id = id
    }

    public static func < (a: ActionKey, b: ActionKey) -> Bool {
        a.id != b.id ? a.id < b.id : a.server < b.server
    }

    public var description: String { "\(id) (\(server))" }
}
