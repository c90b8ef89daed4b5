import TollgateClient
import TollgateCore

/// Everything the console shows, as a value: `update` changes it, `view` draws it.
///
/// Nothing in here does I/O or reads the clock: time arrives as `.tick` messages, so tests
/// drive the console with fixed timestamps and compare frames exactly.
public struct ConsoleModel: Sendable {
    // MARK: - Surroundings

    public var now: Timestamp
    public var size: Size
    /// Every server the console may follow, in the order it was given them; none in offline
    /// mode (history only).
    public var servers: [ServerState]
    /// Set when the local cache failed: the console keeps working from memory.
    public var cacheProblem: String?
    /// The locale cannot show UTF-8: ASCII-only text, borders and markers.
    public var asciiOnly: Bool
    public var themeName: String
    /// What alerts, and how (`--notify`, `notify_min_risk`).
    public var alerts: AlertSettings
    /// Keep the pending count in the terminal title (`--title`).
    public var titleEnabled: Bool
    /// The title last asked for, so it is sent again only when it changes.
    var shownTitle: String?

    // MARK: - Data

    /// Every action seen in this session by id, as a row: pending ones, and resolved ones still on screen.
    var rows: [ActionKey: QueueRow] = [:]
    /// The full records screens show now: open details and diffs, the split view's selection.
    /// Rows keep only what the list needs; a record comes from the local cache (`.loadRecords`)
    /// or, when the cache lacks it, from the server (`.refreshActions`).
    var details: [ActionKey: Action] = [:]
    /// Full records asked for and not yet in `details`, by id: each is asked once.
    var recordRequests: [ActionKey: RecordRequest] = [:]
    /// The queue row whose detail screen opens when its full record arrives (from the cache or
    /// the server), if the selection is still on it.
    var awaitingDetail: ActionKey?
    var queue = QueueIndex()
    /// Resolved rows kept in the queue for a few seconds so their outcome can be read.
    var lingering: [ActionKey: Timestamp] = [:]
    var outcomes: [ActionKey: RowOutcome] = [:]
    /// Pending (not lingering) actions in the queue by risk rank, for the header's counts.
    var pendingByRisk = [0, 0, 0, 0]
    /// Pending (not lingering) actions in the queue with an escalation under way.
    var escalatedCount = 0

    // MARK: - Navigation

    var screens: [Screen]
    var queueList = ListPosition()
    /// The queue rows marked for a bulk decision.
    var marks = Marks()
    var focus = Pane.list
    var prompt: Prompt?
    var toast: Toast?
    var history = HistoryState()
    /// The split view's detail pane scroll; reset when the selection changes.
    var splitDetailScroll = 0
    /// The detail text laid out for the current width, rebuilt only when the action or width changes.
    var detailDocument: DetailDocument?
    /// The danger patterns diffs are marked with: the defaults and the configuration's `[[danger]]`.
    public var danger = DangerMatcher()

    /// Where a full record that a screen needs is being looked for.
    enum RecordRequest: Equatable, Sendable {
        /// Asked of the local cache (`.loadRecords`).
        case cache
        /// Not in the cache; asked of the server (`.refreshActions`).
        case server
        /// The server could not be asked; Enter asks again.
        case failed
    }

    /// How long a resolved row stays in the queue.
    static let lingerSeconds = 8.0

    public init(
        now: Timestamp, size: Size, servers: [ServerState], asciiOnly: Bool = false,
        themeName: String = "default", alerts: AlertSettings = AlertSettings(), titleEnabled: Bool = false
    ) {
        self.now = now
        self.size = size
        self.servers = servers
        self.asciiOnly = asciiOnly
        self.themeName = themeName
        self.alerts = alerts
        self.titleEnabled = titleEnabled
        self.screens = servers.isEmpty ? [.history] : [.queue]
    }

    // MARK: - Derived

    /// True when there is no server: the history is all there is, and nothing can be decided.
    public var isOffline: Bool { servers.isEmpty }

    /// The servers followed now, in their order.
    var followedServers: [ServerID] { servers.indices.filter { servers[$0].followed }.map(ServerID.init) }

    /// More than one server is followed: rows name theirs, and the header shows each one's state.
    var isFleet: Bool { servers.lazy.filter(\.followed).count > 1 }

    /// `servers[id]`, or nil for an id the console was not started with.
    func server(_ id: ServerID) -> ServerState? {
        servers.indices.contains(id.index) ? servers[id.index] : nil
    }

    var screen: Screen { screens.last ?? .queue }

    /// The split view: list and detail side by side, from 160 columns.
    var isSplit: Bool {
        guard size.width >= Layout.splitMinimumWidth, size.height >= Layout.minimumHeight else { return false }
        switch screen {
        case .queue, .history: return true
        default: return false
        }
    }

    /// Where keys go now, which is also which bindings the bar and help show first.
    public var keyContext: KeyContext {
        switch screen {
        case .queue: isSplit && focus == .detail ? .detail : .queue
        case .history: isSplit && focus == .detail ? .detail : .history
        case .detail: .detail
        case .diff: .diff
        case .help: .help
        case .bulk: .bulk
        }
    }

    /// The list the root screen shows, queue or history.
    var onHistoryList: Bool {
        if case .history = screen { return true }
        if case .history = screens.first, screens.count == 1 { return true }
        return false
    }

    /// The action the current screen is about, for `a`/`d` and the key hints: its row.
    var subject: (row: QueueRow, readOnly: Bool)? {
        switch screen {
        case .detail(let d):
            return d.readOnly
                ? (QueueRow(d.opened, server: d.actionID.server), true) : (rows[d.actionID] ?? QueueRow(d.opened, server: d.actionID.server), false)
        case .diff(let d):
            if d.readOnly { return historyAction(d.actionID).map { (QueueRow($0, server: d.actionID.server), true) } }
            return rows[d.actionID].map { ($0, false) }
        case .queue:
            return queueList.id.flatMap { rows[$0] }.map { ($0, false) }
        case .history:
            return selectedHistoryItem.map { (QueueRow($0.action, server: $0.server), true) }
        case .help, .bulk:
            return nil
        }
    }

    /// The full action a detail pane shows now: the detail screen's, or the split view's selection.
    var detailSubject: (key: ActionKey, action: Action, readOnly: Bool, opened: Action)? {
        switch screen {
        case .detail(let d):
            return d.readOnly ? (d.actionID, d.opened, true, d.opened) : (d.actionID, details[d.actionID] ?? d.opened, false, d.opened)
        case .queue where isSplit:
            return queueList.id.flatMap { key in details[key].map { (key, $0, false, $0) } }
        case .history where isSplit:
            return selectedHistoryItem.map { ($0.key, $0.action, true, $0.action) }
        default:
            return nil
        }
    }

    var selectedHistoryItem: HistoryItem? {
        history.items.indices.contains(history.list.index) ? history.items[history.list.index] : nil
    }

    private func historyAction(_ key: ActionKey) -> Action? {
        for screen in screens.reversed() {
            if case .detail(let d) = screen, d.actionID == key { return d.opened }
        }
        return history.items.first { $0.key == key }?.action
    }

    /// Why the approver may not decide `action` now, or nil when they may: the one place that
    /// says what the keys, the key-hints bar and a confirmed send may do with an action.
    ///
    /// `breakGlass` asks about a break-glass approval (`B`): it needs the `breakglass` role, and
    /// it approves whatever the quorum still needs, so eligibility does not apply to it.
    func decisionBlocker(_ action: QueueRow, readOnly: Bool, verdict: Verdict, breakGlass: Bool = false) -> String? {
        if readOnly { return "History is read-only: decide pending actions from the queue" }
        if isOffline { return "Offline: there is no server to send a decision to" }
        if action.status != .pending { return "Already \(action.status.rawValue): it can no longer be decided" }
        if now >= action.expiresAt { return "Expired: it can no longer be decided" }
        guard let me = server(action.server)?.me else { return "Still finding out who you are (whoami); try again in a moment" }
        if breakGlass, !me.has(.breakglass) {
            return "Break-glass needs the breakglass role, which your token does not have"
        }
        if action.isRequested(by: me.id) {
            return "You requested this action (or it runs on your behalf): someone else must decide it"
        }
        if action.hasDecision(by: me.id) { return "You have already decided this action" }
        if outcomes[action.key]?.sending == true { return "A decision on this action is already being sent" }
        if verdict == .approve, !breakGlass, let why = action.ineligibility(of: me) { return why }
        return nil
    }

    /// Whether the key-hints bar should offer `a`/`d` (or `B`) now: hidden for one's own
    /// requests, and `a` where one's approval would not count.
    func canDecide(_ verdict: Verdict, breakGlass: Bool = false) -> Bool {
        guard let subject else { return false }
        return decisionBlocker(subject.row, readOnly: subject.readOnly, verdict: verdict, breakGlass: breakGlass) == nil
    }

    /// Why `a` is not offered on the subject when only the quorum stands in the way (the
    /// approver is in none of the groups it still needs): the key-hints bar says so in its place.
    var approvalIneligibility: String? {
        guard let subject, let me = server(subject.row.server)?.me, let why = subject.row.ineligibility(of: me) else { return nil }
        return decisionBlocker(subject.row, readOnly: subject.readOnly, verdict: .approve) == why ? why : nil
    }

    /// Pending actions in the queue, lingering resolved rows not counted.
    var pendingCount: Int { pendingByRisk.reduce(0, +) }
}
