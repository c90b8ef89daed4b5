import Foundation

/// Principal ids compared as the people they name, not as bytes: the one comparison behind the
/// rule against self-approval, "already decided", the quorum's distinct approvers and
/// cancelling, on the server and in the console alike.
///
/// `on_behalf_of` is agent text, so `"Alice@Example.com"`, `"alice@example.com "`, a trailing
/// dot, a zero-width space or full-width letters must name alice as surely as `"alice@example.com"`
/// does. Both sides are reduced to a key: compatibility-normalised (NFKC, so `ﬁ` is `fi`, `Ａ` is
/// `A`, a combining accent is its precomposed letter), case-folded, without default-ignorable
/// code points (zero-width characters, soft hyphen, BOM, variation selectors), without white
/// space or control characters anywhere, and without trailing dots. A principal's own id may
/// hold none of what the key drops (see `problem(in:)`), so two keys are equal only when the
/// ids would read as the same name; a spelling that drops more only ever refuses more.
public enum Identity {
    /// The key `id` is compared by.
    public static func key(_ id: String) -> String {
        asciiKey(id) ?? unicodeKey(id)
    }

    /// The key of an all-ASCII `id`, worked out on its bytes; nil when `id` is not ASCII.
    ///
    /// Ids, kinds, environments and resources are nearly always ASCII, and there the key comes
    /// down to three byte rules: white space and controls (0x00-0x20, 0x7F; no ASCII character
    /// is default-ignorable) are dropped, A-Z become a-z, trailing dots go. Every submission
    /// folds five fields for the policy: on the bytes that is ~0.3 µs, against ~15 µs asking
    /// each scalar's Unicode properties and case-mapping a String twice (tollgate-bench
    /// `--only policy`). Tests hold it to `unicodeKey` on every ASCII character.
    static func asciiKey(_ id: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(id.utf8.count)
        for byte in id.utf8 {
            guard byte < 0x80 else { return nil }
            if byte <= 0x20 || byte == 0x7F { continue }
            out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        while out.last == UInt8(ascii: ".") { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// The key of any `id`, by the Unicode rules `key` describes.
    @_spi(Testing) public static func unicodeKey(_ id: String) -> String {
        let composed = id.utf8.allSatisfy { $0 < 0x80 } ? id : id.precomposedStringWithCompatibilityMapping
        var kept = String.UnicodeScalarView()
        for scalar in composed.unicodeScalars where !isDropped(scalar) { kept.append(scalar) }
        // Upper then lower case approximates full case folding (`ß` → `ss`, `ς` → `σ`); folding
        // can leave text that is not NFKC (`İ` → `i` + U+0307), so it is normalised again.
        var folded = String(kept).uppercased().lowercased()
        if !folded.utf8.allSatisfy({ $0 < 0x80 }) { folded = folded.precomposedStringWithCompatibilityMapping }
        while folded.hasSuffix(".") { folded.removeLast() }
        return folded
    }

    /// True when `a` and `b` name the same principal.
    public static func same(_ a: String, _ b: String) -> Bool {
        a == b || key(a) == key(b)
    }

    /// Why `id` cannot be a principal's id, or nil when it can: empty, or holding white space,
    /// control characters or default-ignorable code points (invisible, so two ids that look the
    /// same could differ by one).
    public static func problem(in id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        for scalar in id.unicodeScalars where isDropped(scalar) {
            let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
            let what =
                scalar.properties.isWhitespace
                ? "white space"
                : scalar.properties.generalCategory == .control
                    ? "a control character" : "an invisible (default-ignorable) character"
            return "must not contain \(what) (\(code))"
        }
        if key(id).isEmpty { return "must contain more than dots" }
        return nil
    }

    /// `id` in quotes for a message, with every character the key leaves out (and `"`, `\`)
    /// written as an escape, so what makes an id unusable can be seen.
    public static func quoted(_ id: String) -> String {
        var out = "\""
        for scalar in id.unicodeScalars {
            if isDropped(scalar) || scalar == "\"" || scalar == "\\" {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// True when `a` and `b` are the same id byte for byte: Swift's `==` would call a combining
    /// sequence and its precomposed letter equal, which here are two spellings.
    public static func identical(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// Scalars the key leaves out: nothing a reader sees.
    private static func isDropped(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.isWhitespace || properties.isDefaultIgnorableCodePoint || properties.generalCategory == .control
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
