/// Reads Unicode scalars straight from a string's UTF-8 bytes.
///
/// The sanitiser's hot loop spends more time in the standard library's scalar view (which
/// re-validates every index) than in its own work. Swift strings are always valid UTF-8, so
/// decoding is simple; malformed bytes, which cannot occur, would still only yield U+FFFD.
struct UTF8ScalarReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Bytes read so far: where the next scalar starts.
    private(set) var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    @inline(__always)
    mutating func next() -> Unicode.Scalar? {
        guard offset < bytes.count else { return nil }
        let lead = bytes[offset]
        if lead < 0x80 {
            offset += 1
            return Unicode.Scalar(lead)
        }
        return nextMultiByte(lead)
    }

    private mutating func nextMultiByte(_ lead: UInt8) -> Unicode.Scalar {
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default:
            offset += 1
            return Unicode.Scalar.replacement
        }
        var index = offset + 1
        while index < offset + length {
            guard index < bytes.count, bytes[index] & 0xC0 == 0x80 else {
                offset = index
                return Unicode.Scalar.replacement
            }
            value = value << 6 | UInt32(bytes[index] & 0x3F)
            index += 1
        }
        offset = index
        return Unicode.Scalar(value) ?? Unicode.Scalar.replacement
    }
}

extension Unicode.Scalar {
    /// U+FFFD REPLACEMENT CHARACTER.
    static let replacement: Unicode.Scalar = "\u{FFFD}"
}
