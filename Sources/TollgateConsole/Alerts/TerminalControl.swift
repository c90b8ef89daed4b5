import TollgateCore

/// The bytes the console sends the terminal beside curses' screen: the window title, its save
/// and restore, and desktop notifications that carry agent-written text.
///
/// An OSC string ends at ST (`ESC \`), at BEL, and in some terminals at C1 ST (U+009C); a
/// field of OSC 777 ends at `;`. Text goes through TextSanitizer first (every C0, C1, DEL,
/// bidi control and invisible becomes a visible placeholder), then anything that could still
/// end or break the sequence is dropped, and each field is cut to a fixed length. Every
/// sequence here ends with ST, never BEL, so a BEL the console writes is always a bell.
///
/// Outside UTF-8 (`asciiOnly`) the text is printable ASCII: a terminal that does not decode
/// UTF-8 could take a byte of a multibyte character (0x9C is one) for a C1 control.
enum TerminalControl {
    static let stringTerminator: [UInt8] = [0x1B, 0x5C]

    /// Saves the window title on xterm's title stack (CSI 22 ; 0 t), where `popTitle` takes it
    /// back: the title the console found is restored at exit, whatever it was.
    static let pushTitle = Array("\u{1B}[22;0t".utf8)
    static let popTitle = Array("\u{1B}[23;0t".utf8)

    static let maxWindowTitle = 100
    static let maxNotificationTitle = 60
    static let maxNotificationBody = 200
    /// Every notification says where it comes from, first: it also keeps OSC 9's text from
    /// starting with a digit and `;`, which ConEmu and Windows Terminal read as a sub-command
    /// (`9;4;…` is a progress bar).
    static let notificationPrefix = "Tollgate: "

    /// OSC 2: the window title.
    static func windowTitle(_ text: String, asciiOnly: Bool) -> [UInt8] {
        osc("2;" + field(text, limit: maxWindowTitle, asciiOnly: asciiOnly, fieldSeparator: false))
    }

    /// `alert` as a desktop notification: OSC 777 (`notify;TITLE;BODY`: rxvt-unicode, foot,
    /// VTE, WezTerm, Ghostty) and OSC 9 (`BODY`: iTerm2, kitty, WezTerm, Windows Terminal).
    /// A terminal ignores the one it does not know. Inside tmux (`tmux` true) each goes
    /// through tmux's passthrough, which tmux 3.3 and later honour only with
    /// `set -g allow-passthrough on`.
    static func desktopNotification(_ alert: Alert, asciiOnly: Bool, tmux: Bool) -> [UInt8] {
        let title = field(notificationPrefix + alert.title, limit: maxNotificationTitle, asciiOnly: asciiOnly, fieldSeparator: true)
        let others = alert.others
        let body =
            field(alert.subject, limit: maxNotificationBody - others.count, asciiOnly: asciiOnly, fieldSeparator: false) + others
        let sequences = [osc("777;notify;\(title);\(body)"), osc("9;\(title): \(body)")]
        return sequences.flatMap { tmux ? tmuxPassthrough($0) : $0 }
    }

    /// `sequence` wrapped in tmux's DCS passthrough (`ESC P tmux ; … ESC \`), every ESC in it
    /// doubled, so tmux hands it to the terminal it runs in instead of swallowing it.
    static func tmuxPassthrough(_ sequence: [UInt8]) -> [UInt8] {
        var out = Array("\u{1B}Ptmux;".utf8)
        for byte in sequence {
            out.append(byte)
            if byte == 0x1B { out.append(0x1B) }
        }
        return out + stringTerminator
    }

    /// Untrusted text made safe inside an OSC: sanitised, without anything that ends or
    /// breaks the sequence (a `;` too, when the text is one field of several), at most
    /// `limit` characters, a cut marked with an ellipsis.
    static func field(_ text: String, limit: Int, asciiOnly: Bool, fieldSeparator: Bool) -> String {
        let ellipsis = asciiOnly ? "..." : "…"
        var out = ""
        var count = 0
        for character in TextSanitizer.safeString(text, options: SanitizeOptions(asciiOnly: asciiOnly)) {
            guard let kept = safe(character, fieldSeparator: fieldSeparator) else { continue }
            if count == limit {
                // The last characters give way to the ellipsis, so the cut text fits `limit`.
                if limit >= ellipsis.count { out = String(out.dropLast(ellipsis.count)) + ellipsis }
                break
            }
            out.append(kept)
            count += 1
        }
        return out
    }

    /// What of `character` may stand in an OSC: nothing of a C0, DEL or C1 control (the
    /// sanitiser leaves none; this holds even if it one day did), and `,` for a field's `;`,
    /// looked for among the scalars: `;` with a combining mark on it is one character.
    static func safe(_ character: Character, fieldSeparator: Bool) -> Character? {
        if fieldSeparator, character.unicodeScalars.contains(";") { return "," }
        let breaks = character.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
        return breaks ? nil : character
    }

    private static func osc(_ body: String) -> [UInt8] {
        [0x1B, 0x5D] + Array(body.utf8) + stringTerminator
    }
}
