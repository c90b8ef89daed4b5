import TollgateCore

/// Everything a key can ask the console to do.
public enum Command: Hashable, Sendable {
    case moveDown, moveUp, top, bottom, pageDown, pageUp
    case open, back, quit, forceQuit, switchPane
    case filter, clearFilter, sort, approve, deny, breakGlass, history, reconnect, help, commandLine
    case openDiffs, nextHunk, previousHunk, nextMark, previousMark, nextFile, previousFile, scrollLeft, scrollRight, toggleSideBySide
    case toggleMark, markRange, markAll, clearMarks
}

/// Where the keyboard focus is, which decides what a key means.
public enum KeyContext: String, Hashable, Sendable, CaseIterable {
    case queue, detail, diff, history, help, bulk

    /// The heading of this context's section in help.
    public var title: String {
        switch self {
        case .queue: "Queue (pending actions)"
        case .detail: "Detail"
        case .diff: "Diffs"
        case .history: "History (local cache, read-only)"
        case .help: "Help"
        case .bulk: "Bulk preview and results (a or d with marks)"
        }
    }
}

/// One row of the key map: which keys, where, what they do, and how to describe them.
public struct KeyBinding: Hashable, Sendable {
    public var keys: [Key]
    public var command: Command
    public var contexts: Set<KeyContext>
    /// The word in the key-hints bar; nil keeps the binding out of the bar (it is still in help).
    public var hint: String?
    /// The sentence in help.
    public var help: String
}

/// The single table that drives key dispatch, the key-hints bar and the help screen.
///
/// Nothing else maps keys to commands, so the bar and help can never disagree with what the
/// keys actually do.
public enum KeyMap {
    private static let lists: Set<KeyContext> = [.queue, .history]
    private static let scrolling: Set<KeyContext> = [.queue, .detail, .diff, .history, .help, .bulk]
    private static let everywhere = Set(KeyContext.allCases)

    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.char("j"), .down], command: .moveDown, contexts: scrolling, hint: nil, help: "down one line"),
        KeyBinding(keys: [.char("k"), .up], command: .moveUp, contexts: scrolling, hint: nil, help: "up one line"),
        KeyBinding(keys: [.char("g"), .home], command: .top, contexts: scrolling, hint: nil, help: "to the top"),
        KeyBinding(keys: [.char("G"), .end], command: .bottom, contexts: scrolling, hint: nil, help: "to the bottom"),
        KeyBinding(keys: [.pageDown, .ctrl("f")], command: .pageDown, contexts: scrolling, hint: nil, help: "down one page"),
        KeyBinding(keys: [.pageUp, .ctrl("b")], command: .pageUp, contexts: scrolling, hint: nil, help: "up one page"),
        KeyBinding(keys: [.enter], command: .open, contexts: lists, hint: "open", help: "open the selected action's detail"),
        KeyBinding(
            keys: [.tab, .backTab], command: .switchPane, contexts: [.queue, .detail], hint: "pane",
            help: "switch between list and detail (split view, 160+ columns)"),
        KeyBinding(
            keys: [.char("a")], command: .approve, contexts: [.queue, .detail], hint: "approve",
            help: "approve (asks for a reason on critical actions, then for confirmation)"),
        KeyBinding(keys: [.char("d")], command: .deny, contexts: [.queue, .detail], hint: "deny", help: "deny (asks for a reason; 1-5 pick a canned one)"),
        KeyBinding(
            keys: [.char(" ")], command: .toggleMark, contexts: [.queue], hint: nil,
            help: "mark or unmark the selected action and move down; with marks, a and d decide the marked ones"),
        KeyBinding(
            keys: [.char("V")], command: .markRange, contexts: [.queue], hint: nil,
            help: "mark a range: every row between here and the cursor as it moves; V again ends it"),
        KeyBinding(keys: [.char("*")], command: .markAll, contexts: [.queue], hint: nil, help: "mark every pending action the filter shows"),
        KeyBinding(keys: [.char("u")], command: .clearMarks, contexts: [.queue], hint: "unmark", help: "clear every mark"),
        KeyBinding(
            keys: [.char("a")], command: .approve, contexts: [.queue], hint: nil,
            help: "with marks: preview approving the marked ones that are not critical and that you may approve"),
        KeyBinding(
            keys: [.char("d")], command: .deny, contexts: [.queue], hint: nil,
            help: "with marks: preview denying every marked one, with one reason, then confirm with y"),
        KeyBinding(
            keys: [.char("B")], command: .breakGlass, contexts: [.queue, .detail], hint: "break glass",
            help: "break glass: approve alone, whatever the rule needs (role breakglass; reason of \(DecisionRules.breakGlassReasonLength)+ characters)"),
        KeyBinding(keys: [.char("D")], command: .openDiffs, contexts: [.detail], hint: "diffs", help: "show the action's diffs"),
        KeyBinding(
            keys: [.char("n")], command: .nextMark, contexts: [.diff], hint: "hunk",
            help: "next danger mark (a line matching a danger pattern); next hunk when the diff has none"),
        KeyBinding(keys: [.char("N")], command: .previousMark, contexts: [.diff], hint: nil, help: "previous danger mark (or hunk)"),
        KeyBinding(keys: [.char("}")], command: .nextHunk, contexts: [.diff], hint: nil, help: "next hunk (next resource in a plan)"),
        KeyBinding(keys: [.char("{")], command: .previousHunk, contexts: [.diff], hint: nil, help: "previous hunk (or resource)"),
        KeyBinding(keys: [.char("]")], command: .nextFile, contexts: [.diff], hint: "file", help: "next file (and on into the next diff)"),
        KeyBinding(keys: [.char("[")], command: .previousFile, contexts: [.diff], hint: nil, help: "previous file"),
        KeyBinding(keys: [.char("h"), .left], command: .scrollLeft, contexts: [.diff], hint: nil, help: "scroll left"),
        KeyBinding(keys: [.char("l"), .right], command: .scrollRight, contexts: [.diff], hint: "scroll", help: "scroll right (both sides together)"),
        KeyBinding(
            keys: [.char("S")], command: .toggleSideBySide, contexts: [.diff], hint: "side by side",
            help: "side by side (old left, new right) or unified; side by side opens at \(DiffView.sideBySideWidth)+ columns"),
        KeyBinding(keys: [.char("/")], command: .filter, contexts: lists, hint: "filter", help: "filter the queue / full-text search the history"),
        KeyBinding(keys: [.escape], command: .clearFilter, contexts: lists, hint: "clear", help: "clear the filter"),
        KeyBinding(keys: [.char("s")], command: .sort, contexts: [.queue], hint: "sort", help: "cycle the sort: urgency, newest, oldest, kind"),
        KeyBinding(keys: [.char("H")], command: .history, contexts: [.queue, .detail], hint: "history", help: "browse the local history"),
        KeyBinding(keys: [.char("r")], command: .reconnect, contexts: [.queue, .history], hint: "reconnect", help: "reconnect to the server now"),
        KeyBinding(
            keys: [.char(":")], command: .commandLine, contexts: everywhere, hint: "cmd",
            help: "command line: approve, deny REASON, filter k=v, sort, theme NAME, history, q"),
        KeyBinding(keys: [.char("?")], command: .help, contexts: everywhere.subtracting([.help]), hint: "help", help: "this help"),
        KeyBinding(keys: [.escape, .char("q"), .char("?")], command: .back, contexts: [.help], hint: "back", help: "close help"),
        KeyBinding(keys: [.escape, .char("q")], command: .back, contexts: [.detail, .diff], hint: "back", help: "back to the previous screen"),
        KeyBinding(
            keys: [.escape, .char("q")], command: .back, contexts: [.bulk], hint: "close",
            help: "close the preview (nothing is sent, the marks stay) or the results"),
        KeyBinding(keys: [.char("q")], command: .back, contexts: [.history], hint: "back", help: "back to the queue (quits when offline)"),
        KeyBinding(keys: [.char("q")], command: .quit, contexts: [.queue], hint: "quit", help: "quit"),
        KeyBinding(keys: [.ctrl("c")], command: .forceQuit, contexts: everywhere, hint: nil, help: "quit at once, from anywhere (terminal restored)"),
    ]

    /// The command `key` means in `context`, if any; the first matching row wins.
    public static func command(for key: Key, in context: KeyContext) -> Command? {
        for binding in bindings where binding.contexts.contains(context) && binding.keys.contains(key) {
            return binding.command
        }
        return nil
    }

    /// The bindings of `context` in table order.
    public static func bindings(in context: KeyContext) -> [KeyBinding] {
        bindings.filter { $0.contexts.contains(context) }
    }
}

// MARK: - Prompt keys

/// Which prompt is open, for the prompt rows of the key map.
public enum PromptKind: Hashable, Sendable, CaseIterable {
    case approveReason, denyReason, breakGlassReason, confirm, command, search
    /// The one reason of a bulk deny, and a bulk approval's preview (nothing to type).
    case bulkReason, bulkReview
}

/// A key of the line-editing prompts: the editor handles these itself, and this table is what
/// the key-hints bar and help say about them.
public struct PromptKey: Hashable, Sendable {
    public var keys: String
    public var hint: String?
    public var help: String
    public var kinds: Set<PromptKind>
}

extension KeyMap {
    /// The prompts with a line editor.
    private static let editing: Set<PromptKind> = [.approveReason, .denyReason, .breakGlassReason, .command, .search, .bulkReason]

    public static let promptKeys: [PromptKey] = [
        PromptKey(keys: "y", hint: "yes", help: "confirm (only y confirms)", kinds: [.confirm]),
        PromptKey(keys: "other", hint: "no", help: "any other key cancels: the default is No", kinds: [.confirm]),
        PromptKey(keys: "Enter", hint: "send", help: "send the deny with this reason", kinds: [.denyReason]),
        PromptKey(keys: "Enter", hint: "next", help: "go on to the confirmation", kinds: [.approveReason, .breakGlassReason, .bulkReason, .bulkReview]),
        PromptKey(keys: "Enter", hint: "run", help: "run the command", kinds: [.command]),
        PromptKey(keys: "Enter", hint: "done", help: "apply the search", kinds: [.search]),
        PromptKey(keys: "1-5", hint: "canned reason", help: "on an empty deny reason: pick a canned reason", kinds: [.denyReason, .bulkReason]),
        PromptKey(keys: "Up Down PgUp PgDn", hint: "scroll", help: "scroll the bulk preview above the prompt", kinds: [.bulkReason, .bulkReview]),
        PromptKey(
            keys: "Esc", hint: "cancel", help: "close the prompt without doing anything (a bulk preview closes with it)",
            kinds: [.approveReason, .denyReason, .breakGlassReason, .command, .search, .bulkReason, .bulkReview]),
        PromptKey(
            keys: "Ctrl-U", hint: nil, help: "delete everything before the cursor", kinds: editing),
        PromptKey(keys: "Backspace Del", hint: nil, help: "delete before / at the cursor", kinds: editing),
        PromptKey(keys: "Left Right Home End", hint: nil, help: "move the cursor", kinds: editing),
    ]
}
