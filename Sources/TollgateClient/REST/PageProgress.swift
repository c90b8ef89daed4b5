import TollgateCore

/// The check every loop over pages makes, so an answer that does not move forward (a caching
/// proxy that ignores the query, a cursor handed back unchanged) ends the loop with an error
/// instead of repeating the same request for ever.
public enum PageProgress {
    /// A page that would send the loop back to where it was.
    public struct Stalled: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Audit records fetched with `after`: each must come after the one before, the first after
    /// `after`. Returns the `after` of the next request.
    public static func audit(_ records: [AuditRecord], after: Int64) throws(Stalled) -> Int64 {
        var previous = after
        for record in records {
            guard record.seq > previous else {
                throw Stalled(
                    description: "GET /v1/audit?after=\(after) answered record \(record.seq), which is not after \(previous): "
                        + "the server, or a proxy or cache in between, ignores `after`")
            }
            previous = record.seq
        }
        return previous
    }

    /// A cursor page: a next cursor equal to the one just used, or a page with no rows that
    /// still names a next page, would be asked for again and again.
    public static func cursor(_ next: String?, after current: String?, rows: Int, what: String) throws(Stalled) -> String? {
        guard let next else { return nil }
        if next == current || rows == 0 {
            throw Stalled(description: "\(what): a page of \(rows) rows named the same or no further next page (cursor \(next.prefix(80).debugDescription))")
        }
        return next
    }
}
