/// The body lines of a private key block, found line by line after its BEGIN marker.
///
/// A key is masked from its BEGIN line to its END line and no further: each body line that is
/// nothing but base64 is masked, blank lines and armor headers (`Proc-Type: …`, `Version: …`)
/// stay visible and are stepped over, and the first other line (the END line, or anything else
/// when END is missing) ends the body. A marker with no line break after it has no body, so
/// `echo -----BEGIN PRIVATE KEY----- >/dev/null; rm -rf /srv/data` masks nothing. Lines end at a
/// line feed, or at a literal `\n` when the key is written escaped on one line (JSON).
enum PrivateKeyBodies {
    /// The body lines after a marker ending at `markerEnd`, as UTF-16 ranges of `units`.
    static func lines(after markerEnd: Int, in units: [UInt16]) -> [Range<Int>] {
        var i = markerEnd
        while i < units.count, units[i] == 0x20 || units[i] == 0x09 { i += 1 }
        guard let first = separatorLength(at: i, units) else { return [] }
        let escaped = units[i] == 0x5C
        i += first
        var lines: [Range<Int>] = []
        while i < units.count {
            // An armor header stays visible; the body goes on after it.
            if isHeader(i, units) {
                guard let next = nextLine(after: i, units, escaped: escaped) else { break }
                i = next
                continue
            }
            var end = i
            while end < units.count, isBase64(units[end]) { end += 1 }
            var after = end
            while after < units.count, units[after] == 0x20 || units[after] == 0x09 { after += 1 }
            if let length = separatorLength(at: after, units), (units[after] == 0x5C) == escaped {
                if end > i { lines.append(i..<end) }
                i = after + length
                continue
            }
            // The last body line: the key's text ends here, at a quote or at the END marker.
            if end > i, end == units.count || units[end] == 0x22 || units[end] == 0x27 || startsEndMarker(end, units) {
                lines.append(i..<end)
            }
            break
        }
        return lines
    }

    private static func isBase64(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x2F, 0x3D: true
        default: false
        }
    }

    /// The length of the line break at `i` (LF, CR LF, `\n`, `\r\n`), or nil.
    private static func separatorLength(at i: Int, _ units: [UInt16]) -> Int? {
        func at(_ k: Int) -> UInt16? { k < units.count ? units[k] : nil }
        switch at(i) {
        case 0x0A: return 1
        case 0x0D: return at(i + 1) == 0x0A ? 2 : nil
        case 0x5C:
            if at(i + 1) == 0x6E { return 2 }
            if at(i + 1) == 0x72, at(i + 2) == 0x5C, at(i + 3) == 0x6E { return 4 }
            return nil
        default: return nil
        }
    }

    /// Whether `-----END ` starts at `i`.
    private static func startsEndMarker(_ i: Int, _ units: [UInt16]) -> Bool {
        let marker = Array("-----END ".utf16)
        return i + marker.count <= units.count && units[i..<(i + marker.count)].elementsEqual(marker)
    }

    /// Whether the line at `i` is an armor header: a name of letters, digits and `-`, then `: `.
    private static func isHeader(_ i: Int, _ units: [UInt16]) -> Bool {
        guard i < units.count, (0x41...0x5A).contains(units[i] & ~0x20) else { return false }
        var k = i + 1
        while k < units.count, units[k] == 0x2D || isBase64(units[k]) && units[k] != 0x2B && units[k] != 0x2F && units[k] != 0x3D {
            k += 1
        }
        return k + 1 < units.count && units[k] == 0x3A && units[k + 1] == 0x20
    }

    /// Where the line after the one starting at `i` starts, or nil at the end of the text.
    private static func nextLine(after i: Int, _ units: [UInt16], escaped: Bool) -> Int? {
        var k = i
        while k < units.count {
            if let length = separatorLength(at: k, units), (units[k] == 0x5C) == escaped { return k + length }
            k += 1
        }
        return nil
    }
}
