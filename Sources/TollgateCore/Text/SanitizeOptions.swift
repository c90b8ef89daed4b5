/// Options for one rendering context: what the terminal can show and how to lay text out in it.
///
/// Values from configuration are hostile too, so the sanitiser clamps them:
/// `tabWidth` to 1...32 and `maxCombiningPerCluster` to 0...16.
public struct SanitizeOptions: Hashable, Sendable {
    /// The terminal or locale cannot show UTF-8: every non-ASCII character becomes an ASCII
    /// placeholder (`<U+00E9>`, `<RLO>`, `^[`), so the output is printable ASCII only.
    public var asciiOnly: Bool
    /// Columns between tab stops; tabs expand to spaces up to the next stop.
    public var tabWidth: Int
    /// Combining marks kept on one base character; the rest are counted in a `⟨+N marks⟩` placeholder.
    public var maxCombiningPerCluster: Int

    public init(asciiOnly: Bool = false, tabWidth: Int = 4, maxCombiningPerCluster: Int = 2) {
        self.asciiOnly = asciiOnly
        self.tabWidth = tabWidth
        self.maxCombiningPerCluster = maxCombiningPerCluster
    }

    var clampedTabWidth: Int { min(max(tabWidth, 1), 32) }
    var clampedMaxCombining: Int { min(max(maxCombiningPerCluster, 0), 16) }
}
