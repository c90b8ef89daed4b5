import Foundation

/// An incremental, byte-level parser for `text/event-stream`, to the letter of WHATWG HTML
/// §9.2.6 "Interpreting an event stream".
///
/// Feed it bytes exactly as they arrive, split anywhere (inside a UTF-8 character, between
/// CR and LF); it returns the events dispatched so far. Lines are found on bytes with `memchr`,
/// only an unfinished line is copied, and only the field values kept are decoded (invalid UTF-8
/// becomes U+FFFD), so a stream of 1.5 KB events costs about one allocation per event.
///
/// ```swift
/// var parser = SSEParser()
/// for event in parser.feed(Array("event: sync\ndata: {}\n\n".utf8)) { print(event.type) }
/// parser.beginStream()   // on reconnect; send parser.lastEventID as Last-Event-ID
/// ```
///
/// One deliberate addition to the spec: an event whose data or a single line would exceed
/// `maxEventBytes` is dropped whole (and counted in `oversizedEvents`) rather than exhausting
/// memory; the stream goes on with the next event.
public struct SSEParser: Sendable {
    // MARK: - Public state

    /// The spec's "last event ID string": the last event ID buffer as of the last dispatch.
    ///
    /// It changes when a blank line dispatches (even when the event has no data and so is not
    /// delivered), never when an `id:` field is merely read, so an event cut off by the end of a
    /// stream is not skipped when a reconnect sends this as `Last-Event-ID`. It persists across
    /// `beginStream()`.
    public private(set) var lastEventID: String = ""
    /// Milliseconds, from the last `retry:` field whose value was all ASCII digits (and fits an `Int`).
    public private(set) var reconnectionTime: Int?
    /// How many events were dropped because they exceeded `maxEventBytes`.
    public private(set) var oversizedEvents: Int = 0
    /// The largest data buffer, and the longest single line, an event may have.
    public let maxEventBytes: Int

    // MARK: - Per-stream state

    /// The spec's "last event ID buffer": set by `id:` fields, committed on dispatch.
    private var idBuffer: String = ""
    /// The spec's "event type buffer".
    private var eventType: String = ""
    /// The spec's "data buffer", kept as bytes: each value followed by LF, decoded once on dispatch.
    private var dataBuffer: [UInt8] = []
    /// The bytes of a line whose end has not arrived yet.
    private var lineBuffer: [UInt8] = []
    /// A CR ended the previous chunk: an LF opening the next one belongs to the same line ending.
    private var skipLeadingLF = false
    private var start: StreamStart = .expectingBOM(matched: 0)
    /// The current event grew past `maxEventBytes`: it will not be dispatched.
    private var discardingEvent = false
    /// The current unfinished line grew past `maxEventBytes`: drop its bytes until it ends.
    private var discardingLine = false

    /// Where the stream is with respect to its optional leading byte order mark.
    private enum StreamStart: Sendable {
        /// At the very start; `matched` bytes of EF BB BF have been seen and held back.
        case expectingBOM(matched: Int)
        case inBody
    }

    // MARK: - Creating

    /// A parser for a first connection. `maxEventBytes` defaults to 64 MiB, well above the
    /// largest action a server accepts.
    public init() {
        self.init(maxEventBytes: 64 << 20)
    }

    /// A parser that drops events whose data, or any one line, exceeds `maxEventBytes`.
    public init(maxEventBytes: Int) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Starts a new connection: clears partial line/event buffers and the BOM state, keeps
    /// `lastEventID` (and `reconnectionTime`).
    ///
    /// An event cut off by the end of the previous stream is discarded here, never dispatched.
    public mutating func beginStream() {
        idBuffer = lastEventID
        eventType = ""
        dataBuffer.removeAll(keepingCapacity: dataBuffer.capacity <= Self.retainedCapacity)
        lineBuffer.removeAll(keepingCapacity: lineBuffer.capacity <= Self.retainedCapacity)
        skipLeadingLF = false
        start = .expectingBOM(matched: 0)
        discardingEvent = false
        discardingLine = false
    }

    // MARK: - Feeding

    /// Feeds bytes (any split, including inside a multi-byte UTF-8 character or between CR and LF);
    /// returns the events dispatched.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [SSEEvent] {
        var events: [SSEEvent] = []
        feed(bytes) { events.append($0) }
        return events
    }

    /// Feeds bytes from any collection; returns the events dispatched.
    public mutating func feed<C: Collection>(_ bytes: C) -> [SSEEvent] where C.Element == UInt8 {
        if let events = bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) {
            return events
        }
        return Array(bytes).withUnsafeBytes { feed($0) }
    }

    /// Callback form for the hot path (no array allocation per chunk).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (SSEEvent) -> Void) {
        let end = bytes.count
        var position = 0
        if case .expectingBOM = start { position = consumeBOM(bytes) }
        if skipLeadingLF, position < end {
            skipLeadingLF = false
            if bytes[position] == Self.lf { position += 1 }
        }
        // Each memchr result is kept until the scan passes it, so CR-only or LF-only streams
        // stay linear: every byte is searched at most once per delimiter.
        var nextLF = -1
        var nextCR = -1
        while position < end {
            if nextLF < position { nextLF = Self.find(Self.lf, in: bytes, from: position) }
            if nextCR < position { nextCR = Self.find(Self.cr, in: bytes, from: position) }
            let lineEnd = min(nextLF, nextCR)
            guard lineEnd < end else {
                bufferPartialLine(UnsafeRawBufferPointer(rebasing: bytes[position..<end]))
                return
            }
            completeLine(UnsafeRawBufferPointer(rebasing: bytes[position..<lineEnd]), onEvent: onEvent)
            position = lineEnd + 1
            if bytes[lineEnd] == Self.cr {
                if position < end {
                    if bytes[position] == Self.lf { position += 1 }
                } else {
                    skipLeadingLF = true
                }
            }
        }
    }

    // MARK: - Lines

    /// Strips a leading EF BB BF, which may arrive split over several chunks; returns where the
    /// body starts in `bytes`. A prefix that turns out not to be a BOM is content of the first line.
    private mutating func consumeBOM(_ bytes: UnsafeRawBufferPointer) -> Int {
        var position = 0
        while case .expectingBOM(let matched) = start, position < bytes.count {
            if bytes[position] == Self.bom[matched] {
                position += 1
                start = matched + 1 == Self.bom.count ? .inBody : .expectingBOM(matched: matched + 1)
            } else {
                lineBuffer.append(contentsOf: Self.bom[0..<matched])
                start = .inBody
            }
        }
        return position
    }

    /// Keeps the start of a line whose end is in a later chunk.
    private mutating func bufferPartialLine(_ bytes: UnsafeRawBufferPointer) {
        guard !discardingLine else { return }
        guard lineBuffer.count + bytes.count <= maxEventBytes else {
            lineBuffer.removeAll()
            discardingLine = true
            dropCurrentEvent()
            return
        }
        lineBuffer.append(contentsOf: bytes)
    }

    /// Processes a line whose end is in this chunk; `tail` is its part in this chunk.
    private mutating func completeLine(_ tail: UnsafeRawBufferPointer, onEvent: (SSEEvent) -> Void) {
        if discardingLine {
            discardingLine = false
            return
        }
        if lineBuffer.isEmpty {
            // The same limit as for a buffered line, so the outcome never depends on chunking.
            guard tail.count <= maxEventBytes else {
                dropCurrentEvent()
                return
            }
            processLine(tail, onEvent: onEvent)
            return
        }
        bufferPartialLine(tail)
        guard !discardingLine else {
            discardingLine = false
            return
        }
        // Swapped out so that processing can mutate self while reading the line.
        var line: [UInt8] = []
        swap(&line, &lineBuffer)
        line.withUnsafeBytes { processLine($0, onEvent: onEvent) }
        line.removeAll(keepingCapacity: line.capacity <= Self.retainedCapacity)
        swap(&line, &lineBuffer)
    }

    /// Interprets one complete line, without its line ending.
    private mutating func processLine(_ line: UnsafeRawBufferPointer, onEvent: (SSEEvent) -> Void) {
        guard let first = line.first else {
            dispatch(onEvent: onEvent)
            return
        }
        guard first != Self.colon else { return }
        let nameEnd = Self.find(Self.colon, in: line, from: 0)
        var valueStart = min(nameEnd + 1, line.count)
        if valueStart < line.count, line[valueStart] == Self.space { valueStart += 1 }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<nameEnd])
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        switch Field(name) {
        case .data:
            appendData(value)
        case .event:
            eventType = String(decoding: value, as: UTF8.self)
        case .id:
            // U+0000 can only come from a 0x00 byte: a malformed sequence decodes to U+FFFD.
            if Self.find(0, in: value, from: 0) == value.count {
                idBuffer = String(decoding: value, as: UTF8.self)
            }
        case .retry:
            if let milliseconds = Self.decimal(value) { reconnectionTime = milliseconds }
        case nil:
            break
        }
    }

    // MARK: - Events

    private mutating func appendData(_ value: UnsafeRawBufferPointer) {
        guard !discardingEvent else { return }
        guard dataBuffer.count + value.count + 1 <= maxEventBytes else {
            dropCurrentEvent()
            return
        }
        dataBuffer.append(contentsOf: value)
        dataBuffer.append(Self.lf)
    }

    private mutating func dropCurrentEvent() {
        discardingEvent = true
        dataBuffer.removeAll()
    }

    /// The spec's "dispatch the event", on a blank line.
    private mutating func dispatch(onEvent: (SSEEvent) -> Void) {
        lastEventID = idBuffer
        defer {
            eventType = ""
            dataBuffer.removeAll(keepingCapacity: dataBuffer.capacity <= Self.retainedCapacity)
        }
        if discardingEvent {
            discardingEvent = false
            oversizedEvents += 1
            return
        }
        guard !dataBuffer.isEmpty else { return }
        let data = dataBuffer.withUnsafeBytes {
            String(decoding: UnsafeRawBufferPointer(rebasing: $0.dropLast()), as: UTF8.self)
        }
        onEvent(SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: data, lastEventID: idBuffer))
    }

    // MARK: - Bytes

    /// The fields the spec acts on; any other name is ignored.
    private enum Field {
        case data, event, id, retry

        init?(_ name: UnsafeRawBufferPointer) {
            if Self.matches(name, "data") {
                self = .data
            } else if Self.matches(name, "id") {
                self = .id
            } else if Self.matches(name, "event") {
                self = .event
            } else if Self.matches(name, "retry") {
                self = .retry
            } else {
                return nil
            }
        }

        private static func matches(_ name: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
            guard name.count == word.utf8CodeUnitCount else { return false }
            for i in 0..<name.count where name[i] != word.utf8Start[i] { return false }
            return true
        }
    }

    /// The value of a string of ASCII digits, or nil when it is empty, has anything else, or overflows.
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The index of the first `byte` at or after `from`, or `bytes.count` when there is none.
    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        guard let base = bytes.baseAddress, from < bytes.count else { return bytes.count }
        guard let hit = memchr(base + from, Int32(byte), bytes.count - from) else { return bytes.count }
        return UnsafeRawPointer(hit) - base
    }

    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
    private static let colon: UInt8 = 0x3A
    private static let space: UInt8 = 0x20
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// Buffers above this size are released after use, so one huge event does not pin its memory.
    private static let retainedCapacity = 1 << 20
}
