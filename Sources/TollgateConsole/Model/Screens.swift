import TollgateCore

/// One screen on the navigation stack; the bottom one is the queue, or the history when offline.
enum Screen: Sendable {
    case queue
    case history
    case detail(DetailState)
    case diff(DiffState)
    case help(scroll: Int)
}

/// Which half of the split view has the keyboard (160 columns or more).
enum Pane: Sendable {
    case list, detail
}

/// A list's selection, tracked by action id so rows arriving above never move it.
struct ListPosition: Hashable, Sendable {
    var id: String?
    /// The selection's row at the last reconcile: where to fall back when `id` disappears.
    var index = 0
    /// The first row on screen.
    var top = 0
    /// The user moved the selection; before that, the queue keeps it on its top row.
    var touched = false
}

/// The detail screen of one action.
struct DetailState: Sendable {
    var actionID: String
    /// The action as it was when the screen opened: shows what changed, and is the whole
    /// source of truth for read-only (history) detail.
    var opened: Action
    /// History detail never decides.
    var readOnly: Bool
    var scroll = 0
}

/// The diff screen: one of the action's diffs, parsed once, drawn a screenful at a time.
struct DiffState: Sendable {
    var actionID: String
    var readOnly: Bool
    var diffs: [ActionDiff]
    var diffIndex: Int
    var parsed: UnifiedDiff
    var top = 0
    var left = 0

    init(actionID: String, readOnly: Bool, diffs: [ActionDiff], diffIndex: Int) {
        self.actionID = actionID
        self.readOnly = readOnly
        self.diffs = diffs
        self.diffIndex = diffIndex
        self.parsed = UnifiedDiff(diffs.indices.contains(diffIndex) ? diffs[diffIndex].text : "")
    }
}

/// A prompt on the bottom line, owning the keyboard until it closes.
struct Prompt: Sendable {
    enum Kind: Sendable {
        /// A reason for `verdict` on the action; approve continues to a confirmation.
        case reason(Verdict, actionID: String)
        /// What broke, for a break-glass approval (`B`): at least
        /// `DecisionRules.breakGlassReasonLength` visible characters, then a confirmation.
        case breakGlassReason(actionID: String)
        /// "Approve …? [y/N]": `y` sends, anything else cancels.
        case confirm(DecisionIntent)
        case command
        /// `/` on the queue (live filter) or the history (full-text search on Enter).
        case search(KeyContext)
    }

    var kind: Kind
    var editor = LineEditor()
    /// A complaint shown beside the prompt (an empty reason, an unknown command).
    var problem: String?
}

/// A short message on the status line that goes away by itself.
struct Toast: Hashable, Sendable {
    enum Level: Hashable, Sendable { case info, warn, error }
    var text: String
    var level: Level
    var until: Timestamp
}

/// What happened to a decision sent from this console, shown on the action's row.
struct RowOutcome: Hashable, Sendable {
    var text: String
    var role: ThemeRole
    /// Still on its way: the outbox holds it and a further answer will come.
    var sending: Bool
}

/// The history browser: pages of the local cache, loaded as the selection nears the end.
struct HistoryState: Sendable {
    var filter = ActionFilter()
    var items: [Action] = []
    var next: String?
    var exhausted = false
    var loading = false
    /// Bumped whenever the filter changes, so pages of an old query are dropped when they arrive.
    var generation = 0
    var list = ListPosition()
    var problem: String?
    var started = false
}

/// The canned deny reasons, picked with 1–5 in the reason prompt.
enum CannedReasons {
    static let deny = [
        "Not expected: nobody asked for this change",
        "Too risky in this environment right now",
        "Needs a ticket or change request first",
        "Scope is too broad; ask for less",
        "Wrong target or environment",
    ]
}
