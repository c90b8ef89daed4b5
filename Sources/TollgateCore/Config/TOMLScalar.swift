/// What is wrong with a bare TOML value and where, as a byte offset into its text; the parser
/// turns it into a `TOMLError` with the line and column.
struct TOMLScalarIssue: Error {
    var offset: Int
    var message: String
}

/// Reads the values TOML writes without quotes or brackets: booleans, integers, floats and
/// dates. Pure: it sees only the value's text, which the parser has cut at the first byte that
/// cannot belong to one.
enum TOMLScalar {
    /// Bytes a bare value can contain (dates add one space, see `TOMLParser`).
    static func isValueByte(_ c: UInt8) -> Bool {
        TOMLBytes.isBareKeyByte(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    static func read(_ text: ArraySlice<UInt8>) throws(TOMLScalarIssue) -> TOMLValue.Kind {
        let s = String(decoding: text, as: UTF8.self)
        switch s {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan": return .float(.nan)
        case "-nan": return .float(-.nan)
        default: break
        }
        if text.contains(UInt8(ascii: ":")) || looksLikeDate(text) { return .dateTime(try TOMLDateTime.read(text)) }
        return try readNumber(text, s)
    }

    /// Four digits and a dash: a date, however wrong the rest (no number has a dash there).
    private static func looksLikeDate(_ text: ArraySlice<UInt8>) -> Bool {
        text.count >= 5 && text.prefix(4).allSatisfy(TOMLBytes.isDigit) && text[text.startIndex + 4] == UInt8(ascii: "-")
    }

    // MARK: Numbers

    private static let prefixes: [(UInt8, radix: UInt64, name: String)] = [
        (UInt8(ascii: "x"), 16, "hexadecimal"), (UInt8(ascii: "o"), 8, "octal"), (UInt8(ascii: "b"), 2, "binary"),
    ]

    private static func readNumber(_ text: ArraySlice<UInt8>, _ s: String) throws(TOMLScalarIssue) -> TOMLValue.Kind {
        let start = text.startIndex
        let signed = text.first == UInt8(ascii: "+") || text.first == UInt8(ascii: "-")
        let body = signed ? start + 1 : start
        if body + 1 < text.endIndex, text[body] == UInt8(ascii: "0") {
            let marker = text[body + 1]
            if let prefix = prefixes.first(where: { $0.0 == marker || $0.0 == marker | 0x20 }) {
                guard !signed else { throw TOMLScalarIssue(offset: 0, message: "\(article(prefix.name)) \(prefix.name) integer takes no sign: \(s)") }
                guard prefix.0 == marker else {
                    throw TOMLScalarIssue(offset: 1, message: "the \(prefix.name) prefix is lowercase 0\(Character(Unicode.Scalar(prefix.0))): \(s)")
                }
                return .integer(try readRadix(text, from: body + 2, radix: prefix.radix, name: prefix.name, s))
            }
        }
        guard let first = text[body...].first, TOMLBytes.isDigit(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ".") else {
            let found = signed && text.count == 1 ? "a lone sign" : "\(s.prefix(40).debugDescription)"
            throw TOMLScalarIssue(offset: 0, message: "expected a value, found \(found) (strings need quotes)")
        }
        if first == UInt8(ascii: ".") { throw TOMLScalarIssue(offset: body - start, message: "a digit must come before the decimal point: \(s)") }
        var digits = signed && text[start] == UInt8(ascii: "-") ? "-" : ""
        let integerPart = try digitRun(text, from: body, what: "the number", into: &digits)
        if integerPart.count > 1, text[body] == UInt8(ascii: "0") {
            throw TOMLScalarIssue(offset: body - start, message: "leading zeros are not allowed: \(s)")
        }
        var index = integerPart.end
        var isFloat = false
        if index < text.endIndex, text[index] == UInt8(ascii: ".") {
            isFloat = true
            digits.append(".")
            index = try digitRun(text, from: index + 1, what: "the decimal point", into: &digits).end
        }
        if index < text.endIndex, text[index] | 0x20 == UInt8(ascii: "e") {
            isFloat = true
            digits.append("e")
            index += 1
            if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                digits.append(Character(Unicode.Scalar(text[index])))
                index += 1
            }
            index = try digitRun(text, from: index, what: "the exponent", into: &digits).end
        }
        if index < text.endIndex {
            throw TOMLScalarIssue(offset: index - start, message: "unexpected \(TOMLBytes.describe(text[index])) in the number \(s.prefix(40))")
        }
        if isFloat {
            guard let d = Double(digits), d.isFinite else {
                throw TOMLScalarIssue(offset: 0, message: "float \(s.prefix(40)) is out of range (beyond ±1.8e308)")
            }
            return .float(d)
        }
        guard let i = Int64(digits) else { throw outOfRange(s) }
        return .integer(i)
    }

    /// Digits of base `radix` after a `0x`, `0o` or `0b` prefix.
    private static func readRadix(_ text: ArraySlice<UInt8>, from index: Int, radix: UInt64, name: String, _ s: String) throws(TOMLScalarIssue) -> Int64 {
        var value: UInt64 = 0
        var previousWasDigit = false
        for i in index..<text.endIndex {
            let c = text[i]
            if c == UInt8(ascii: "_") {
                guard previousWasDigit, i + 1 < text.endIndex, text[i + 1] != UInt8(ascii: "_") else {
                    throw TOMLScalarIssue(offset: i - text.startIndex, message: "an underscore must sit between two digits: \(s.prefix(40))")
                }
                previousWasDigit = false
                continue
            }
            guard let digit = TOMLBytes.hexValue(c).map(UInt64.init), digit < radix else {
                throw TOMLScalarIssue(offset: i - text.startIndex, message: "\(TOMLBytes.describe(c)) is not \(article(name)) \(name) digit: \(s.prefix(40))")
            }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            guard !overflow, shifted + digit <= UInt64(Int64.max) else { throw outOfRange(s) }
            value = shifted + digit
            previousWasDigit = true
        }
        guard index < text.endIndex else {
            throw TOMLScalarIssue(offset: index - text.startIndex, message: "\(article(name)) \(name) integer needs digits after its prefix: \(s)")
        }
        return Int64(value)
    }

    /// Decimal digits from `index`, underscores only between two digits; appends the digits to
    /// `digits` and returns how many there were and where the run ends.
    private static func digitRun(_ text: ArraySlice<UInt8>, from index: Int, what: String, into digits: inout String) throws(TOMLScalarIssue) -> (
        count: Int, end: Int
    ) {
        var i = index
        var count = 0
        while i < text.endIndex {
            let c = text[i]
            if TOMLBytes.isDigit(c) {
                digits.append(Character(Unicode.Scalar(c)))
                count += 1
            } else if c == UInt8(ascii: "_") {
                guard count > 0, i + 1 < text.endIndex, TOMLBytes.isDigit(text[i + 1]) else {
                    throw TOMLScalarIssue(
                        offset: i - text.startIndex, message: "an underscore must sit between two digits: \(String(decoding: text, as: UTF8.self).prefix(40))")
                }
            } else {
                break
            }
            i += 1
        }
        guard count > 0 else {
            throw TOMLScalarIssue(offset: i - text.startIndex, message: "a digit must follow \(what): \(String(decoding: text, as: UTF8.self).prefix(40))")
        }
        return (count, i)
    }

    private static func article(_ name: String) -> String { name.hasPrefix("o") ? "an" : "a" }

    private static func outOfRange(_ s: String) -> TOMLScalarIssue {
        TOMLScalarIssue(offset: 0, message: "integer \(s.prefix(40)) is out of range: TOML integers are 64-bit, \(Int64.min) to \(Int64.max)")
    }
}

/// Byte classes and byte names shared by the TOML readers.
enum TOMLBytes {
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Letters, digits, `_` and `-`: the bytes of a bare key.
    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || isDigit(c) || c == 0x5F || c == 0x2D
    }

    /// The value of a hexadecimal digit (either case), nil for any other byte.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// One byte as a message shows it: `'x'` when printable ASCII, else its name or hex value.
    static func describe(_ c: UInt8) -> String {
        switch c {
        case 0x0A: "a line break"
        case 0x0D: "a carriage return"
        case 0x09: "a tab"
        case 0x21..<0x7F: "'\(Character(Unicode.Scalar(c)))'"
        default: "byte 0x" + String(c, radix: 16, uppercase: true)
        }
    }
}
