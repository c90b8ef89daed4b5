import Foundation

/// A strict, single-pass reader of RFC 8259 JSON over UTF-8 bytes, for hand-written decoders of
/// the types decoded in bulk (see `Action(json:)`).
///
/// It accepts only a subset of what Foundation's `JSONDecoder` accepts, and reads it exactly as
/// `JSONDecoder` would; anything else, valid JSON or not, throws `GaveUp`, and the caller then asks
/// `JSONDecoder`, which has the final word and the error message. So the reader gives up on
/// whatever it need not handle fast: a UTF-8 byte order mark, trailing commas (which
/// `JSONDecoder` tolerates), numbers other than plain integers where an integer is expected,
/// non-ASCII member names, a member name twice in one object at any depth (`JSONDecoder` keeps
/// the first value; `decode(_:fromUntrusted:)` refuses the document), invalid UTF-8 or lone
/// surrogates in strings it returns, and nesting deeper than `maximumDepth` (`JSONDecoder`
/// allows 512).
///
/// It reads straight from the caller's buffer, which must outlive it; strings without escapes
/// are built from their bytes in place.
struct JSONReader {
    /// Thrown on anything the reader does not handle; it carries nothing, since the fallback
    /// decoder explains the failure.
    struct GaveUp: Error {}

    /// Containers nested deeper than this make the reader give up.
    static let maximumDepth = 100

    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var index = 0
    private var depth = 0
    /// Containers may nest this deep; `maximumDepth` but for `JSONKeyCheck`, which reads what
    /// `JSONDecoder` reads.
    var depthLimit = Self.maximumDepth
    /// Whether `,` may come right before `}` or `]`, which `JSONDecoder` allows; only
    /// `JSONKeyCheck` reads such documents.
    var allowsTrailingCommas = false
    /// True right after `{` or `[`, where a member or element may be absent (`{}`, `[]`).
    private var justOpened = false
    /// Decoded bytes of the current string when it has escapes; reused from string to string.
    private var scratch: [UInt8] = []

    /// A reader at the start of `bytes`, which it gives up on when empty.
    init(_ bytes: UnsafeRawBufferPointer) throws(GaveUp) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { throw GaveUp() }
        base = start.assumingMemoryBound(to: UInt8.self)
        count = bytes.count
    }

    /// The whole of `bytes` read by `read` as one value, nil wherever the reader gives up.
    static func document<T>(_ bytes: UnsafeRawBufferPointer, _ read: (inout JSONReader) throws(GaveUp) -> T) -> T? {
        do {
            var reader = try JSONReader(bytes)
            let value = try read(&reader)
            try reader.finish()
            return value
        } catch {
            return nil
        }
    }

    /// `document(bytes, read)`, or else `JSONDecoder`'s value or error: what a type's
    /// `init(json:)` answers, so a fast reader never changes a value or an error message.
    static func decode<T: Decodable>(_ bytes: UnsafeRawBufferPointer, _ read: (inout JSONReader) throws(GaveUp) -> T) throws -> T {
        if let value = document(bytes, read) { return value }
        return try JSONDecoder().decode(T.self, fromUntrusted: Data(bytes))
    }

    /// Checks that only white space follows the value just read.
    mutating func finish() throws(GaveUp) {
        skipWhitespace()
        guard index == count, depth == 0 else { throw GaveUp() }
    }

    // MARK: - Containers

    /// Enters the object that must come next.
    mutating func beginObject() throws(GaveUp) {
        try open(UInt8(ascii: "{"))
    }

    /// The next member of the current object with a name in `names`, positioned at its value;
    /// nil after the closing `}`. Members with other names are skipped, and any name seen twice
    /// (as `members` records) makes the reader give up.
    mutating func member<Key>(in names: JSONNames<Key>, _ members: inout JSONMembers) throws(GaveUp) -> Key? {
        while true {
            guard try nextItem(closing: UInt8(ascii: "}")) else { return nil }
            let position = try memberName(in: names, &members)
            try colon()
            guard let position else {
                try skipValue()
                continue
            }
            let bit: UInt64 = 1 << UInt64(position)
            guard members.seen & bit == 0 else { throw GaveUp() }
            members.seen |= bit
            members.next = position + 1
            return names.keys[position]
        }
    }

    /// Enters the array that must come next.
    mutating func beginArray() throws(GaveUp) {
        try open(UInt8(ascii: "["))
    }

    /// The array that must come next, each element read by `element`.
    mutating func array<T>(_ element: (inout JSONReader) throws(GaveUp) -> T) throws(GaveUp) -> [T] {
        try beginArray()
        var items: [T] = []
        while try nextElement() { items.append(try element(&self)) }
        return items
    }

    /// True when the current array has another element, positioned at it; false after the closing `]`.
    mutating func nextElement() throws(GaveUp) -> Bool {
        try nextItem(closing: UInt8(ascii: "]"))
    }

    private mutating func open(_ bracket: UInt8) throws(GaveUp) {
        skipWhitespace()
        guard index < count, base[index] == bracket, depth < depthLimit else { throw GaveUp() }
        index += 1
        depth += 1
        justOpened = true
    }

    /// Moves past the `,` before the next item or past the `closing` bracket; false at the end.
    mutating func nextItem(closing: UInt8) throws(GaveUp) -> Bool {
        skipWhitespace()
        guard index < count else { throw GaveUp() }
        var byte = base[index]
        if byte == closing {
            return close()
        }
        if justOpened {
            justOpened = false
            return true
        }
        guard byte == UInt8(ascii: ",") else { throw GaveUp() }
        index += 1
        if allowsTrailingCommas {
            skipWhitespace()
            guard index < count else { throw GaveUp() }
            byte = base[index]
            if byte == closing { return close() }
        }
        return true
    }

    private mutating func close() -> Bool {
        index += 1
        depth -= 1
        justOpened = false
        return false
    }

    /// Moves past the `:` after a member name.
    mutating func colon() throws(GaveUp) {
        skipWhitespace()
        guard index < count, base[index] == UInt8(ascii: ":") else { throw GaveUp() }
        index += 1
    }

    /// The position in `names` of the member name that must come next, nil for a name not there
    /// (which `members` then records, giving up if it has it already).
    private mutating func memberName<Key>(in names: JSONNames<Key>, _ members: inout JSONMembers) throws(GaveUp) -> Int? {
        skipWhitespace()
        let (raw, ascii) = try readString()
        // Member names are matched byte for byte, so only ASCII ones are sure to match as
        // `JSONDecoder` matches them (by `String` equality).
        guard ascii else { throw GaveUp() }
        let position =
            if let raw { names.position(of: raw, from: members.next) } else {
                scratch.withUnsafeBufferPointer { names.position(of: $0, from: members.next) }
            }
        if position == nil { try members.noteOther(raw.map(Array.init) ?? scratch) }
        return position
    }

    // MARK: - Values

    /// The next byte, nil at the end.
    func peek() -> UInt8? { index < count ? base[index] : nil }

    /// How many bytes have been read: where a value just skipped ended, or where the reader gave up.
    var offset: Int { index }

    /// True, having read it, when the next value is `null`.
    mutating func skipNull() -> Bool {
        skipWhitespace()
        guard count - index >= 4, base[index] == UInt8(ascii: "n"), base[index + 1] == UInt8(ascii: "u"),
            base[index + 2] == UInt8(ascii: "l"), base[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// The string that must come next.
    mutating func string() throws(GaveUp) -> String {
        skipWhitespace()
        let (raw, ascii) = try readString()
        let text =
            if let raw { Self.makeString(raw, ascii: ascii) } else {
                scratch.withUnsafeBufferPointer { Self.makeString($0, ascii: ascii) }
            }
        guard let text else { throw GaveUp() }
        return text
    }

    /// `bytes` as a `String`; nil when they are not valid UTF-8, which `JSONDecoder` rejects in a
    /// string it returns.
    private static func makeString(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
        ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    /// The string that must come next, or nil for `null`.
    mutating func optionalString() throws(GaveUp) -> String? {
        skipNull() ? nil : try string()
    }

    /// The string-valued case that must come next; an unknown raw value makes the reader give up.
    mutating func enumCase<T: RawRepresentable>(_: T.Type) throws(GaveUp) -> T where T.RawValue == String {
        // `JSONDecoder` calls `init(rawValue:)` with the decoded string: so does this.
        guard let value = T(rawValue: try string()) else { throw GaveUp() }
        return value
    }

    /// The RFC 3339 time string that must come next (see `Timestamp(rfc3339:)`).
    mutating func timestamp() throws(GaveUp) -> Timestamp {
        skipWhitespace()
        let (raw, _) = try readString()
        let time =
            if let raw { Timestamp(rfc3339UTF8: UnsafeRawBufferPointer(raw)) } else {
                scratch.withUnsafeBytes { Timestamp(rfc3339UTF8: $0) }
            }
        guard let time else { throw GaveUp() }
        return time
    }

    /// The integer that must come next, written as plain digits: `JSONDecoder` also takes
    /// `2.0` or `1e2`, but those are left to it.
    mutating func int() throws(GaveUp) -> Int {
        skipWhitespace()
        var i = index
        let negative = i < count && base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let first = i
        var value = 0
        // 18 digits cannot overflow an `Int`; longer numbers are left to `JSONDecoder`.
        while i < count, i - first < 18, case let digit = base[i] &- 0x30, digit < 10 {
            value = value * 10 + Int(digit)
            i += 1
        }
        let digits = i - first
        guard digits > 0, digits == 1 || base[first] != 0x30 else { throw GaveUp() }
        // A 19th digit, a fraction or an exponent goes to `JSONDecoder`; any other byte is
        // checked by the container.
        if i < count, base[i] &- 0x30 < 10 || base[i] == UInt8(ascii: ".") || base[i] | 0x20 == UInt8(ascii: "e") {
            throw GaveUp()
        }
        index = i
        return negative ? -value : value
    }

    /// The boolean that must come next.
    mutating func bool() throws(GaveUp) -> Bool {
        skipWhitespace()
        guard index < count else { throw GaveUp() }
        if base[index] == UInt8(ascii: "t") {
            try skipLiteral("true")
            return true
        }
        try skipLiteral("false")
        return false
    }

    // MARK: - Skipping

    /// Reads past the value that must come next, checking its syntax but building nothing.
    mutating func skipValue() throws(GaveUp) {
        skipWhitespace()
        guard index < count else { throw GaveUp() }
        switch base[index] {
        case UInt8(ascii: "{"):
            try beginObject()
            // Its names are read, not skipped: a name twice in a skipped object is a duplicate too.
            var names: [[UInt8]] = []
            while try nextItem(closing: UInt8(ascii: "}")) {
                skipWhitespace()
                let (raw, ascii) = try readString()
                guard ascii else { throw GaveUp() }
                let name = raw.map(Array.init) ?? scratch
                guard !names.contains(name) else { throw GaveUp() }
                names.append(name)
                try colon()
                try skipValue()
            }
        case UInt8(ascii: "["):
            try beginArray()
            while try nextItem(closing: UInt8(ascii: "]")) { try skipValue() }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"):
            try skipLiteral("true")
        case UInt8(ascii: "f"):
            try skipLiteral("false")
        case UInt8(ascii: "n"):
            try skipLiteral("null")
        default:
            try skipNumber()
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(GaveUp) {
        let length = literal.utf8CodeUnitCount
        guard count - index >= length else { throw GaveUp() }
        for k in 0..<length where base[index + k] != literal.utf8Start[k] { throw GaveUp() }
        index += length
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, whatever its magnitude.
    private mutating func skipNumber() throws(GaveUp) {
        if index < count, base[index] == UInt8(ascii: "-") { index += 1 }
        let first = index
        guard skipDigits() > 0, index - first == 1 || base[first] != 0x30 else { throw GaveUp() }
        if index < count, base[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw GaveUp() }
        }
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw GaveUp() }
        }
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < count, base[index] &- 0x30 < 10 { index += 1 }
        return index - start
    }

    /// Reads past the string that must come next, checking its escapes but not its UTF-8:
    /// `JSONDecoder` does not look inside strings it is not asked for either.
    private mutating func skipString() throws(GaveUp) {
        guard index < count, base[index] == UInt8(ascii: "\"") else { throw GaveUp() }
        var i = index + 1
        while true {
            i = plainRunEnd(from: i)
            guard i < count else { throw GaveUp() }
            switch base[i] {
            case UInt8(ascii: "\""):
                index = i + 1
                return
            case UInt8(ascii: "\\"):
                guard i + 1 < count else { throw GaveUp() }
                switch base[i + 1] {
                case UInt8(ascii: "u"):
                    _ = try hexQuad(at: i + 2)
                    i += 6
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                default:
                    throw GaveUp()
                }
            case 0..<0x20:
                throw GaveUp()
            default:
                i += 1
            }
        }
    }

    // MARK: - Strings

    /// Reads the string that must come next. Its decoded UTF-8 is `raw`, in the caller's buffer,
    /// when it has no escapes, else `scratch`; `ascii` says whether it is all ASCII (when not,
    /// it is not yet known to be valid UTF-8).
    private mutating func readString() throws(GaveUp) -> (raw: UnsafeBufferPointer<UInt8>?, ascii: Bool) {
        guard index < count, base[index] == UInt8(ascii: "\"") else { throw GaveUp() }
        let start = index + 1
        var i = start
        var ascii = true
        while true {
            i = plainRunEnd(from: i)
            guard i < count else { throw GaveUp() }
            switch base[i] {
            case UInt8(ascii: "\""):
                index = i + 1
                return (UnsafeBufferPointer(start: base + start, count: i - start), ascii)
            case UInt8(ascii: "\\"):
                return (nil, try readEscapedString(start: start, firstEscape: i, ascii: ascii))
            case 0..<0x20:
                throw GaveUp()
            default:
                ascii = false
                i += 1
            }
        }
    }

    /// The rest of `readString` once an escape turns up: decodes the string into `scratch`, and
    /// says whether it is all ASCII.
    private mutating func readEscapedString(start: Int, firstEscape: Int, ascii: Bool) throws(GaveUp) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: firstEscape - start))
        var ascii = ascii
        var i = firstEscape
        while true {
            switch base[i] {
            case UInt8(ascii: "\""):
                index = i + 1
                return ascii
            case UInt8(ascii: "\\"):
                i = try unescape(at: i, ascii: &ascii)
            case 0..<0x20:
                throw GaveUp()
            default:
                ascii = false
                scratch.append(base[i])
                i += 1
            }
            let runEnd = plainRunEnd(from: i)
            guard runEnd < count else { throw GaveUp() }
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + i, count: runEnd - i))
            i = runEnd
        }
    }

    /// Appends the character of the escape at `i` to `scratch`; the index after it.
    private mutating func unescape(at i: Int, ascii: inout Bool) throws(GaveUp) -> Int {
        guard i + 1 < count else { throw GaveUp() }
        let simple: UInt8
        switch base[i + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hexQuad(at: i + 2))
            var next = i + 6
            switch scalar {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low one; alone it makes
                // `JSONDecoder` throw, so the reader gives up.
                guard next + 1 < count, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else { throw GaveUp() }
                let low = UInt32(try hexQuad(at: next + 2))
                guard (0xDC00...0xDFFF).contains(low) else { throw GaveUp() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            case 0xDC00...0xDFFF:
                throw GaveUp()
            default:
                break
            }
            appendUTF8(scalar)
            if scalar >= 0x80 { ascii = false }
            return next
        default:
            throw GaveUp()
        }
        scratch.append(simple)
        return i + 2
    }

    /// The value of the four hex digits at `i`.
    private func hexQuad(at i: Int) throws(GaveUp) -> UInt16 {
        guard count - i >= 4 else { throw GaveUp() }
        var value: UInt16 = 0
        for k in i..<i + 4 {
            let byte = base[k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x57
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x37
            default: throw GaveUp()
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Appends `scalar` (a Unicode scalar value, never a surrogate) as UTF-8.
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The index of the first byte at or after `i` that a string cannot simply copy: `"`, `\`,
    /// a control byte, a non-ASCII byte, or `count`.
    private func plainRunEnd(from i: Int) -> Int {
        var i = i
        // Eight bytes at a time: a byte-wise "has zero" test on the word XORed with `"` and `\`,
        // a "less than 0x20" test, and the high bits. The lowest flagged byte is always a real
        // hit (false positives only sit above a real one), and on little-endian it comes first.
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while count - i >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            let flags =
                ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash
                    | (word &- ones &* 0x20) & ~word | word) & highs
            if flags != 0 { return i + flags.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < count {
            let byte = base[i]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { return i }
            i += 1
        }
        return count
    }

    // MARK: - White space

    mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}

// MARK: - Member names

/// The member names a hand-written decoder knows, as `CodingKey` cases matched byte for byte.
///
/// Names are kept in byte order, which for ASCII names is the order of `JSONEncoder`'s
/// `.sortedKeys`, and a search starts after the previous match, so sorted input matches each
/// name at the first try.
struct JSONNames<Key: CodingKey & CaseIterable & Sendable>: Sendable {
    /// The keys in name order; a position is an index here.
    let keys: [Key]
    /// All names, one after another; name `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int]

    init() {
        keys = Key.allCases.sorted { $0.stringValue.utf8.lexicographicallyPrecedes($1.stringValue.utf8) }
        precondition(keys.count <= 64, "a JSONReader member set holds at most 64 names")
        var bytes: [UInt8] = [], starts = [0]
        for key in keys {
            bytes += key.stringValue.utf8
            starts.append(bytes.count)
        }
        self.bytes = bytes
        self.starts = starts
    }

    /// The position of `name`, nil when it is none of the keys; the search starts at `hint`.
    func position(of name: UnsafeBufferPointer<UInt8>, from hint: Int) -> Int? {
        let total = keys.count
        return bytes.withUnsafeBufferPointer { bytes in
            starts.withUnsafeBufferPointer { starts in
                var i = hint < total ? hint : 0
                for _ in 0..<total {
                    let start = starts[i]
                    if starts[i + 1] - start == name.count,
                        (0..<name.count).allSatisfy({ bytes[start + $0] == name[$0] })
                    {
                        return i
                    }
                    i = i + 1 == total ? 0 : i + 1
                }
                return nil
            }
        }
    }
}

/// Where a reader stands in one object: the positions of the known names it has had, where to
/// look first for the next, and the other names it has had.
struct JSONMembers {
    var seen: UInt64 = 0
    var next = 0
    /// Names not among the known ones, kept to notice one given twice; usually none.
    private var others: [[UInt8]] = []

    /// Records an unknown member name; one seen before makes the reader give up.
    mutating func noteOther(_ name: [UInt8]) throws(JSONReader.GaveUp) {
        guard !others.contains(name) else { throw JSONReader.GaveUp() }
        others.append(name)
    }
}
