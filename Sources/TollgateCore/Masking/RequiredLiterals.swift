import Foundation

/// The literal strings a masking rule's regular expression cannot match without, so a text
/// that lacks them can skip the regex (and its bridging to `NSString`) altogether.
///
/// Groups are all required, the strings within a group are alternatives:
/// `[["-----BEGIN "], ["PRIVATE KEY-----"]]` needs both, `[["ghp_", "gho_"]]` either one.
/// A case-insensitive set can rule a match out only on ASCII text: Unicode case folding lets
/// non-ASCII characters match ASCII letters (U+212A KELVIN SIGN matches `k`, `ß` matches `ss`),
/// so on text with any non-ASCII byte it answers "may match".
struct RequiredLiterals: Sendable {
    private let groups: [[[UInt8]]]
    private let caseInsensitive: Bool

    /// `groups` of literals; with `caseInsensitive`, they are compared ASCII-case-insensitively.
    init(_ groups: [[String]], caseInsensitive: Bool = false) {
        self.caseInsensitive = caseInsensitive
        self.groups = groups.map { group in
            group.map { literal in Array((caseInsensitive ? literal.lowercased() : literal).utf8) }
        }
    }

    /// False only when `text` certainly cannot match: some group has none of its literals in it.
    func mayMatch(_ text: LiteralHaystack) -> Bool {
        let bytes: [UInt8]
        if caseInsensitive {
            guard let lowered = text.lowered else { return true }
            bytes = lowered
        } else {
            bytes = text.bytes
        }
        return bytes.withUnsafeBufferPointer { hay in
            groups.allSatisfy { group in group.contains { Self.find($0, in: hay) } }
        }
    }

    /// Whether `needle` occurs in `hay`: `memchr` to each candidate first byte, then `memcmp`.
    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = hay.baseAddress, let first = needle.first else { return needle.isEmpty }
        let end = base + hay.count
        var cursor = base
        return needle.withUnsafeBufferPointer { n in
            guard let literal = n.baseAddress else { return false }
            while end - cursor >= n.count {
                guard let found = memchr(cursor, Int32(first), end - cursor) else { return false }
                let hit = UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
                if end - hit < n.count { return false }
                if memcmp(hit, literal, n.count) == 0 { return true }
                cursor = hit + 1
            }
            return false
        }
    }
}

/// One text's UTF-8 bytes as `RequiredLiterals` checks them.
struct LiteralHaystack {
    let bytes: [UInt8]
    /// The bytes with A-Z lowercased; nil when the text has a non-ASCII byte.
    let lowered: [UInt8]?

    init(_ text: String) {
        bytes = Array(text.utf8)
        var lowered = bytes
        var ascii = true
        for i in lowered.indices {
            let b = lowered[i]
            if b >= 0x80 {
                ascii = false
                break
            }
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { lowered[i] = b | 0x20 }
        }
        self.lowered = ascii ? lowered : nil
    }
}
