import TollgateCore

/// The local history: every cached action, newest first, loaded a page at a time.
enum HistoryView {
    struct Columns: Hashable {
        static let gutter = 2
        static let status = 9
        static let risk = 4
        var server = 0, kind = 0, requester = 0, environment = 0, created = 11
        var summary = 0

        /// `fleet`: the console has several servers, so each row names its own.
        init(width: Int, fleet: Bool = false) {
            if width >= 110 {
                (kind, requester, environment) = (16, 22, 11)
                if fleet { server = 10 }
            } else if width >= 76 {
                (kind, requester, environment) = (12, 14, 0)
                if fleet { server = 8 }
            } else if width < 50 {
                created = 0
            }
            let fixed = Self.gutter + Self.status + 1 + Self.risk + 1
            let others = [server, kind, requester, environment, created].reduce(0) { $0 + ($1 > 0 ? $1 + 1 : 0) }
            summary = max(1, width - fixed - others)
        }
    }

    static func draw(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        let columns = Columns(width: layout.listWidth, fleet: model.servers.count > 1)
        drawTitles(columns, into: &frame, y: layout.bodyTop)
        let history = model.history
        guard !history.items.isEmpty else {
            let text: String
            if history.loading || !history.started {
                text = "Loading the local history..."
            } else if let problem = history.problem {
                text = "The local history cannot be read: \(problem)"
            } else if !history.filter.isEmpty {
                text = "Nothing in the local history matches \(history.filter.summary)."
            } else {
                text = "The local history is empty: actions are cached here as the feed sends them."
            }
            frame.put(
                fitted: [styler.text(text, .dim, limit: layout.listWidth)], x: 2, y: layout.listTop,
                width: layout.listWidth - 2, asciiOnly: styler.asciiOnly)
            return
        }
        let focused = model.focus == .list
        for row in 0..<layout.listRows {
            let index = history.list.top + row
            guard index < history.items.count else { break }
            drawRow(
                history.items[index], columns: columns, y: layout.listTop + row, selected: index == history.list.index,
                focused: focused, into: &frame, styler: styler)
        }
    }

    static func drawTitles(_ columns: Columns, into frame: inout Frame, y: Int) {
        var x = Columns.gutter
        func title(_ text: String, _ w: Int) {
            guard w > 0 else { return }
            frame.put(label: String(text.prefix(w)), x: x, y: y, role: .dim)
            x += w + 1
        }
        title("STATUS", Columns.status)
        title("RISK", Columns.risk)
        title("SERVER", columns.server)
        title("KIND", columns.kind)
        title("SUMMARY", columns.summary)
        title("REQUESTER", columns.requester)
        title("ENV", columns.environment)
        title("CREATED", columns.created)
    }

    /// The summary, after who decided when that is news: a break-glass approval (alert), or a
    /// rule that resolved the action at submission (`by policy:<id>`).
    static func summary(_ action: Action, width: Int, styler: Styler) -> [Run] {
        var runs: [Run] = []
        if action.isBreakGlass {
            runs += [styler.label(QueueView.breakGlassMarker, .alert), styler.label(" ", .body)]
        } else if let rule = action.resolvingRule {
            runs += [styler.label("by ", .dim), styler.text(rule.decider, .status(action.status), limit: width), styler.label(styler.dot, .dim)]
        }
        runs.append(styler.text(action.summary, .body, limit: width))
        return runs
    }

    static func drawRow(
        _ item: HistoryItem, columns: Columns, y: Int, selected: Bool, focused: Bool,
        into frame: inout Frame, styler: Styler
    ) {
        let action = item.action
        if selected {
            frame.put(label: styler.marker, x: 0, y: y, role: focused ? .selectedFocused : .selectedUnfocused)
        }
        var x = Columns.gutter
        func cell(_ runs: [Run], _ width: Int) {
            guard width > 0 else { return }
            frame.put(fitted: runs, x: x, y: y, width: width, asciiOnly: styler.asciiOnly)
            x += width + 1
        }
        cell([styler.label(action.status.rawValue, .status(action.status))], Columns.status)
        cell([styler.label(Format.risk(action.risk), .risk(action.risk))], Columns.risk)
        cell([styler.text(item.serverName, .body, limit: columns.server)], columns.server)
        cell([styler.text(action.kind, .body, limit: columns.kind)], columns.kind)
        cell(summary(action, width: columns.summary, styler: styler), columns.summary)
        var requester = [styler.text(action.requester.id, .body, limit: columns.requester)]
        if let onBehalf = action.requester.onBehalfOf {
            requester += [styler.label(" for ", .dim), styler.text(onBehalf, .body, limit: columns.requester)]
        }
        cell(requester, columns.requester)
        cell([styler.text(action.environment ?? "-", .body, limit: columns.environment)], columns.environment)
        cell([styler.label(Format.shortTime(action.createdAt), .dim)], columns.created)
    }
}
