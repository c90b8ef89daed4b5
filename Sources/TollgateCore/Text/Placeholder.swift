/// The visible stand-ins the sanitiser shows instead of text that must not reach a terminal.
///
/// | input | UTF-8 terminal | ASCII terminal |
/// |---|---|---|
/// | C0 control, DEL | Control Pictures: `␀` `␇` `␈` `␛` `␡` | caret notation: `^@` `^G` `^H` `^[` `^?` |
/// | C1 control | `⟨U+009B⟩` | `<U+009B>` |
/// | bidi control, well-known invisible or odd space | `⟨RLO⟩` `⟨ZWSP⟩` `⟨NBSP⟩` | `<RLO>` `<ZWSP>` `<NBSP>` |
/// | other invisible, format, private-use or unassigned | `⟨U+E000⟩` | `<U+E000>` |
/// | orphaned variation selector | `⟨VS16⟩` | `<VS16>` |
/// | combining mark with no base | `◌́` (dotted circle carries it) | `<U+0301>` |
/// | marks beyond the cap | `⟨+48 marks⟩` | `<+48 marks>` |
/// | tag characters (hidden ASCII) | `⟨TAG:hidden⟩` | `<TAG:hidden>` |
/// | line break in a one-line cell | `↵` | `\n` |
/// | any other non-ASCII character | itself | `<U+00E9>` |
///
/// Every character used here is one column wide and printable in its mode.
enum Placeholder {
    /// Brackets around a placeholder's words.
    static func open(ascii: Bool) -> String { ascii ? "<" : "⟨" }
    static func close(ascii: Bool) -> String { ascii ? ">" : "⟩" }

    static func bracketed(_ words: String, ascii: Bool) -> String {
        open(ascii: ascii) + words + close(ascii: ascii)
    }

    /// A C0 control (other than the line breaks and tab the sanitiser handles itself) or DEL.
    static func control(_ value: UInt32, ascii: Bool) -> String {
        if value == 0x7F { return ascii ? "^?" : "\u{2421}" }
        if ascii {
            // Caret notation: ^@ for NUL, ^A for SOH, ... ^[ for ESC, ^_ for US.
            return "^" + String(UnicodeScalar(UInt8(truncatingIfNeeded: value + 0x40)))
        }
        return Unicode.Scalar(0x2400 + value).map { String($0) } ?? coded(value, ascii: false)
    }

    /// `U+XXXX`, at least four upper-case hex digits, bracketed.
    static func coded(_ value: UInt32, ascii: Bool) -> String {
        bracketed(codePoint(value), ascii: ascii)
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// A non-ASCII scalar spelled out for an ASCII terminal: its short name if it has one.
    static func asciiSpelling(_ scalar: Unicode.Scalar) -> String {
        if let name = name(of: scalar.value) { return bracketed(name, ascii: true) }
        if let selector = variationSelectorName(scalar.value) { return bracketed(selector, ascii: true) }
        return coded(scalar.value, ascii: true)
    }

    static func excessMarks(_ count: Int, ascii: Bool) -> String {
        bracketed("+\(count) mark" + (count == 1 ? "" : "s"), ascii: ascii)
    }

    static func lineBreak(ascii: Bool) -> String { ascii ? "\\n" : "↵" }

    static func tagRunOpening(ascii: Bool) -> String { open(ascii: ascii) + "TAG:" }

    /// Drawn before a combining mark that has no base, so it cannot combine with whatever the
    /// terminal drew in the cell before.
    static let dottedCircle: Unicode.Scalar = "\u{25CC}"

    // MARK: - Names

    /// Short names for the invisibles and bidi controls an approver is most likely to meet
    /// (and an attacker most likely to use); everything else is shown by code point.
    static func name(of value: UInt32) -> String? {
        switch value {
        case 0x00A0: "NBSP"
        case 0x00AD: "SHY"
        case 0x034F: "CGJ"
        case 0x061C: "ALM"
        case 0x180E: "MVS"
        case 0x200B: "ZWSP"
        case 0x200C: "ZWNJ"
        case 0x200D: "ZWJ"
        case 0x200E: "LRM"
        case 0x200F: "RLM"
        case 0x202A: "LRE"
        case 0x202B: "RLE"
        case 0x202C: "PDF"
        case 0x202D: "LRO"
        case 0x202E: "RLO"
        case 0x202F: "NNBSP"
        case 0x2060: "WJ"
        case 0x2066: "LRI"
        case 0x2067: "RLI"
        case 0x2068: "FSI"
        case 0x2069: "PDI"
        case 0xFEFF: "BOM"
        case 0xE007F: "CANCEL TAG"
        default: nil
        }
    }

    /// `VS1`…`VS256` for the standard variation selectors.
    static func variationSelectorName(_ value: UInt32) -> String? {
        switch value {
        case 0xFE00...0xFE0F: "VS\(value - 0xFE00 + 1)"
        case 0xE0100...0xE01EF: "VS\(value - 0xE0100 + 17)"
        default: nil
        }
    }
}
