import TollgateCore

/// Every key, generated from `KeyMap`, so help cannot disagree with what the keys do.
enum HelpView {
    static let keyColumn = 22

    /// The help text, with the section of `first` (where help was opened from) on top.
    static func lines(first: KeyContext, asciiOnly: Bool, width: Int) -> [[Run]] {
        let styler = Styler(asciiOnly: asciiOnly)
        var out: [[Run]] = [[styler.label(" Keys, from the key map. q, Esc or ? closes this; j/k scroll.", .dim)]]
        let order = [first] + KeyContext.allCases.filter { $0 != first }
        for context in order {
            out.append([])
            out.append([styler.label(" " + context.title, .header)])
            for binding in KeyMap.bindings(in: context) {
                let keys = binding.keys.map { asciiOnly ? $0.asciiLabel : $0.label }.joined(separator: " ")
                out += row(keys, binding.help, styler, width: width)
            }
        }
        out.append([])
        out.append([styler.label(" Prompts (reason, confirmation, : and /)", .header)])
        for key in KeyMap.promptKeys { out += row(key.keys, key.help, styler, width: width) }
        out.append([])
        out.append([styler.label(" Commands (type : first)", .header)])
        for (command, help) in commands { out += row(command, help, styler, width: width) }
        return out
    }

    static let commands: [(String, String)] = [
        (":approve", "approve the selected action (same checks as a)"),
        (":deny REASON", "deny the selected action with REASON"),
        (":filter k=v words", "status= risk= env= server= since=2026-11-01, comma lists; words search text"),
        (":filter", "with nothing after it: clear the filter"),
        (":sort ORDER", "urgency, newest, oldest or kind"),
        (":theme NAME", "switch theme now (see `tollgate themes`)"),
        (":history  :help", "open the history / this help"),
        (":ctx NAME  :ctx all", "follow only these servers (NAME,NAME...) or every configured one; :ctx says which"),
        (":reconnect", "reconnect to the servers now"),
        (":q", "quit"),
    ]

    static func lineCount(asciiOnly: Bool, width: Int) -> Int {
        lines(first: .queue, asciiOnly: asciiOnly, width: width).count
    }

    /// The keys, then the explanation wrapped under itself.
    private static func row(_ keys: String, _ help: String, _ styler: Styler, width: Int) -> [[Run]] {
        let padded = "   " + keys + String(repeating: " ", count: max(1, keyColumn - 3 - keys.count))
        let room = max(10, width - padded.count)
        let wrapped = TextLayout.wrap(styler.label(help, .body).glyphs, width: room)
        let indent = String(repeating: " ", count: padded.count)
        return wrapped.enumerated().map { i, line in
            [styler.label(i == 0 ? padded : indent, .body), Run(glyphs: line, role: .body)]
        }
    }

    static func draw(scroll: Int, context: KeyContext, into frame: inout Frame, layout: Layout, styler: Styler) {
        let text = lines(first: context, asciiOnly: styler.asciiOnly, width: layout.width)
        DetailView.title(
            [styler.label(" Help ", .borderFocused)], into: &frame, x: 0, y: layout.bodyTop,
            width: layout.width, role: .borderFocused, styler: styler)
        let rows = max(0, layout.bodyHeight - 1)
        let first = max(0, min(scroll, text.count - rows))
        for row in 0..<rows where first + row < text.count {
            frame.put(text[first + row], x: 0, y: layout.bodyTop + 1 + row, limit: layout.width)
        }
    }
}
