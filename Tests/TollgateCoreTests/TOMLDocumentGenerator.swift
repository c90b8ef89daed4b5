import TollgateCore

/// Writes seeded TOML documents, valid and nearly valid, for the differential test: every form
/// of number, string, date, key, table header, array and inline table, with the mistakes people
/// make (and the spec forbids) mixed in, then sometimes mutated character by character.
///
/// Each document draws how often it errs (never, now and then, often) and how few key names it
/// uses: with three names, headers and dotted keys collide often, which is where the rules on
/// redefining tables live.
struct TOMLDocumentGenerator {
    private var random: SplitMix64
    /// Percent chance that each choice is one the spec forbids.
    private var mistakes = 0
    private var names: [String] = []

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func document() -> String {
        mistakes = pick([0, 0, 0, 2, 10])
        names = chance(50) ? ["a", "b", "c"] : ["a", "b", "c", "d", "e", "f", "g", "h", "k1", "k2", "k3", "k4"]
        var lines: [String] = []
        for _ in 0..<(1 + below(9)) {
            switch below(12) {
            case 0, 1: lines.append("[\(keyPath())]" + (chance(20) ? " # header" : ""))
            case 2: lines.append("[[\(keyPath())]]")
            case 3: lines.append(pick(["# comment", "#", "  # indented", "#\t\"quoted\" é"], ["# \u{1} control", "# \u{7F}"]))
            case 4: lines.append(pick(["", "  ", "\t"]))
            default: lines.append("\(keyPath()) = \(value(depth: 0))" + (chance(15) ? " # after" : ""))
            }
        }
        var text = lines.joined(separator: chance(10) ? "\r\n" : "\n") + (chance(50) ? "\n" : "")
        if mistakes > 0, chance(50) { text = mutate(text) }
        return text
    }

    // MARK: Keys

    private mutating func key() -> String {
        switch below(10) {
        case 0:
            pick(
                ["\"a\"", "'b'", "\"\"", "''", "\"a.b\"", "\"é \\u00e9\"", "\"tab\\t\"", "'lit\"'", "x-1", "_k", "1", "2024", "-", "A", "true", "inf"],
                ["\"x\\q\"", "é", "a b", "\"\"\"k\"\"\"", "'a"])
        default: pick(names)
        }
    }

    private mutating func keyPath() -> String {
        let dot = pick([".", ".", " . "], [".."])
        return (0..<(1 + below(3))).map { _ in key() }.joined(separator: dot)
    }

    // MARK: Values

    private mutating func value(depth: Int) -> String {
        switch below(depth > 2 ? 6 : 8) {
        case 0: integer()
        case 1: float()
        case 2: string()
        case 3: date()
        case 4: pick(["true", "false"], ["True", "tru", "falsey"])
        case 5: pick(["1", "\"s\"", "[]", "{}"])
        case 6: array(depth: depth + 1)
        default: inlineTable(depth: depth + 1)
        }
    }

    /// Digits from `alphabet`, with underscores between some (and, as a mistake, elsewhere).
    private mutating func digits(_ count: Int, from alphabet: String = "0123456789") -> String {
        let chars = Array(alphabet)
        var out = ""
        for i in 0..<count {
            if i > 0, chance(15) { out += pick(["_"], ["__"]) }
            out.append(pick(chars))
        }
        if chance(mistakes) { out = chance(50) ? "_" + out : out + "_" }
        return out
    }

    private mutating func sign() -> String { pick(["", "", "", "+", "-"]) }

    private mutating func leadingDigit() -> String { pick(Array("123456789").map(String.init), ["0"]) }

    private mutating func integer() -> String {
        switch below(6) {
        case 0:
            pick(
                ["9223372036854775807", "-9223372036854775808", "0x7FFFFFFFFFFFFFFF", "+0", "-0", "0", "0xdead_beef", "0o0_7", "0b1_0", "1_000_000", "+99"],
                [
                    "9223372036854775808", "-9223372036854775809", "0x8000000000000000", "0o777777777777777777777", "00", "007", "0_0",
                    "1__0", "_1", "1_", "0x", "0X10", "+0x10", "-0o7", "0b102", "0x_1", "- 1", "0b" + String(repeating: "1", count: 64),
                ])
        case 1: "0x" + digits(1 + below(15), from: "0123456789abcdefABCDEF")
        case 2: "0o" + digits(1 + below(20), from: "01234567")
        case 3: "0b" + digits(1 + below(62), from: "01")
        default: sign() + leadingDigit() + digits(below(18))
        }
    }

    private mutating func float() -> String {
        switch below(5) {
        case 0:
            pick(
                [
                    "inf", "+inf", "-inf", "nan", "+nan", "-nan", "1e-400", "5e-324", "1.7976931348623157e308", "0e0",
                    "-0.0", "+0.0", "1E+5", "1e-05", "3.14159265358979323846264338", "0.1", "1e06", "6.02e23",
                ],
                ["Inf", "infinity", "1e400", "-1e400", "1.", ".5", "1e", "1.e5", "1_.0", "1._0", "1e_5", "01.0", "1.5e+3_0"])
        default:
            sign() + leadingDigit() + digits(below(6)) + (chance(70) ? "." + digits(1 + below(17)) : "")
                + (chance(40) ? pick(["e", "E"]) + sign() + digits(1 + below(3)) : (chance(20) ? "e" + String(below(330)) : ".5"))
        }
    }

    private static let basicPieces = [
        "a", "é", "漢", "😀", " ", "\\n", "\\t", "\\\"", "\\\\", "\\u00e9", "\\U0001F600",
        "\t", "'", "#", "\\b", "\\f", "\\r", "\\u00E9", "\u{85}", "\u{202E}",
    ]
    private static let badBasicPieces = ["\\uD800", "\\U00110000", "\\x41", "\\e", "\u{1}", "\\u00", "\u{7F}", "\\ ", "\"", "\n"]
    private static let literalPieces = ["a", "\\n", "\"", "é", " ", "\t", "\\", "#"]
    private static let badLiteralPieces = ["\u{1}", "\u{7F}", "'", "\n"]

    private mutating func pieces(_ good: [String], _ bad: [String]) -> String {
        (0..<below(6)).map { _ in pick(good, bad) }.joined()
    }

    private mutating func string() -> String {
        switch below(4) {
        case 0: return "\"" + pieces(Self.basicPieces, Self.badBasicPieces) + "\""
        case 1: return "'" + pieces(Self.literalPieces, Self.badLiteralPieces) + "'"
        case 2:
            let body = pieces(Self.basicPieces + ["\n", "\\\n   ", "\\  \n\n  x", "\"", "\"\"", "\r\n"], ["\"\"\"", "\\", "\\ x", "\u{1}"])
            return "\"\"\"" + (chance(50) ? "\n" : "") + body + "\"\"\"" + String(repeating: "\"", count: chance(mistakes) ? 3 : below(3))
        default:
            let body = pieces(Self.literalPieces + ["\n", "'", "''", "\r\n"], ["'''", "\u{1}"])
            return "'''" + (chance(50) ? "\n" : "") + body + "'''" + String(repeating: "'", count: chance(mistakes) ? 3 : below(3))
        }
    }

    private mutating func date() -> String {
        let day =
            pick(["0001", "1979", "2000", "2024", "2023", "1900", "9999"], ["0000", "197"]) + "-"
            + pick(["01", "02", "02", "04", "12"], ["00", "13", "1"]) + "-" + pick(["01", "28", "29", "30", "31"], ["32", "00", "7"])
        let time =
            pick(["00", "07", "23"], ["24", "7"]) + ":" + pick(["00", "32", "59"], ["60"])
            + pick([":00", ":59"], [":60", ":5", ""]) + pick(["", "", ".5", ".123456", ".123456789123", ".0000001"], ["."])
        let offset = pick(["", "Z", "z", "+05:30", "-00:00", "-07:00"], ["+24:00", "+0530", "+05", "Zz"])
        switch below(5) {
        case 0: return day
        case 1: return time + (chance(mistakes) ? "Z" : "")
        case 2: return day + pick(["T", "t", " "], ["_", "  "]) + time
        default: return day + pick(["T", "t", " "]) + time + offset
        }
    }

    private mutating func array(depth: Int) -> String {
        var out = "["
        let count = below(5)
        for i in 0..<count {
            out += pick(["", " ", "\n", " # c\n  ", "\n\n"]) + value(depth: depth)
            if i < count - 1 || chance(30) { out += pick([",", " ,", ",\n", ", # c\n"], [",,", ""]) }
        }
        return out + pick(["", "\n", " "]) + pick(["]"], [""])
    }

    private mutating func inlineTable(depth: Int) -> String {
        let entries = (0..<below(4)).map { _ in "\(keyPath()) = \(value(depth: depth))" }
        return "{" + pick(["", " "]) + entries.joined(separator: pick([", ", ",", " , "], [",\n", " "]))
            + pick([""], [","]) + pick(["", " "]) + pick(["}"], [""])
    }

    // MARK: Mutations

    private mutating func mutate(_ text: String) -> String {
        var chars = Array(text)
        for _ in 0..<(1 + below(3)) where !chars.isEmpty {
            let at = below(chars.count)
            switch below(4) {
            case 0: chars.remove(at: at)
            case 1: chars.insert(pick(Array("\"'[]=._\n#,{} \\0x:-+e\u{1}\r\u{FEFF}é")), at: at)
            case 2: chars.insert(contentsOf: chars[at..<min(chars.count, at + 1 + below(12))], at: at)
            default: chars[at] = pick(Array("\"'[]=.\n#,{} 0"))
            }
        }
        return String(chars)
    }

    // MARK: Randomness

    private mutating func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// One of `good`, or (at the document's rate of mistakes) one of `bad`.
    private mutating func pick<T>(_ good: [T], _ bad: [T]) -> T { chance(mistakes) ? pick(bad) : pick(good) }
}
