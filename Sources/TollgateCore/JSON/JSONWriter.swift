/// Writes JSON text straight into bytes, for the documents whose exact bytes matter and that
/// are written on every request: actions as stored and sent, and digest documents.
///
/// Strings come out the one way both `JSONEncoder` (with `.withoutEscapingSlashes`) and RFC 8785
/// write them: `\"`, `\\`, `\b \f \n \r \t`, other control characters as lowercase `\u00XX`,
/// everything else (`/`, DEL, every non-ASCII character) as its own UTF-8 bytes. Integers are
/// plain decimal. The caller writes members in the order it needs (sorted, for both forms);
/// tests hold the output to `JSONEncoder`'s and to `JSONValue.canonicalBytes`, byte for byte.
///
/// ```swift
/// var w = JSONWriter()
/// w.raw("{\"id\":"); w.string(id); w.raw("}")
/// ```
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Values

    /// Text written as it is: punctuation, and member names that need no escaping.
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A value already encoded as JSON (an action as stored), written as it is.
    public mutating func encoded(_ json: String) {
        bytes.append(contentsOf: json.utf8)
    }

    public mutating func string(_ value: String) {
        bytes.append(Self.quote)
        var value = value
        value.withUTF8 { utf8 in
            // Copy runs that need no escape in one go; most strings are a single run.
            var runStart = 0
            for i in utf8.indices {
                let byte = utf8[i]
                guard byte < 0x20 || byte == Self.quote || byte == Self.backslash else { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                appendEscape(byte)
                runStart = i + 1
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        bytes.append(Self.quote)
    }

    /// A string, or `null` for nil.
    public mutating func string(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    public mutating func int(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// An integer, or `null` for nil.
    public mutating func int(_ value: Int?) {
        if let value { int(Int64(value)) } else { raw("null") }
    }

    /// A number already in JSON's syntax, written as it is (a parsed plan's, kept as terraform wrote it).
    mutating func number(verbatim text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// A time as its RFC 3339 string (`Timestamp.description`), without making the `String`.
    public mutating func time(_ value: Timestamp) {
        bytes.append(Self.quote)
        value.appendRFC3339(to: &bytes)
        bytes.append(Self.quote)
    }

    /// A time, or `null` for nil.
    public mutating func time(_ value: Timestamp?) {
        if let value { time(value) } else { raw("null") }
    }

    /// `[`, `element` for each of `items` with commas between, `]`.
    public mutating func array<C: Collection>(_ items: C, _ element: (inout JSONWriter, C.Element) -> Void) {
        list(items, open: UInt8(ascii: "["), close: UInt8(ascii: "]"), element)
    }

    /// `{`, `member` for each of `items` with commas between, `}`: each call writes one
    /// `"name":value`.
    public mutating func object<C: Collection>(_ items: C, _ member: (inout JSONWriter, C.Element) -> Void) {
        list(items, open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), member)
    }

    private mutating func list<C: Collection>(_ items: C, open: UInt8, close: UInt8, _ element: (inout JSONWriter, C.Element) -> Void) {
        bytes.append(open)
        var first = true
        for item in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        bytes.append(close)
    }

    // MARK: - Escapes

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case Self.quote: bytes += [Self.backslash, Self.quote]
        case Self.backslash: bytes += [Self.backslash, Self.backslash]
        case 0x08: bytes += [Self.backslash, UInt8(ascii: "b")]
        case 0x0C: bytes += [Self.backslash, UInt8(ascii: "f")]
        case 0x0A: bytes += [Self.backslash, UInt8(ascii: "n")]
        case 0x0D: bytes += [Self.backslash, UInt8(ascii: "r")]
        case 0x09: bytes += [Self.backslash, UInt8(ascii: "t")]
        default: bytes += [Self.backslash, UInt8(ascii: "u"), 48, 48, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]]
        }
    }
}
