/// Frames for a `text/event-stream` response, the server side of `SSEParser`.
///
/// Each function returns complete lines, so frames can be written back to back in any order.
/// Text that would break the frame (a line break inside a value) is split into several lines
/// of the same field, which a parser joins again with LF: any string whose line breaks are LF
/// round-trips exactly, and CR or CRLF come back as LF (the event-stream format has no way to
/// carry a CR). JSON never contains a raw line break, so an action's JSON round-trips exactly.
///
/// ```swift
/// let frame = SSEEncoder.event(id: 42, type: "action", data: json)   // id: 42\nevent: action\ndata: {…}\n\n
/// ```
public struct SSEEncoder: Sendable {
    /// `id: N`, `event: T` and one `data:` line per line of `data`, then the blank line that dispatches.
    ///
    /// A nil or empty `type` is omitted (the event is a "message"); line breaks in `type` are
    /// removed, since a field value cannot hold one. A nil `id` keeps the stream's previous id.
    public static func event(id: Int64?, type: String?, data: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 48)
        if let id {
            out.append(contentsOf: "id: ".utf8)
            out.append(contentsOf: String(id).utf8)
            out.append(lf)
        }
        if let type, !type.isEmpty {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: type.utf8.lazy.filter { $0 != lf && $0 != cr })
            out.append(lf)
        }
        appendLines(of: data, prefix: "data: ", to: &out)
        out.append(lf)
        return out
    }

    /// A comment (`: text`), one comment line per line of `text`; parsers ignore it. Used as keepalive.
    public static func comment(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 4)
        appendLines(of: text, prefix: ": ", to: &out)
        return out
    }

    /// `retry: N`: asks the client to wait `ms` milliseconds before reconnecting (negative means 0).
    public static func retry(ms: Int) -> [UInt8] {
        Array("retry: \(max(0, ms))\n".utf8)
    }

    // MARK: - Lines

    /// Appends `prefix` + line + LF for each line of `text`, splitting on CR, LF and CRLF.
    /// An empty text, or one ending in a line break, yields a final empty line, as the spec needs.
    private static func appendLines(of text: String, prefix: StaticString, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var lineStart = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                guard byte == lf || byte == cr else {
                    i += 1
                    continue
                }
                appendLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<i]), prefix: prefix, to: &out)
                i += byte == cr && i + 1 < bytes.count && bytes[i + 1] == lf ? 2 : 1
                lineStart = i
            }
            appendLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<bytes.count]), prefix: prefix, to: &out)
        }
    }

    private static func appendLine(_ line: UnsafeBufferPointer<UInt8>, prefix: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        out.append(contentsOf: line)
        out.append(lf)
    }

    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
}
