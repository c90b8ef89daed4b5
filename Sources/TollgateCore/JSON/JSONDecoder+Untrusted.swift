import Foundation

// MARK: - Decoding hostile bytes

extension JSONDecoder {
    /// `decode(_:from:)` for bytes from outside: the same value or error, without the trap
    /// described below, and refusing a document that gives one member name twice in an object
    /// (see `JSONKeyCheck`) with a `dataCorrupted` error that explains it.
    ///
    /// swift-foundation's scanner (Swift 6.3) traps instead of throwing when the `[` that opens a
    /// 513th level of nesting is the last byte of the text it scans: it computes the error's
    /// location one byte past the end. Any text ending in `[` is invalid JSON, for which the
    /// decoder always throws the one `dataCorrupted` error built here (scanning precedes
    /// decoding, and on Linux it attaches no underlying error), so that error is thrown without
    /// asking it. "The text it scans" is the data after the decoder's own encoding detection and
    /// conversion to UTF-8, which `scannedText` repeats; the duplicate check reads that text too.
    public func decode<T: Decodable>(_ type: T.Type, fromUntrusted data: Data) throws -> T {
        let text = Self.scannedText(data)
        if text?.last == UInt8(ascii: "[") { throw Self.notJSON }
        let keys = text.map { text in text.withUnsafeBytes { JSONKeyCheck.check($0) } } ?? .unreadable
        if case .duplicate(let path, let name) = keys { throw JSONKeyCheck.error(path: path, name: name) }
        let value = try decode(type, from: data)
        // The check reads all that the decoder does; should they ever disagree, a document the
        // check could not read for duplicates is refused rather than let through unchecked.
        guard keys == .unique else { throw Self.notJSON }
        return value
    }

    private static var notJSON: DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "The given data was not valid JSON."))
    }

    /// The UTF-8 text `JSONDecoder` scans for `data`: without a UTF-8 byte order mark, converted
    /// from UTF-16 or UTF-32 as it converts; nil when it cannot convert it (and throws).
    private static func scannedText(_ data: Data) -> Data? {
        guard let encoding = sourceEncoding(of: data) else {
            return data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
        }
        return String(bytes: data.dropFirst(encoding.byteOrderMark), encoding: encoding.encoding).map { Data($0.utf8) }
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
