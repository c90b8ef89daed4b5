/// Which characters of a candidate secret may be masked: the one guard every rule goes through.
///
/// Masking never hides anything but a secret's own characters. A secret is made of *token
/// characters* (`A-Z a-z 0-9 - _ . + / = % : @`), none of which changes what a shell or a program
/// does, so only runs of them are masked: whitespace, quotes, `$`, backticks, brackets, braces,
/// `; | & < > \ * ? # ! ~ ,` and anything outside ASCII always stay visible. And a candidate that
/// touches code is left visible whole, because it is an expression rather than a secret: when it
/// spans a command separator or grouping character (`; | & < > ( )`, backtick, `$`, line break),
/// when its word (up to white space on either side) holds `$` or a backtick (`x$(touch …)`,
/// `${IFS}`, `$VAR`), or when one of its runs is glued to `(`, `)` or `[` (`<(cat pw)`, `f(pw)`,
/// `env["PW"]`).
enum MaskableRuns {
    /// The mark that replaces each masked run.
    static let mark = "…[masked]"
    private static let markUnits = Array(mark.utf16)

    /// Whether `unit` (one UTF-16 code unit) can be part of a secret and so may be masked.
    @inline(__always)
    static func isToken(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true  // 0-9 A-Z a-z
        case 0x2D, 0x5F, 0x2E, 0x2B, 0x2F, 0x3D, 0x25, 0x3A, 0x40: true  // - _ . + / = % : @
        default: false
        }
    }

    /// Characters that end a shell word.
    @inline(__always)
    static func isSpace(_ unit: UInt16) -> Bool {
        unit == 0x20 || (0x09...0x0D).contains(unit)
    }

    /// Characters that separate or group commands, or start an expansion: a candidate holding one is code.
    @inline(__always)
    private static func isCommandSyntax(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x3B, 0x7C, 0x26, 0x3C, 0x3E, 0x28, 0x29, 0x60, 0x24, 0x0A, 0x0D: true  // ; | & < > ( ) ` $ LF CR
        default: false
        }
    }

    /// Characters a secret's run may not be glued to: a command or a call starts or ends there.
    @inline(__always)
    private static func isGlue(_ unit: UInt16) -> Bool {
        unit == 0x28 || unit == 0x29 || unit == 0x5B  // ( ) [
    }

    /// The runs of token characters to mask for one candidate secret made of `spans` (UTF-16
    /// offsets into `units`); empty when the candidate must stay visible.
    ///
    /// With `asCode` false (a context value under a secret key: data, never run) only the token
    /// rule applies; the checks for code are skipped.
    static func runs(of spans: [Range<Int>], in units: [UInt16], asCode: Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for span in spans {
            if asCode, !isPlainData(span, in: units) { return [] }
            var i = span.lowerBound
            while i < span.upperBound {
                guard isToken(units[i]) else { i += 1; continue }
                var end = i
                while end < span.upperBound, isToken(units[end]) { end += 1 }
                if !isInsideMark(i..<end, units) {
                    if asCode, isGlued(i..<end, units) { return [] }
                    runs.append(i..<end)
                }
                i = end
            }
        }
        return runs
    }

    /// False when the span holds command syntax or its words hold an expansion.
    private static func isPlainData(_ span: Range<Int>, in units: [UInt16]) -> Bool {
        var start = span.lowerBound
        while start > 0, !isSpace(units[start - 1]) { start -= 1 }
        var end = span.upperBound
        while end < units.count, !isSpace(units[end]) { end += 1 }
        for i in span where isCommandSyntax(units[i]) { return false }
        for i in start..<end where units[i] == 0x24 || units[i] == 0x60 { return false }  // $ `
        return true
    }

    /// The whole run of token characters in `units` that `run` is part of.
    static func tokenRun(around run: Range<Int>, in units: [UInt16]) -> Range<Int> {
        var start = run.lowerBound
        while start > 0, isToken(units[start - 1]) { start -= 1 }
        var end = run.upperBound
        while end < units.count, isToken(units[end]) { end += 1 }
        return start..<end
    }

    /// Whether the whole token run around `run` starts after or ends before a glue character.
    private static func isGlued(_ run: Range<Int>, _ units: [UInt16]) -> Bool {
        let whole = tokenRun(around: run, in: units)
        return (whole.lowerBound > 0 && isGlue(units[whole.lowerBound - 1]))
            || (whole.upperBound < units.count && isGlue(units[whole.upperBound]))
    }

    /// Whether a mark already in the text lies inside `span`.
    static func containsMark(_ span: Range<Int>, in units: [UInt16]) -> Bool {
        guard span.count >= markUnits.count else { return false }
        for i in span.lowerBound...(span.upperBound - markUnits.count) where units[i] == markUnits[0] {
            if units[i..<(i + markUnits.count)].elementsEqual(markUnits) { return true }
        }
        return false
    }

    /// Whether a mark already in the text ends just before `run` or starts just after it.
    static func touchesMark(_ run: Range<Int>, in units: [UInt16]) -> Bool {
        let before = run.lowerBound - markUnits.count
        let after = run.upperBound + markUnits.count
        return (before >= 0 && units[before..<run.lowerBound].elementsEqual(markUnits))
            || (after <= units.count && units[run.upperBound..<after].elementsEqual(markUnits))
    }

    /// Whether `run` is the word `masked` of a mark already in the text, which masking again must leave alone.
    private static func isInsideMark(_ run: Range<Int>, _ units: [UInt16]) -> Bool {
        let start = run.lowerBound - 2
        guard run.count == 6, start >= 0, start + markUnits.count <= units.count else { return false }
        return units[start..<(start + markUnits.count)].elementsEqual(markUnits)
    }

    /// `units` with each of `runs` (sorted, disjoint) replaced by the mark.
    static func apply(_ runs: [Range<Int>], to units: [UInt16]) -> String {
        var out: [UInt16] = []
        out.reserveCapacity(units.count + runs.count * markUnits.count)
        var cursor = 0
        for run in runs {
            out += units[cursor..<run.lowerBound]
            out += markUnits
            cursor = run.upperBound
        }
        out += units[cursor...]
        return String(decoding: out, as: UTF16.self)
    }
}

extension SecretMasker {
    /// Whether a UTF-16 code unit is one a mask may cover (for the fuzz checks, which see only the public module).
    @_spi(Testing) public static func isTokenCharacter(_ unit: UInt16) -> Bool { MaskableRuns.isToken(unit) }
}
