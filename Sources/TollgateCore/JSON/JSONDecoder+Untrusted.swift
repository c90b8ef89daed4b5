import Foundation

// MARK: - Decoding hostile bytes

extension JSONDecoder {
    /// `decode(_:from:)` for bytes from outside: the same value or error, without the trap
    /// described below.
    ///
    /// swift-foundation's scanner (Swift 6.3) traps instead of throwing when the `[` that opens a
    /// 513th level of nesting is the last byte of the text it scans: it computes the error's
    /// location one byte past the end. Any text ending in `[` is invalid JSON, for which the
    /// decoder always throws the one `dataCorrupted` error built here (scanning precedes
    /// decoding, and on Linux it attaches no underlying error), so that error is thrown without
    /// asking it. "The text it scans" is the data after the decoder's own encoding detection and
    /// conversion to UTF-8, which `scannedTextEndsInOpenBracket` repeats.
    public func decode<T: Decodable>(_ type: T.Type, fromUntrusted data: Data) throws -> T {
        if Self.scannedTextEndsInOpenBracket(data) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [], debugDescription: "The given data was not valid JSON."))
        }
        return try decode(type, from: data)
    }

    private static func scannedTextEndsInOpenBracket(_ data: Data) -> Bool {
        let openBracket = UInt8(ascii: "[")
        guard let encoding = sourceEncoding(of: data) else { return data.last == openBracket }
        // Converted as the decoder converts; text it cannot convert makes it throw, not trap.
        guard let text = String(bytes: data.dropFirst(encoding.byteOrderMark), encoding: encoding.encoding) else { return false }
        return text.utf8.last == openBracket
    }

    /// The encoding `JSONDecoder` reads `data` in when it is not UTF-8, and the length of its
    /// byte order mark: judged from the first four bytes, in the decoder's order of checks
    /// (RFC 4627, section 3, plus byte order marks and two-byte UTF-16 texts).
    private static func sourceEncoding(of data: Data) -> (encoding: String.Encoding, byteOrderMark: Int)? {
        let head = Array(data.prefix(4))
        func byte(_ i: Int) -> UInt8? { i < head.count ? head[i] : nil }
        switch (byte(0), byte(1), byte(2), byte(3)) {
        case (0, 0, 0xFE, 0xFF): return (.utf32BigEndian, 4)
        case (0xFE, 0xFF, 0, 0): return (.utf32LittleEndian, 4)
        case (0xFE, 0xFF, _, _): return (.utf16BigEndian, 2)
        case (0xFF, 0xFE, _, _): return (.utf16LittleEndian, 2)
        case (0xEF, 0xBB, 0xBF, _): return nil
        case (0, 0, 0, let d?) where d != 0: return (.utf32BigEndian, 0)
        case (0, let b?, 0, let d?) where b != 0 && d != 0: return (.utf16BigEndian, 0)
        case (let a?, 0, 0, 0) where a != 0: return (.utf32LittleEndian, 0)
        case (let a?, 0, let c?, 0) where a != 0 && c != 0: return (.utf16LittleEndian, 0)
        case (0, let b?, nil, nil) where b != 0: return (.utf16BigEndian, 0)
        case (let a?, 0, nil, nil) where a != 0: return (.utf16LittleEndian, 0)
        default: return nil
        }
    }
}
