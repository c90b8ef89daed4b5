/// TOML's four kinds of string: basic (`"…"`, with escapes), literal (`'…'`, as written) and
/// their multi-line forms (`"""…"""`, `'''…'''`), where a line break right after the opening
/// delimiter is dropped. No string may hold a control character but tab (and, multi-line, the
/// line break); a basic string writes the others as escapes.
extension TOMLParser {
    /// `"…"`, which ends on its line.
    mutating func parseBasicString() throws(TOMLError) -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated string: expected \"") }
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try appendEscape(to: &out)
            case 0x0A:
                throw error("unterminated string: a \"string\" ends on its line (\"\"\" starts a multi-line one)")
            default:
                try checkAllowed(c, in: "a string")
                out.append(c)
                pos += 1
            }
        }
    }

    /// `'…'`, which ends on its line and has no escapes.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        pos += 1
        let start = pos
        while let c = current, c != UInt8(ascii: "'") {
            if c == 0x0A { throw error("unterminated string: a 'literal string' ends on its line (''' starts a multi-line one)") }
            try checkAllowed(c, in: "a literal string")
            pos += 1
        }
        guard current != nil else { throw error("unterminated string: expected '") }
        pos += 1
        return String(decoding: bytes[start..<pos - 1], as: UTF8.self)
    }

    /// `"""…"""`, with escapes and line-ending backslashes.
    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        pos += 3
        if current == 0x0A { newline() }
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated multi-line string: expected \"\"\"") }
            if c == UInt8(ascii: "\""), starts(with: "\"\"\"") {
                pos += 3
                appendExtraQuotes(UInt8(ascii: "\""), to: &out)
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                if try skipLineEndingBackslash() { continue }
                try appendEscape(to: &out)
            } else if c == 0x0A {
                out.append(c)
                newline()
            } else {
                try checkAllowed(c, in: "a string")
                out.append(c)
                pos += 1
            }
        }
    }

    /// `'''…'''`, as written.
    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        pos += 3
        if current == 0x0A { newline() }
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated multi-line string: expected '''") }
            if c == UInt8(ascii: "'"), starts(with: "'''") {
                pos += 3
                appendExtraQuotes(UInt8(ascii: "'"), to: &out)
                return String(decoding: out, as: UTF8.self)
            }
            if c == 0x0A {
                out.append(c)
                newline()
            } else {
                try checkAllowed(c, in: "a literal string")
                out.append(c)
                pos += 1
            }
        }
    }

    /// Up to two quotes right before the closing delimiter belong to the string (`""""` ends in `"`).
    private mutating func appendExtraQuotes(_ quote: UInt8, to out: inout [UInt8]) {
        for _ in 0..<2 where current == quote {
            out.append(quote)
            pos += 1
        }
    }

    /// A `\` that ends its line (spaces may follow it) removes the line break and every space
    /// and line break after it; returns false when the backslash starts an escape instead.
    private mutating func skipLineEndingBackslash() throws(TOMLError) -> Bool {
        var after = pos + 1
        while after < bytes.count, bytes[after] == 0x20 || bytes[after] == 0x09 { after += 1 }
        guard after < bytes.count, bytes[after] == 0x0A else {
            if after > pos + 1 { throw error("a backslash followed by spaces must end the line (or write \\\\ for a backslash)") }
            return false
        }
        pos = after
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A {
            if c == 0x0A { newline() } else { pos += 1 }
        }
        return true
    }

    /// The escape at `pos` (a backslash): `\b \t \n \f \r \" \\`, `\uXXXX` or `\UXXXXXXXX`.
    private mutating func appendEscape(to out: inout [UInt8]) throws(TOMLError) {
        let start = mark
        pos += 1
        guard let e = current else { throw error("unterminated string: expected an escape after \\") }
        pos += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let c = current, let digit = TOMLBytes.hexValue(c) else {
                    throw error("invalid escape: \\\(Character(Unicode.Scalar(e))) takes exactly \(count) hexadecimal digits", at: start)
                }
                value = value << 4 | UInt32(digit)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                let hex = String(value, radix: 16, uppercase: true)
                throw error("invalid escape: U+\(hex) is not a Unicode scalar value (no surrogates, nothing above 10FFFF)", at: start)
            }
            out += Array(String(scalar).utf8)
        default:
            let what = e == 0x0A ? "a line break (only a multi-line string may end a line with \\)" : TOMLBytes.describe(e)
            throw error("invalid escape: \\ followed by \(what); write \\\\ for a backslash", at: start)
        }
    }

    /// Control characters other than tab must be escaped (and cannot be, in a literal string).
    private func checkAllowed(_ c: UInt8, in what: String) throws(TOMLError) {
        guard (c < 0x20 && c != 0x09) || c == 0x7F else { return }
        if c == 0x0D { throw error("a carriage return in \(what) must be followed by a line feed") }
        throw error("control character \(Self.codePoint(c)) is not allowed in \(what)" + (what == "a string" ? "; write it as an escape" : ""))
    }
}
