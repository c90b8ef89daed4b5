import TollgateCore

/// A run of safe glyphs and the role it is painted with.
struct Run: Sendable {
    var glyphs: [DisplayGlyph]
    var role: ThemeRole
}

/// Builders for runs, so every string takes the right road to the screen: agent text through
/// the sanitiser, the console's own labels straight in.
struct Styler: Sendable {
    let asciiOnly: Bool

    var options: SanitizeOptions { SanitizeOptions(asciiOnly: asciiOnly, tabWidth: 4, maxCombiningPerCluster: 2) }

    /// Untrusted text as one line, sanitising no more than `limit` columns' worth.
    func text(_ s: some StringProtocol, _ role: ThemeRole, limit: Int = 512) -> Run {
        Run(glyphs: TextSanitizer.singleLine(Substring(s), options: options, maxColumns: limit + 1), role: role)
    }

    /// Untrusted text cut to at most `width` columns, with an ellipsis when cut (no padding).
    func clipped(_ s: some StringProtocol, _ role: ThemeRole, width: Int) -> Run {
        let glyphs = TextSanitizer.singleLine(Substring(s), options: options, maxColumns: width + 1)
        let total = glyphs.reduce(0) { $0 + max(0, $1.width) }
        guard total > width else { return Run(glyphs: glyphs, role: role) }
        var fitted = TextLayout.fit(glyphs, width: width, ellipsis: true, asciiOnly: asciiOnly)
        while fitted.last == .space { fitted.removeLast() }
        return Run(glyphs: fitted, role: role)
    }

    /// The console's own text (ASCII, or the box and marker glyphs picked for this charset).
    func label(_ s: String, _ role: ThemeRole) -> Run {
        Run(glyphs: s.map { DisplayGlyph(text: String($0), width: 1) }, role: role)
    }

    // MARK: - Glyphs that depend on the charset

    var marker: String { asciiOnly ? ">" : "▶" }
    var horizontal: String { asciiOnly ? "-" : "─" }
    var vertical: String { asciiOnly ? "|" : "│" }
    var separator: String { asciiOnly ? " | " : " │ " }
    var dot: String { asciiOnly ? " - " : " · " }
}

extension Frame {
    /// Writes runs one after another from column `x`, within `limit` columns; returns the columns used.
    @discardableResult
    mutating func put(_ runs: [Run], x: Int, y: Int, limit: Int) -> Int {
        var col = x
        for run in runs {
            let room = x + limit - col
            guard room > 0 else { break }
            col += put(run.glyphs, x: col, y: y, limit: room, role: run.role)
        }
        return col - x
    }

    /// Writes runs fitted to exactly `width` columns: padded, or cut with an ellipsis.
    mutating func put(fitted runs: [Run], x: Int, y: Int, width: Int, asciiOnly: Bool, padRole: ThemeRole = .body) {
        guard width > 0 else { return }
        var total = 0
        for run in runs { for glyph in run.glyphs { total += max(0, glyph.width) } }
        let room = total <= width ? width : width - 1
        var used = 0
        var cutRole = padRole
        for run in runs where used < room {
            used += put(run.glyphs, x: x + used, y: y, limit: room - used, role: run.role)
            cutRole = run.role
        }
        if total > width {
            fill(x: x + used, y: y, count: room - used, role: cutRole)
            put(label: asciiOnly ? "~" : "…", x: x + room, y: y, role: cutRole == .body ? .dim : cutRole)
            return
        }
        if used < width { fill(x: x + used, y: y, count: width - used, role: padRole) }
    }
}

/// Numbers and times as the console writes them: short, fixed-width friendly.
enum Format {
    /// `42s`, `4m05s`, `3h04m`, `2d03h`: at most six columns.
    static func duration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + pad2(s % 60) + "s" }
        if s < 86400 { return "\(s / 3600)h" + pad2(s / 60 % 60) + "m" }
        return "\(min(s / 86400, 999))d" + pad2(s / 3600 % 24) + "h"
    }

    /// A queue row's time left: like `duration`, but whole minutes while ten or more are left.
    ///
    /// Every row's countdown is repainted when it changes; seconds that tick on every row of a
    /// full screen would cost ~1 KB a second over SSH for nothing anyone acts on an hour early.
    static func countdown(_ seconds: Int) -> String {
        let s = max(0, seconds)
        guard s >= 600, s < 3600 else { return duration(s) }
        return "\(s / 60)m"
    }

    /// `12s`, `4m`, `3h`, `5d`: an age at a glance.
    static func age(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" }
        return "\(min(s / 86400, 9999))d"
    }

    /// Whole seconds from `now` until `then`, rounded up so a countdown never shows 0s early.
    static func secondsLeft(from now: Timestamp, to then: Timestamp) -> Int {
        let ms = then.milliseconds - now.milliseconds
        return ms <= 0 ? 0 : Int((ms + 999) / 1000)
    }

    /// `2026-11-21 04:23:48Z`.
    static func time(_ t: Timestamp) -> String {
        let s = t.description
        return String(s.prefix(10)) + " " + String(s.dropFirst(11).prefix(8)) + "Z"
    }

    /// `11-21 04:23`, for list columns.
    static func shortTime(_ t: Timestamp) -> String {
        let s = t.description
        return String(s.dropFirst(5).prefix(5)) + " " + String(s.dropFirst(11).prefix(5))
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// The risk as a word: meaning never rests on colour alone.
    static func risk(_ risk: Risk) -> String {
        switch risk {
        case .low: "low"
        case .medium: "med"
        case .high: "HIGH"
        case .critical: "CRIT"
        }
    }
}
