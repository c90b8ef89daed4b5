import GRDB

extension HistoryStore {
    /// The URL of every server the cache holds anything from, as it was given (the key of its
    /// actions, outbox and feed position), in the order first seen.
    public func serverURLs() throws -> [String] {
        try read("listing the servers") { db in
            try String.fetchAll(db, sql: "SELECT url FROM server ORDER BY id")
        }
    }
}
