/// How many terminal columns text takes.
///
/// The rules follow glibc's `wcwidth` (which ncurses uses to place cells) per scalar, and
/// measure emoji sequences the way current terminals draw them:
/// - East Asian Wide and Fullwidth characters (CJK, Hangul syllables, fullwidth forms,
///   Emoji_Presentation emoji): 2.
/// - Combining marks, format characters, conjoining Hangul vowels and finals: 0 (they belong
///   to the cluster before them).
/// - An emoji followed by VS16 (U+FE0F), or an emoji modifier base followed by a skin tone: 2.
/// - A ZWJ sequence (👨‍👩‍👧): 2, the width of its first emoji.
/// - A regional indicator: 1, so a flag (a pair) is 2.
/// - Everything else printable, including East Asian Ambiguous characters: 1.
///
/// Example: `DisplayWidth.of("a中🇫🇷")` is 5.
public enum DisplayWidth {
    /// Columns one scalar takes on its own; 0 for controls, which never reach a terminal.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7F { return value >= 0x20 ? 1 : 0 }
        if value < 0xA0 { return 0 }
        if isConjoiningVowelOrFinal(value) { return 0 }
        if WideCharacterTable.contains(value) { return 2 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .lineSeparator, .paragraphSeparator, .surrogate:
            return 0
        default:
            return 1
        }
    }

    /// Columns an already-safe string takes: the sum of the widths of the glyphs the sanitiser
    /// makes of it. Controls count 0, so measure text only after `TextSanitizer` has made it safe.
    public static func of(_ s: String) -> Int {
        var closed = 0
        var cluster = ClusterShape()
        for scalar in s.unicodeScalars {
            let value = scalar.value
            if value < 0x7F {
                guard value >= 0x20 else { continue }
                closed += cluster.width
                cluster = ClusterShape(ascii: value)
                continue
            }
            if value == 0x200D {
                cluster.joinPending = cluster.canJoin
                continue
            }
            if cluster.joinPending {
                cluster.joinPending = false
                if isPictographic(scalar) {
                    cluster.join(scalar)
                    continue
                }
            }
            if value == 0xFE0F {
                if cluster.widensWithVS16 { cluster.width = 2 }
                continue
            }
            if isEmojiModifier(value), cluster.takesModifier {
                cluster.takesModifier = false
                cluster.width = 2
                continue
            }
            if isRegionalIndicator(value), cluster.isOpenRegionalIndicator {
                cluster.isOpenRegionalIndicator = false
                cluster.width = 2
                continue
            }
            let width = of(scalar)
            guard width > 0 else { continue }
            closed += cluster.width
            cluster = ClusterShape(base: scalar, width: width)
        }
        return closed + cluster.width
    }

    // MARK: - Shared classification

    /// Most joins a ZWJ sequence may have; the longest recommended sequences have three.
    static let maxJoins = 4

    static func isConjoiningVowelOrFinal(_ value: UInt32) -> Bool {
        (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value)
    }

    static func isEmojiModifier(_ value: UInt32) -> Bool {
        (0x1F3FB...0x1F3FF).contains(value)
    }

    static func isRegionalIndicator(_ value: UInt32) -> Bool {
        (0x1F1E6...0x1F1FF).contains(value)
    }

    /// `#`, `*` and digits: ASCII characters that become emoji keycaps with VS16.
    static func isKeycapBase(_ value: UInt32) -> Bool {
        value == 0x23 || value == 0x2A || (0x30...0x39).contains(value)
    }

    /// An emoji that may stand on either side of a ZWJ in a sequence.
    static func isPictographic(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value >= 0xA9 && !isRegionalIndicator(value) && !isEmojiModifier(value)
            && scalar.properties.isEmoji
    }
}

// MARK: - Cluster shape

/// What the cluster being measured can still absorb; the sanitiser's `GlyphBuilder` applies
/// the same rules, which is what keeps `of(_: String)` equal to the sum of glyph widths.
private struct ClusterShape {
    var width = 0
    /// VS16 makes the base an emoji two columns wide.
    var widensWithVS16 = false
    var canJoin = false
    var joins = 0
    var joinPending = false
    var takesModifier = false
    var isOpenRegionalIndicator = false

    init() {}

    init(ascii value: UInt32) {
        width = 1
        widensWithVS16 = DisplayWidth.isKeycapBase(value)
    }

    init(base scalar: Unicode.Scalar, width: Int) {
        self.width = width
        let isEmoji = scalar.properties.isEmoji
        widensWithVS16 = isEmoji
        canJoin = DisplayWidth.isPictographic(scalar)
        takesModifier = isEmoji && scalar.properties.isEmojiModifierBase
        isOpenRegionalIndicator = DisplayWidth.isRegionalIndicator(scalar.value)
    }

    mutating func join(_ scalar: Unicode.Scalar) {
        joins += 1
        canJoin = joins < DisplayWidth.maxJoins
        takesModifier = scalar.properties.isEmojiModifierBase
        widensWithVS16 = false
        width = 2
    }
}
