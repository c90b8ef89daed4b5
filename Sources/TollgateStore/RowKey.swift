import TollgateCore

/// The `action` table's row id, chosen so that row id order is history order.
///
/// `id = created_at_ms × 2^20 + n`, where `n` counts the actions cached with the same
/// millisecond. Sorting by id is then sorting by (created_at, arrival), so every index
/// (which SQLite suffixes with the row id) and the FTS5 index (keyed by the same id)
/// already yield rows newest first: a page is a range scan, never a sort, and the keyset
/// cursor is one integer. Times beyond ±2^43 ms (about years 1691 to 2248) are clamped for
/// the key only; the `created_at` column keeps the true value and filters use it too.
enum RowKey {
    static let slotBits: Int64 = 20
    static let slotsPerMillisecond: Int64 = 1 << slotBits
    static let maxKeyMilliseconds: Int64 = Int64.max >> slotBits
    static let minKeyMilliseconds: Int64 = Int64.min >> slotBits

    /// The first id of the millisecond bucket holding `time`.
    static func bucketStart(_ time: Timestamp) -> Int64 {
        clamped(time.milliseconds) << slotBits
    }

    /// The last id of the millisecond bucket holding `time`.
    static func bucketEnd(_ time: Timestamp) -> Int64 {
        bucketStart(time) | (slotsPerMillisecond - 1)
    }

    /// Ids of rows created at or after `since` are all ≥ this.
    static func lowerBound(since: Timestamp) -> Int64 { bucketStart(since) }

    /// Ids of rows created before `until` are all < this; nil when no id bound holds
    /// (the last bucket, which clamped times share).
    static func upperBound(until: Timestamp) -> Int64? {
        let ms = clamped(until.milliseconds)
        guard ms < maxKeyMilliseconds else { return nil }
        return (ms + 1) << slotBits
    }

    private static func clamped(_ ms: Int64) -> Int64 {
        min(max(ms, minKeyMilliseconds), maxKeyMilliseconds)
    }
}

/// The opaque keyset cursor: the id of the last row of the page before.
enum PageCursor {
    private static let prefix = "h1."

    static func encode(_ rowID: Int64) -> String { prefix + String(rowID) }

    /// The row id inside `text`, or nil when it is not a cursor this store wrote.
    static func decode(_ text: String) -> Int64? {
        guard text.hasPrefix(prefix) else { return nil }
        return Int64(text.dropFirst(prefix.count))
    }
}
