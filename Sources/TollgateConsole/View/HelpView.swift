import TollgateCore

/// Every key, generated from `KeyMap`, so help cannot disagree with what the keys do.
enum HelpView {
    static let keyColumn = 22

    /// The help text, with the section of `first` (where help was opened from) on top.
    static func lines(first: KeyContext, asciiOnly: Bool) -> [[Run]] {
        let styler = Styler(asciiOnly: asciiOnly)
        var out: [[Run]] = [[styler.label(" Keys, from the key map. q, Esc or ? closes this; j/k scroll.", .dim)]]
        let order = [first] + KeyContext.allCases.filter { $0 != first }
        for context in order {
            out.append([])
            out.append([styler.label(" " + context.title, .header)])
            for binding in KeyMap.bindings(in: context) {
                let keys = binding.keys.map { asciiOnly ? $0.asciiLabel : $0.label }.joined(separator: " ")
                out.append(row(keys, binding.help, styler))
            }
        }
        out.append([])
        out.append([styler.label(" Prompts (reason, confirmation, : and /)", .header)])
        for key in KeyMap.promptKeys { out.append(row(key.keys, key.help, styler)) }
        out.append([])
        out.append([styler.label(" Commands (type : first)", .header)])
        for (command, help) in commands { out.append(row(command, help, styler)) }
        return out
    }

    static let commands: [(String, String)] = [
        (":approve", "approve the selected action (same checks as a)"),
        (":deny REASON", "deny the selected action with REASON"),
        (":filter k=v words", "status= risk= env= since=2026-11-01, comma lists; words search text"),
        (":filter", "with nothing after it: clear the filter"),
        (":sort ORDER", "urgency, newest, oldest or kind"),
        (":theme NAME", "switch theme now (see `tollgate themes`)"),
        (":history  :help", "open the history / this help"),
        (":reconnect", "reconnect to the server now"),
        (":q", "quit"),
    ]

    static func lineCount(asciiOnly: Bool) -> Int {
        lines(first: .queue, asciiOnly: asciiOnly).count
    }

    private static func row(_ keys: String, _ help: String, _ styler: Styler) -> [Run] {
        let padded = "   " + keys + String(repeating: " ", count: max(1, keyColumn - 3 - keys.count))
        return [styler.label(padded, .body), styler.label(help, .body)]
    }

    static func draw(scroll: Int, context: KeyContext, into frame: inout Frame, layout: Layout, styler: Styler) {
        let text = lines(first: context, asciiOnly: styler.asciiOnly)
        DetailView.title([styler.label(" Help ", .borderFocused)], into: &frame, x: 0, y: layout.bodyTop,
                         width: layout.width, role: .borderFocused, styler: styler)
        let rows = max(0, layout.bodyHeight - 1)
        let first = max(0, min(scroll, text.count - rows))
        for row in 0..<rows where first + row < text.count {
            frame.put(text[first + row], x: 0, y: layout.bodyTop + 1 + row, limit: layout.width)
        }
    }
}
