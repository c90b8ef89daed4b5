import TollgateCore

/// One screen on the navigation stack; the bottom one is the queue, or the history when offline.
enum Screen: Sendable {
    case queue
    case history
    case detail(DetailState)
    case diff(DiffState)
    case help(scroll: Int)
    /// A bulk decision on the marked actions: its preview, then its results.
    case bulk(BulkState)
}

/// Which half of the split view has the keyboard (160 columns or more).
enum Pane: Sendable {
    case list, detail
}

/// A list's selection, tracked by action id so rows arriving above never move it.
struct ListPosition: Hashable, Sendable {
    var id: ActionKey?
    /// The selection's row at the last reconcile: where to fall back when `id` disappears.
    var index = 0
    /// The first row on screen.
    var top = 0
    /// The user moved the selection; before that, the queue keeps it on its top row.
    var touched = false
}

/// The detail screen of one action.
struct DetailState: Sendable {
    var actionID: ActionKey
    /// The action as it was when the screen opened: shows what changed, and is the whole
    /// source of truth for read-only (history) detail.
    var opened: Action
    /// History detail never decides.
    var readOnly: Bool
    var scroll = 0
}

/// The diff screen: one of the action's diffs, parsed, paired, marked and laid out once when
/// it opens, drawn a screenful at a time.
struct DiffState: Sendable {
    var actionID: ActionKey
    var readOnly: Bool
    var diffs: [ActionDiff]
    var diffIndex: Int
    /// The diff, or an empty one when the diff is a plan.
    var parsed: UnifiedDiff
    /// The plan, when the diff's format is `terraform-plan` or `terraform-plan-json`.
    var plan: TerraformPlan?
    /// Which removed line each added line replaced, and the words that changed.
    var pairing: LinePairing
    /// The rows of the side-by-side view.
    var sideRows: SideBySideRows
    /// Added lines that match a danger pattern: a reading aid, never a decision.
    var marks: DangerMarks
    let danger: DangerMatcher
    /// Side by side (true) or unified (false) as `S` chose; nil follows the window's width.
    var sideBySideChoice: Bool?
    /// The line at the top of the window, whichever view shows it.
    var top = 0
    var left = 0

    init(
        actionID: ActionKey, readOnly: Bool, diffs: [ActionDiff], diffIndex: Int, danger: DangerMatcher = DangerMatcher(),
        sideBySideChoice: Bool? = nil
    ) {
        self.actionID = actionID
        self.readOnly = readOnly
        self.diffs = diffs
        self.diffIndex = diffIndex
        self.danger = danger
        self.sideBySideChoice = sideBySideChoice
        let shown = diffs.indices.contains(diffIndex) ? diffs[diffIndex] : nil
        plan = shown.flatMap { TerraformPlan(diff: $0) }
        parsed = UnifiedDiff(plan == nil ? shown?.text ?? "" : "")
        pairing = LinePairing(parsed)
        sideRows = SideBySideRows(parsed, pairing: pairing)
        marks = plan.map { danger.marks(in: $0) } ?? danger.marks(in: parsed)
    }

    /// Lines of the diff or the plan.
    var lineCount: Int { plan?.lineCount ?? parsed.lineCount }

    /// Rows above the scrolling lines: a plan's summary, and the addresses it destroys or replaces.
    var pinnedRows: Int {
        guard let summary = plan?.summary else { return 0 }
        return summary.destroyed.isEmpty && summary.replaced.isEmpty ? 1 : 2
    }

    /// Whether a window `width` columns wide shows this diff side by side; a plan has no sides.
    func showsSideBySide(width: Int) -> Bool {
        plan == nil && width >= DiffView.narrowestSideBySide && (sideBySideChoice ?? (width >= DiffView.sideBySideWidth))
    }

    /// The first hunk (a resource, in a plan) after line `index`.
    func hunk(after index: Int) -> Int? { plan.map { $0.resource(after: index) } ?? parsed.hunk(after: index) }

    /// The last hunk (a resource, in a plan) before line `index`.
    func hunk(before index: Int) -> Int? { plan.map { $0.resource(before: index) } ?? parsed.hunk(before: index) }

    /// The same screen on another of the action's diffs, in the same view.
    func opening(diff index: Int) -> DiffState {
        DiffState(actionID: actionID, readOnly: readOnly, diffs: diffs, diffIndex: index, danger: danger, sideBySideChoice: sideBySideChoice)
    }
}

/// A prompt on the bottom line, owning the keyboard until it closes.
struct Prompt: Sendable {
    enum Kind: Sendable {
        /// A reason for `verdict` on the action; approve continues to a confirmation.
        case reason(Verdict, actionID: ActionKey)
        /// What broke, for a break-glass approval (`B`): at least
        /// `DecisionRules.breakGlassReasonLength` visible characters, then a confirmation.
        case breakGlassReason(actionID: ActionKey)
        /// "Approve …? [y/N]": `y` sends, anything else cancels.
        case confirm(DecisionIntent)
        case command
        /// `/` on the queue (live filter) or the history (full-text search on Enter).
        case search(KeyContext)
        /// The one reason for every deny of a bulk (`d` with marks); Enter goes on to the confirmation.
        case bulkReason
        /// A bulk approval's preview, with nothing to type: Enter goes on to the confirmation.
        case bulkReview
        /// "Deny 3 marked actions …? [y/N]": `y` sends each one, anything else cancels.
        case bulkConfirm(Verdict, reason: String)

        /// A deny reason, where 1-5 on an empty line pick a canned one.
        var offersCannedReasons: Bool {
            switch self {
            case .reason(.deny, _), .bulkReason: true
            default: false
            }
        }

        /// False for prompts answered with a key, not typed into: a paste is no answer to them.
        var takesText: Bool {
            switch self {
            case .confirm, .bulkReview, .bulkConfirm: false
            default: true
            }
        }
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
    var items: [HistoryItem] = []
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
