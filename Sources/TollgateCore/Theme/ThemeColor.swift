/// A terminal colour: the terminal's default, or one of the 256 indexed colours.
///
/// Indexes 0–15 are the classic named colours (`red`, `bright_red`, …); a `#rrggbb` value
/// is stored as the nearest entry of the xterm 256-colour palette. `fitted(toColors:)`
/// brings a colour down to what the terminal reports it can show.
public enum ThemeColor: Hashable, Sendable {
    case terminalDefault
    case indexed(UInt8)

    /// The names accepted in theme files, index = colour number.
    public static let names: [String] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright_black", "bright_red", "bright_green", "bright_yellow",
        "bright_blue", "bright_magenta", "bright_cyan", "bright_white",
    ]

    /// The theme-file spelling: a name, a number or `default`.
    public var fileName: String {
        switch self {
        case .terminalDefault: "default"
        case .indexed(let i) where Int(i) < Self.names.count: Self.names[Int(i)]
        case .indexed(let i): String(i)
        }
    }

    /// Parses a colour name, `default`, or `#rrggbb`; nil when it is none of these.
    public init?(name: String) {
        if name == "default" { self = .terminalDefault; return }
        if let i = Self.names.firstIndex(of: name) { self = .indexed(UInt8(i)); return }
        let bytes = Array(name.utf8)
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "#"),
            let v = UInt32(String(decoding: bytes[1...], as: UTF8.self), radix: 16)
        else { return nil }
        self = .indexed(Self.nearest256(r: Int(v >> 16 & 0xFF), g: Int(v >> 8 & 0xFF), b: Int(v & 0xFF)))
    }

    /// This colour as a terminal with `colors` colours can show it: indexes above the range
    /// become the nearest lower colour (256 → 16 → 8); fewer than 8 leaves only the default.
    public func fitted(toColors colors: Int) -> ThemeColor {
        guard case .indexed(let i) = self else { return self }
        if colors >= 256 || Int(i) < min(colors, 16) { return self }
        if colors >= 16 { return .indexed(Self.nearest16(Int(i))) }
        if colors >= 8 {
            let sixteen = i < 16 ? i : Self.nearest16(Int(i))
            return .indexed(sixteen % 8)
        }
        return .terminalDefault
    }

    // MARK: - The xterm palette

    /// The RGB value xterm shows for palette entry `i` (0–255).
    public static func rgb(_ i: Int) -> (Int, Int, Int) {
        switch i {
        case 0..<16: return basic[i]
        case 16..<232:
            let n = i - 16
            return (cubeLevels[n / 36], cubeLevels[n / 6 % 6], cubeLevels[n % 6])
        default:
            let v = 8 + (i - 232) * 10
            return (v, v, v)
        }
    }

    private static let basic: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    private static let cubeLevels = [0, 95, 135, 175, 215, 255]

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }

    /// The nearest entry of the 6x6x6 cube or the grey ramp (16–255), as xterm's own tools pick it.
    static func nearest256(r: Int, g: Int, b: Int) -> UInt8 {
        func level(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
        let cube = 16 + 36 * level(r) + 6 * level(g) + level(b)
        let average = (r + g + b) / 3
        let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = 232 + greyStep
        let target = (r, g, b)
        return UInt8(distance(rgb(cube), target) <= distance(rgb(grey), target) ? cube : grey)
    }

    /// The nearest of the 16 basic colours to palette entry `i`.
    static func nearest16(_ i: Int) -> UInt8 {
        let target = rgb(i)
        var best = 0
        var bestDistance = Int.max
        for (n, c) in basic.enumerated() {
            let d = distance(c, target)
            if d < bestDistance { best = n; bestDistance = d }
        }
        return UInt8(best)
    }
}

/// Text attributes a terminal can show without colour.
public struct ThemeAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = ThemeAttributes(rawValue: 1 << 0)
    public static let dim = ThemeAttributes(rawValue: 1 << 1)
    public static let underline = ThemeAttributes(rawValue: 1 << 2)
    public static let reverse = ThemeAttributes(rawValue: 1 << 3)
    public static let italic = ThemeAttributes(rawValue: 1 << 4)
    public static let standout = ThemeAttributes(rawValue: 1 << 5)

    /// Theme-file names, in the order they are written back.
    public static let named: [(String, ThemeAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("underline", .underline),
        ("reverse", .reverse), ("italic", .italic), ("standout", .standout),
    ]

    /// The theme-file spelling, e.g. `["bold", "underline"]`.
    public var names: [String] { Self.named.filter { contains($0.1) }.map(\.0) }
}
