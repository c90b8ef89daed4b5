import NIOCore

/// The feed's published events in order, addressed by position (0, 1, 2… in publishing
/// order), shared by every subscriber: a live subscriber is a position in it, not a queue of
/// references to the events.
///
/// That matters for speed: when a thousand subscribers each held a reference to the same
/// event's storage, every retain and release on the way through NIO's pipeline was an atomic
/// operation on one contended cache line. Subscribers now copy the bytes into a buffer of
/// their own, under the hub's lock, and nothing they write shares storage.
///
/// It keeps the most recent `window` events (the replay window) and, further back, whatever
/// a subscriber has yet to take; `trim` drops the rest.
struct EventLog {
    struct Event {
        var seq: Int64
        var buffer: ByteBuffer
    }

    private var events = CircularBuffer<Event>()
    /// The position of the oldest event kept.
    private(set) var start = 0

    /// The position the next event will have.
    var end: Int { start + events.count }
    var count: Int { events.count }

    /// The event at `position`, which must be in `start..<end`.
    subscript(position: Int) -> Event { events[offset: position - start] }

    mutating func append(_ event: Event) {
        events.append(event)
    }

    /// Drops the events before `position`, but never any of the last `window`.
    mutating func trim(keepingFrom position: Int, window: Int) {
        let drop = min(position, end - window) - start
        if drop > 0 { events.removeFirst(drop) }
        start += max(0, drop)
    }

    /// The events from `from` on, as far as `maxBytes` allows (at least one), concatenated into
    /// one buffer of its own; and the position after the last one taken.
    func copy(from: Int, maxBytes: Int) -> (bytes: ByteBuffer, next: Int) {
        var last = from
        var total = 0
        while last < end, last == from || total + self[last].buffer.readableBytes <= maxBytes {
            total += self[last].buffer.readableBytes
            last += 1
        }
        var out = ByteBuffer()
        out.reserveCapacity(total)
        for position in from..<last {
            self[position].buffer.withUnsafeReadableBytes { _ = out.writeBytes($0) }
        }
        return (out, last)
    }

    /// The events from `from` to `to`, as they are (for a subscriber cut off, which keeps them).
    func events(from: Int, to: Int) -> [ByteBuffer] {
        (from..<to).map { self[$0].buffer }
    }

    /// The last `count` events, oldest first.
    func suffix(_ count: Int) -> [Event] {
        (end - count..<end).map { self[$0] }
    }
}
