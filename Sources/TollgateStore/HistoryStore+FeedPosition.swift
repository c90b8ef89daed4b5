import GRDB

extension HistoryStore {
    /// The id of the last feed event handled from `server`, for `Last-Event-ID`; nil before the first.
    public func lastEventID(server: String) throws -> Int64? {
        try read("reading the feed position of \(server)") { db in
            try Int64.fetchOne(db, sql: "SELECT last_event_id FROM server WHERE url = ?", arguments: [server])
        }
    }

    /// Records that every event up to `id` from `server` is handled. Save the event's
    /// action first: a crash in between then replays it, which is harmless.
    public func setLastEventID(_ id: Int64, server: String) throws {
        try write("saving the feed position of \(server)") { db in
            let serverID = try Self.serverID(db, url: server)
            try db.execute(sql: "UPDATE server SET last_event_id = ? WHERE id = ?", arguments: [id, serverID])
        }
    }
}
